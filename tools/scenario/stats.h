// tools/scenario/stats: medians and ranges over repeated runs, the benchmark's comparison table
// (ratios against oomguard), and the e2e suite's summary table (rows kept as tab-separated
// lines so separate test processes can append to one file).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/scenario/result.h"

namespace oomguard::scenario {

struct Stat {
  int n = 0;  // values present
  double median = 0;
  double min = 0;
  double max = 0;
};

// Over the values present (nullopt entries are skipped); n == 0 when none.
Stat stat_of(const std::vector<std::optional<double>>& values);
// "1.23 (0.91-1.60)", "1.23" for one value, "n/a" for none.
std::string format_stat(const Stat& s, int decimals);
// a / b as "0.42x", or "n/a".
std::string format_ratio(const Stat& a, const Stat& b);

// The runs of one scenario in one mode.
struct BenchCell {
  std::string key;
  Mode mode = Mode::kOomguard;
  std::vector<RunResult> runs;
};

// One table: per scenario and mode, medians (min-max) of time to relief, PSI full stall and
// canary worst stall, kills per incident, the victims chosen and the outcomes, and the ratios of
// the three times to the same scenario's "oomguard" mode.
std::string bench_table(const std::vector<BenchCell>& cells);

// The e2e summary: one tab-separated line per run, and the table of such lines.
std::string summary_line(const RunResult& r, const std::string& verdict);
std::string summary_table(const std::vector<std::string>& lines);

}  // namespace oomguard::scenario

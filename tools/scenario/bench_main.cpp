// oomguard-bench: the host benchmark of issue 6. Runs scenarios under the kernel alone and under
// oomguard (normal, extended SIGSTOPped, core alone), alternating the modes run by run, and
// prints one table of medians (min-max) and ratios against oomguard. tools/bench builds it and
// runs it; see docs/benchmarks.md.
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "tools/scenario/process.h"
#include "tools/scenario/runner.h"
#include "tools/scenario/stats.h"

namespace {

using namespace oomguard::scenario;

constexpr const char* kUsage =
    "usage: oomguard-bench [--runs N] [--scenarios K,K..] [--modes M,M..] [--work-dir DIR]\n"
    "                      [--bin-dir DIR] [--verbose] | --sweep\n"
    "  --runs N         runs per scenario and mode, alternating the modes (default 5)\n"
    "  --scenarios      keys or numbers (default thrash,build-storm,swap-thrash = 1,2,9);\n"
    "                   also priorities (3), spike (4), leak (10), sudden (11)\n"
    "  --modes          kernel, oomguard, ext-stopped, core-alone, ext-killed, ext-thrashing,\n"
    "                   dry-run (default kernel,oomguard,ext-stopped,core-alone); \"default\"\n"
    "                   alone = each scenario's own mode (5-8 inject their fault)\n"
    "  --work-dir DIR   logs of every run (default /tmp/oomguard-bench)\n"
    "  --bin-dir DIR    where hog, oomguard-core and oomguard-extended are (default: next to\n"
    "                   this binary)\n"
    "  --verbose        print every run's full report (always printed for failed runs)\n"
    "  --sweep          only remove what a killed earlier run left (cgroups, zram swap)\n";

struct Options {
  int runs = 5;
  std::vector<std::string> scenarios = {"thrash", "build-storm", "swap-thrash"};
  std::vector<std::string> modes = {"kernel", "oomguard", "ext-stopped", "core-alone"};
  std::string work_dir = "/tmp/oomguard-bench";
  std::string bin_dir;
  bool verbose = false;
  bool sweep_only = false;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--runs" && has_value) {
      const std::string_view v = argv[++i];
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), o->runs);
      if (ec != std::errc() || end != v.data() + v.size() || o->runs < 1) {
        std::fprintf(stderr, "oomguard-bench: --runs needs a positive integer\n");
        return false;
      }
    } else if (a == "--scenarios" && has_value) {
      o->scenarios = split(argv[++i]);
    } else if (a == "--modes" && has_value) {
      o->modes = split(argv[++i]);
    } else if (a == "--work-dir" && has_value) {
      o->work_dir = argv[++i];
    } else if (a == "--bin-dir" && has_value) {
      o->bin_dir = argv[++i];
    } else if (a == "--verbose") {
      o->verbose = true;
    } else if (a == "--sweep") {
      o->sweep_only = true;
    } else if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "oomguard-bench: bad argument '%s'\n%s", a.c_str(), kUsage);
      return false;
    }
  }
  return true;
}

std::optional<ScenarioSpec> find_scenario(const std::string& key) {
  int number = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), number);
  if (ec == std::errc() && end == key.data() + key.size()) return scenario(number);
  return scenario_by_key(key);
}

std::string one_line(const RunResult& r) {
  if (!r.error.empty()) return "SET-UP ERROR: " + r.error;
  char buf[160];
  std::snprintf(
      buf, sizeof buf, "%s; ttr %s; full %.2f s; canary %s ms; kills %d: ", r.outcome.c_str(),
      r.ttd_s ? std::to_string(*r.ttd_s).substr(0, 5).c_str() : "n/a", r.full_stall_ms / 1000.0,
      r.canary_worst_ms ? std::to_string(*r.canary_worst_ms).substr(0, 6).c_str() : "n/a",
      r.kills());
  return buf + victims_text(r) + (r.leftovers.empty() ? "" : "  LEFTOVERS!");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, &o)) return 2;
  std::vector<ScenarioSpec> specs;
  for (const std::string& key : o.scenarios) {
    std::optional<ScenarioSpec> s = find_scenario(key);
    if (!s) {
      std::fprintf(stderr, "oomguard-bench: unknown scenario '%s'\n", key.c_str());
      return 2;
    }
    specs.push_back(*s);
  }
  std::vector<Mode> modes;
  const bool own_modes = o.modes.size() == 1 && o.modes[0] == "default";
  for (const std::string& m : own_modes ? std::vector<std::string>{} : o.modes) {
    std::optional<Mode> mode = parse_mode(m);
    if (!mode) {
      std::fprintf(stderr, "oomguard-bench: unknown mode '%s'\n", m.c_str());
      return 2;
    }
    modes.push_back(*mode);
  }
  if (own_modes) {
    // One cell per scenario, in its own mode: run each spec as its own "scenario".
    modes = {Mode::kOomguard};
  }
  const std::string bin = o.bin_dir.empty() ? sibling_binary("") : o.bin_dir + "/";
  Runner runner({.hog_path = bin + "hog",
                 .core_path = bin + "oomguard-core",
                 .work_dir = o.work_dir,
                 .prefix = "oomguard-bench",
                 .keep_logs = true});
  if (!runner.sweep_report().empty()) std::printf("swept:\n%s", runner.sweep_report().c_str());
  if (o.sweep_only) {
    if (runner.sweep_report().empty()) std::printf("nothing to sweep\n");
    return 0;
  }
  for (const ScenarioSpec& s : specs) {
    for (Mode m : modes) {
      if (std::string why = runner.unavailable_reason(s, own_modes ? s.mode : m); !why.empty()) {
        std::fprintf(stderr, "oomguard-bench: cannot run %s/%s here: %s\n", s.key.c_str(),
                     std::string(mode_name(m)).c_str(), why.c_str());
        return 1;
      }
    }
  }
  std::vector<BenchCell> cells;
  for (const ScenarioSpec& s : specs) {
    for (Mode m : modes)
      cells.push_back({.key = s.key, .mode = own_modes ? s.mode : m, .runs = {}});
  }
  bool problems = false;
  for (int run = 0; run < o.runs; ++run) {
    for (std::size_t si = 0; si < specs.size(); ++si) {
      // Alternate: every round runs each mode once, starting one mode later than the last.
      for (std::size_t k = 0; k < modes.size(); ++k) {
        const std::size_t mi = (k + static_cast<std::size_t>(run)) % modes.size();
        const Mode mode = own_modes ? specs[si].mode : modes[mi];
        RunResult r = runner.run(specs[si], mode);
        std::printf("[%d/%d] %-12s %-12s %s\n", run + 1, o.runs, specs[si].key.c_str(),
                    std::string(mode_name(mode)).c_str(), one_line(r).c_str());
        const bool bad = !r.error.empty() || !r.leftovers.empty();
        if (bad || o.verbose) std::printf("%s", describe(r).c_str());
        std::fflush(stdout);
        problems = problems || bad;
        cells[si * modes.size() + mi].runs.push_back(std::move(r));
      }
    }
  }
  std::printf("\n%s", bench_table(cells).c_str());
  return problems ? 1 : 0;
}

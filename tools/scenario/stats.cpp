#include "tools/scenario/stats.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace oomguard::scenario {
namespace {

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Left-aligned columns, two spaces apart, with a rule under the header.
std::string render(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      line += rows[r][i];
      if (i + 1 < rows[r].size()) line += std::string(width[i] - rows[r][i].size() + 2, ' ');
    }
    out += line + "\n";
    if (r == 0) {
      std::size_t total = 0;
      for (std::size_t w : width) total += w + 2;
      out += std::string(total > 2 ? total - 2 : 0, '-') + "\n";
    }
  }
  return out;
}

// "a (3/5), b (2/5)" — the distinct values by frequency.
std::string tally(const std::vector<std::string>& values) {
  std::map<std::string, int> count;
  for (const std::string& v : values) ++count[v];
  std::vector<std::pair<std::string, int>> sorted(count.begin(), count.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string out;
  for (const auto& [v, n] : sorted) {
    if (!out.empty()) out += ", ";
    out += v + " (" + std::to_string(n) + "/" + std::to_string(values.size()) + ")";
  }
  return out;
}

struct CellStats {
  Stat ttr, full, canary, kills;
};

CellStats cell_stats(const BenchCell& c) {
  std::vector<std::optional<double>> ttr, full, canary, kills;
  for (const RunResult& r : c.runs) {
    if (!r.error.empty()) continue;
    ttr.push_back(r.ttd_s);
    full.push_back(r.full_stall_ms / 1000.0);
    canary.push_back(r.canary_worst_ms);
    kills.push_back(static_cast<double>(r.kills()));
  }
  return {stat_of(ttr), stat_of(full), stat_of(canary), stat_of(kills)};
}

}  // namespace

Stat stat_of(const std::vector<std::optional<double>>& values) {
  std::vector<double> v;
  for (const auto& x : values) {
    if (x) v.push_back(*x);
  }
  Stat s;
  s.n = static_cast<int>(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const std::size_t mid = v.size() / 2;
  s.median = v.size() % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  s.min = v.front();
  s.max = v.back();
  return s;
}

std::string format_stat(const Stat& s, int decimals) {
  if (s.n == 0) return "n/a";
  if (s.n == 1 || s.min == s.max) return fixed(s.median, decimals);
  return fixed(s.median, decimals) + " (" + fixed(s.min, decimals) + "-" + fixed(s.max, decimals) +
         ")";
}

std::string format_ratio(const Stat& a, const Stat& b) {
  if (a.n == 0 || b.n == 0 || b.median <= 0) return "n/a";
  return fixed(a.median / b.median, 2) + "x";
}

std::string bench_table(const std::vector<BenchCell>& cells) {
  std::vector<std::vector<std::string>> rows = {
      {"scenario", "killer", "runs", "time to relief s", "PSI full stall s", "canary worst ms",
       "kills/incident", "victim", "outcome", "ttr vs oomguard", "full vs oomguard",
       "canary vs oomguard"}};
  for (const BenchCell& c : cells) {
    const CellStats s = cell_stats(c);
    CellStats base = s;
    for (const BenchCell& o : cells) {
      if (o.key == c.key && o.mode == Mode::kOomguard) base = cell_stats(o);
    }
    std::vector<std::string> victims, outcomes;
    int errors = 0;
    for (const RunResult& r : c.runs) {
      if (!r.error.empty()) {
        ++errors;
        continue;
      }
      victims.push_back(victims_text(r));
      outcomes.push_back(r.outcome);
    }
    rows.push_back({c.key, std::string(mode_name(c.mode)),
                    std::to_string(c.runs.size() - static_cast<std::size_t>(errors)) +
                        (errors > 0 ? " (" + std::to_string(errors) + " failed)" : ""),
                    format_stat(s.ttr, 2), format_stat(s.full, 2), format_stat(s.canary, 0),
                    format_stat(s.kills, 0), tally(victims), tally(outcomes),
                    format_ratio(s.ttr, base.ttr), format_ratio(s.full, base.full),
                    format_ratio(s.canary, base.canary)});
  }
  return render(rows);
}

std::string summary_line(const RunResult& r, const std::string& verdict) {
  auto opt = [](const std::optional<double>& v, int d) { return v ? fixed(*v, d) : "n/a"; };
  std::string line = std::to_string(r.scenario) + "\t" + r.key + "\t" +
                     std::string(mode_name(r.mode)) + "\t" + verdict + "\t" +
                     (r.error.empty() ? r.outcome : "set-up error") + "\t" + opt(r.ttd_s, 2) +
                     "\t" + fixed(r.full_stall_ms / 1000.0, 2) + "\t" + opt(r.canary_worst_ms, 0) +
                     "\t" + std::to_string(r.kills()) + "\t" + victims_text(r);
  for (char& ch : line) {
    if (ch == '\n') ch = ' ';
  }
  return line;
}

std::string summary_table(const std::vector<std::string>& lines) {
  std::vector<std::vector<std::string>> rows = {{"#", "scenario", "mode", "result", "outcome",
                                                 "time to relief s", "PSI full stall s",
                                                 "canary worst ms", "kills", "victims"}};
  for (const std::string& line : lines) {
    std::vector<std::string> row;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, '\t');) row.push_back(field);
    if (!row.empty()) rows.push_back(row);
  }
  return render(rows);
}

}  // namespace oomguard::scenario

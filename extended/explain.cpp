#include "extended/explain.h"

#include <cinttypes>
#include <cstdio>

namespace oomguard::extended {
namespace {

std::string format(const char* fmt, auto... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, fmt, args...);
  return std::string(
      buf, n < 0 ? 0 : std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf - 1));
}

std::string format_growth(std::int64_t bytes_per_s) {
  if (bytes_per_s == 0) return "0";
  const std::uint64_t magnitude = bytes_per_s < 0
                                      ? static_cast<std::uint64_t>(-(bytes_per_s + 1)) + 1
                                      : static_cast<std::uint64_t>(bytes_per_s);
  std::string out = bytes_per_s < 0 ? "-" : "+";  // (not "-" + string: GCC 12 -Wrestrict)
  out += format_bytes(magnitude);
  return out;
}

std::string rule_text(const RankedEntry& e) {
  if (e.rule_index == 0) return "-";
  std::string out = "#";  // appended piecewise: "literal" + string trips GCC 12 -Wrestrict
  out += std::to_string(e.rule_index);
  out += ' ';
  out += e.rule_name;
  return out;
}

}  // namespace

std::string format_bytes(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"K", "M", "G", "T", "P"};
  if (bytes < 1024) return std::to_string(bytes);
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  return format("%.1f%s", value, kUnits[unit]);
}

const char* reason_name(shm::Reason reason) {
  switch (reason) {
    case shm::Reason::kRule:
      return "rule";
    case shm::Reason::kXattr:
      return "xattr";
    case shm::Reason::kOomScoreAdj:
      return "adj";
    case shm::Reason::kDefault:
      return "default";
  }
  return "?";
}

std::string explain(const Ranking& ranking, const ExplainOptions& options) {
  std::string out = format("%4s  %-7s  %7s  %-15s  %-28s  %4s  %-7s  %-16s  %8s  %9s  %8s  %s\n",
                           "#", "KIND", "PID", "COMM", "CGROUP", "PRIO", "SOURCE", "RULE", "SIZE",
                           "GROWTH/s", "BADNESS", "NOTE");
  std::size_t row = 0;
  for (const RankedEntry& e : ranking.entries) {
    if (options.max_rows != 0 && row == options.max_rows) break;
    ++row;
    const bool process = e.kind == shm::EntryKind::kProcess;
    const std::string pid = process ? std::to_string(e.pid) : "-";
    const std::string comm = process ? e.comm : "-";
    std::string rooted = "/";
    rooted += e.cgroup_path;
    out +=
        format("%4zu  %-7s  %7s  %-15s  %-28s  %4d  %-7s  %-16s  %8s  %9s  %8s  %s\n", row,
               process ? "process" : "cgroup", pid.c_str(), comm.c_str(), rooted.c_str(),
               e.priority, reason_name(e.reason), rule_text(e).c_str(),
               format_bytes(e.rss_swap_bytes).c_str(), format_growth(e.growth_bytes_per_s).c_str(),
               format_bytes(e.badness).c_str(), e.note.c_str());
    if (options.show_cmdline && process && !e.cmdline.empty()) {
      out += "      cmdline: ";
      out += e.cmdline;
      out += '\n';
    }
  }
  const RankingStats& s = ranking.stats;
  out += format("%zu of %" PRIu64 " candidates shown; excluded: %" PRIu64
                " protected processes, %" PRIu64 " protected cgroup subtrees; %" PRIu64
                " group kills refused (protected member)\n",
                row, s.candidates, s.protected_processes, s.protected_cgroups, s.demoted_groups);
  return out;
}

}  // namespace oomguard::extended

// ExtendedConfig: the policy and outputs of oomguard-extended. Ordinary C++ types; only
// extended (and tools) use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oomguard::config {

inline constexpr int kPriorityMin = 0;     // killed first
inline constexpr int kPriorityMax = 1000;  // killed last
inline constexpr int kPriorityDefault = 500;

enum class KillMode : std::uint8_t { kProcess, kGroup };
enum class RuleAction : std::uint8_t {
  kRank,     // apply priority / kill mode
  kPrefer,   // rank first (priority 0; the loader refuses a priority on such a rule)
  kAvoid,    // rank last (priority 1000; the loader refuses a priority on such a rule)
  kProtect,  // never a victim
};

// A rule matches when every given matcher matches; the first matching rule wins.
struct Rule {
  std::string name;
  std::optional<std::string> cgroup_glob;    // fnmatch(3) on the cgroup path, '/'-rooted
  std::optional<std::string> comm_regex;     // POSIX ERE, searched in /proc/PID/comm
  std::optional<std::string> cmdline_regex;  // POSIX ERE, searched in the space-joined cmdline
  std::optional<std::uint32_t> uid;
  RuleAction action = RuleAction::kRank;
  std::optional<int> priority;
  std::optional<KillMode> kill_mode;

  bool operator==(const Rule&) const = default;
};

struct OutputConfig {
  std::string kill_log;      // JSON lines; empty = off
  std::string metrics_file;  // Prometheus text format, replaced atomically; empty = off
  std::uint32_t metrics_interval_ms = 0;
  std::vector<std::string> prekill_hook;   // argv; run asynchronously before/at a kill
  std::vector<std::string> postkill_hook;  // argv; run after a kill, killed after the timeout
  std::uint32_t hook_timeout_ms = 0;

  bool operator==(const OutputConfig&) const = default;
};

struct ExtendedConfig {
  std::uint32_t scan_interval_ms = 0;
  std::uint32_t scan_interval_pressure_ms = 0;  // while pressure rises
  std::uint32_t top_k = 0;                      // entries published per ranking
  double growth_weight = 0;                     // 0 = ignore growth; see policy docs
  std::uint32_t growth_window_ms = 0;
  bool priority_xattr = true;           // honour user.oomguard.priority on cgroup dirs
  std::string own_cgroup;               // cgroup extended moves into; empty = stay. Relative to the
                                        // cgroup roots, no leading '/' (as CoreConfig paths)
  std::uint64_t memory_high_bytes = 0;  // memory.high of own_cgroup; 0 = leave unset
  std::vector<Rule> rules;
  OutputConfig output;

  bool operator==(const ExtendedConfig&) const = default;
};

}  // namespace oomguard::config

// CoreConfig: everything oomguard-core keeps after start-up. Plain data with fixed capacities
// (no std::string, no std::vector) so the core's steady state never touches the heap.
// Produced by config/load.h; read-only afterwards.
#pragma once

#include <cstdint>

#include "config/fixed.h"

namespace oomguard::config {

inline constexpr std::size_t kPathBytes = 256;  // incl. NUL; cgroup paths, binaries
inline constexpr std::size_t kNameBytes = 32;   // monitor names
inline constexpr std::size_t kCommBytes = 16;   // TASK_COMM_LEN
inline constexpr std::size_t kMaxMonitors = 16;
inline constexpr std::size_t kMaxTriggers = 8;
inline constexpr std::size_t kMaxTriggerTerms = 4;  // monitors AND-ed in one trigger
inline constexpr std::size_t kMaxProtectedComms = 32;
inline constexpr std::size_t kMaxProtectedCgroups = 32;

using Path = FixedString<kPathBytes>;
using Comm = FixedString<kCommBytes>;

enum class MonitorKind : std::uint8_t {
  kPressure,      // PSI stall time within a window (system or one cgroup)
  kMemAvailable,  // MemAvailable below a percentage of MemTotal
  kSwapFree,      // SwapFree below a percentage of SwapTotal (no swap at all counts as 0 %)
  kCgroupUsage,   // cgroup working set (usage - inactive file) at/above a percentage of its limit
};
enum class PressureResource : std::uint8_t { kMemory, kIo, kCpu };
enum class StallKind : std::uint8_t { kSome, kFull };

struct MonitorConfig {
  FixedString<kNameBytes> name;
  MonitorKind kind = MonitorKind::kPressure;
  // kPressure
  PressureResource resource = PressureResource::kMemory;
  StallKind stall = StallKind::kSome;
  std::uint32_t threshold_ms = 0;  // stall time within the window that fires the monitor
  std::uint32_t window_ms = 0;
  // kPressure and kCgroupUsage: cgroup path relative to the cgroup roots; empty = whole system.
  Path cgroup;
  // kMemAvailable, kSwapFree, kCgroupUsage
  double percent = 0;

  bool operator==(const MonitorConfig&) const = default;
};

// A trigger fires when every one of its monitors fires; the core kills when any trigger fires.
struct TriggerConfig {
  FixedVector<std::uint8_t, kMaxTriggerTerms> monitors;  // indices into CoreConfig::monitors

  bool operator==(const TriggerConfig&) const = default;
};

enum class FallbackPolicy : std::uint8_t {
  kLargest,   // largest RSS + swap in scope
  kOomScore,  // highest /proc/PID/oom_score in scope
};

// Cgroup paths (scope, own_cgroup, monitor cgroups, protected_cgroups) are stored relative to
// the cgroup roots, without leading or trailing '/': "system.slice/foo.service". The root cgroup
// itself is the empty string, so scope "" (written "/" in the file) is the whole machine.
struct CoreConfig {
  // Where: the managed cgroup subtree ("" = whole machine), relative to the cgroup roots.
  Path scope;
  // Kernel interface roots; "auto" detects the host's mounts. Tests point these at fake trees.
  Path proc_root;
  Path cgroup2_root;
  Path memcg_v1_root;  // "none" disables the cgroup v1 memory controller
  // (Each of the three is "auto" or an absolute path, stored as written.)

  // Protections of the core process itself.
  Path own_cgroup;  // cgroup the core moves into; empty = stay where started
  std::uint64_t memory_min_bytes = 0;
  std::uint32_t sched_fifo_priority = 0;  // 0 = stay SCHED_OTHER
  std::int32_t oom_score_adj = 0;
  bool require_protections = false;

  // When.
  FixedVector<MonitorConfig, kMaxMonitors> monitors;
  FixedVector<TriggerConfig, kMaxTriggers> triggers;
  std::uint32_t poll_min_ms = 0;         // fastest counter polling, while pressure rises (>= 10)
  std::uint32_t poll_max_ms = 0;         // calm polling interval
  std::uint32_t release_timeout_ms = 0;  // longest wait for a victim's memory to be freed
  std::uint32_t cooldown_ms = 0;         // minimum time after a release before another kill

  // Whom.
  std::uint32_t ranking_stale_ms = 0;  // older: priorities kept, sizes re-read
  FallbackPolicy fallback = FallbackPolicy::kLargest;
  std::uint32_t fallback_max_procs = 0;  // bound of the fallback /proc scan
  FixedVector<Comm, kMaxProtectedComms> protected_comms;
  FixedVector<Path, kMaxProtectedCgroups> protected_cgroups;  // each protects its subtree

  // How.
  bool dry_run = false;
  bool kmsg = true;              // one line per kill to /dev/kmsg, when writable
  bool process_mrelease = true;  // reap a killed victim's memory ourselves (Linux 5.15+)

  // The extended process.
  bool run_extended = true;
  Path extended_path;  // empty = oomguard-extended next to the core binary
  std::uint32_t extended_restart_min_ms = 0;
  std::uint32_t extended_restart_max_ms = 0;

  bool operator==(const CoreConfig&) const = default;
};

}  // namespace oomguard::config

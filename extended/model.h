// extended/model.h — the data oomguard-extended works on: what one scan saw (ScanResult: the
// scope's cgroup tree and its processes), the ranking the policy derives from it (Ranking), and
// the layer's error type (Error / Result<T>). Plain data, no kernel access; producers are
// scan_tree.h (Scanner::scan) and policy_rank.h (rank); shm conversion is in policy_entry.h.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "shm/abi.h"

namespace oomguard::extended {

// ---- errors ------------------------------------------------------------------------------------
// The one error type of the extended layer: a human-readable message (what, and which path).
struct Error {
  std::string message{};
};

// std::expected-style result (C++20 has none): either a value or an Error.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// ---- scan results ----------------------------------------------------------------------------
// Selected memory.stat fields, in bytes, from either hierarchy: v2 names (anon, file, shmem,
// inactive_file, workingset_refault_file) or v1 hierarchical names (total_rss, total_cache,
// total_shmem, total_inactive_file, total_swap); absent fields stay 0.
struct MemoryStat {
  std::uint64_t anon_bytes = 0;
  std::uint64_t file_bytes = 0;
  std::uint64_t shmem_bytes = 0;
  std::uint64_t inactive_file_bytes = 0;
  std::uint64_t swap_bytes = 0;  // v1 only (total_swap); v2 has memory.swap.current instead
  std::uint64_t workingset_refault_file = 0;  // v2 only (a count, not bytes)
};

// memory.events (v2 only).
struct MemoryEvents {
  std::uint64_t high = 0;
  std::uint64_t max = 0;
  std::uint64_t oom = 0;
  std::uint64_t oom_kill = 0;
};

// Where a cgroup's size came from.
enum class SizeSource : std::uint8_t {
  kV2,          // memory.current + memory.swap.current
  kV1,          // v1 memcg dir of the same path: memory.usage_in_bytes + total_swap
  kProcessSum,  // no memory accounting for this cgroup: sum of its subtree's processes
};

inline constexpr std::uint64_t kNoLimit = UINT64_MAX;  // "max" / v1 unlimited

struct CgroupInfo {
  std::string path{};    // relative to the cgroup2 root, no leading or trailing '/'; "" = root
  std::uint64_t id = 0;  // st_ino of the cgroup2 directory
  int parent = -1;       // index into ScanResult::cgroups; -1 for the scope root
  std::vector<std::size_t> children{};   // indices into ScanResult::cgroups
  std::vector<std::size_t> processes{};  // indices into ScanResult::processes (direct members)
  SizeSource size_source = SizeSource::kProcessSum;
  std::uint64_t usage_bytes = 0;         // memory.current, or v1 memory.usage_in_bytes
  std::uint64_t swap_bytes = 0;          // memory.swap.current, or v1 total_swap
  std::uint64_t limit_bytes = kNoLimit;  // memory.max, or v1 memory.limit_in_bytes
  MemoryStat stat{};
  MemoryEvents events{};
  bool oom_group = false;               // memory.oom.group = 1
  std::optional<int> xattr_priority{};  // user.oomguard.priority, when read and valid
  std::uint64_t size_bytes = 0;         // the cgroup's badness base, see SizeSource

  // "/" + path: the form rules' globs and protected_cgroups are written in.
  std::string rooted_path() const { return "/" + path; }
};

struct ProcessInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';                    // /proc/PID/stat field 3
  std::uint32_t flags = 0;             // field 9 (PF_*)
  std::uint64_t start_time_ticks = 0;  // field 22
  bool kernel_thread = false;          // PF_KTHREAD, or pid 2 / ppid 2
  std::uint32_t uid = 0;               // real uid (status "Uid:" first column)
  int oom_score_adj = 0;
  std::uint64_t rss_bytes = 0;  // status VmRSS (= RssAnon + RssFile + RssShmem)
  std::uint64_t rss_anon_bytes = 0;
  std::uint64_t rss_file_bytes = 0;
  std::uint64_t rss_shmem_bytes = 0;
  std::uint64_t swap_bytes = 0;  // status VmSwap
  std::string comm{};            // from stat (same task->comm as /proc/PID/comm)
  std::string cmdline{};         // NUL separators turned into spaces; may be truncated
  std::size_t cgroup = 0;        // index into ScanResult::cgroups (its v2 cgroup)
  std::string memcg_v1_path{};   // hybrid hosts: "N:memory:/path" of /proc/PID/cgroup, else ""

  std::uint64_t rss_swap_bytes() const { return rss_bytes + swap_bytes; }
};

struct ScanStats {
  std::uint64_t cgroups = 0;
  std::uint64_t processes = 0;           // in the result (kernel threads included)
  std::uint64_t vanished_cgroups = 0;    // removed while scanned: skipped
  std::uint64_t vanished_processes = 0;  // exited (or moved out of scope) while scanned: skipped
  std::uint64_t unreadable = 0;          // files that failed for another reason (EACCES, parse)
  std::uint64_t files_read = 0;          // file reads submitted to the reader
  std::uint64_t duration_ns = 0;
};

struct ScanResult {
  std::vector<CgroupInfo> cgroups{};  // [0] is the scope root; parents before children
  std::vector<ProcessInfo> processes{};
  std::uint64_t time_ns = 0;   // CLOCK_MONOTONIC at the start of the scan
  std::uint64_t last_pid = 0;  // /proc/loadavg's newest pid at the start; 0 = not read
  ScanStats stats{};
};

// ---- ranking -----------------------------------------------------------------------------------
// One victim candidate, in kill order. Carries everything shm::RankingEntry needs plus context
// for explain (policy_entry.h converts).
struct RankedEntry {
  shm::EntryKind kind = shm::EntryKind::kProcess;
  shm::KillMode kill_mode = shm::KillMode::kProcess;
  shm::Reason reason = shm::Reason::kDefault;  // where the priority came from
  pid_t pid = 0;                               // kProcess; 0 for kCgroup
  std::uint64_t start_time_ticks = 0;          // kProcess
  std::uint64_t cgroup_id = 0;                 // the cgroup (kCgroup) or the process's own cgroup
  std::string cgroup_path{};                   // relative to the cgroup2 root, no leading '/'
  int priority = 500;
  std::uint32_t rule_index = 0;      // 1-based index of the matched rule; 0 = none
  std::string rule_name{};           // empty when rule_index == 0
  std::uint64_t badness = 0;         // size + growth projection (bytes)
  std::uint64_t rss_swap_bytes = 0;  // size now (process RSS+swap, or cgroup usage)
  std::int64_t growth_bytes_per_s = 0;
  std::string comm{};  // process comm; empty for cgroups
  // Context for explain (not in shm).
  std::uint32_t uid = 0;
  int oom_score_adj = 0;
  std::string cmdline{};
  std::string note{};  // e.g. "memory.oom.group=1", "group demoted: contains a protected process"
};

struct RankingStats {
  std::uint64_t candidates = 0;           // entries in the full ranking
  std::uint64_t protected_processes = 0;  // excluded: pid 1, kthreads, self, rules, comms
  std::uint64_t protected_cgroups = 0;    // excluded subtrees (protect rules, protected_cgroups)
  std::uint64_t demoted_groups = 0;       // group mode refused (protected member / root)
};

struct Ranking {
  std::vector<RankedEntry> entries{};  // the full deterministic kill order; publish the first K
  std::uint64_t scan_time_ns = 0;
  std::uint64_t scan_last_pid = 0;  // ScanResult::last_pid
  RankingStats stats{};
};

}  // namespace oomguard::extended

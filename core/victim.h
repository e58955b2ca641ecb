// The "whom" of the core: validating ranking entries from extended (never trusted: pid reuse,
// protected, self, scope) and the fallback scan of /proc when no usable ranking exists. A
// returned Victim holds open handles (pidfd, or the cgroup dir and its cgroup.events) whose
// identity was checked after opening and before any signal.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "config/core_config.h"
#include "core/kernel_roots.h"
#include "shm/abi.h"

namespace oomguard::shm {
struct Snapshot;
}

namespace oomguard::core {

struct Victim {
  shm::EntryKind kind = shm::EntryKind::kProcess;
  shm::KillMode mode = shm::KillMode::kProcess;
  shm::VictimSource source = shm::VictimSource::kRanking;
  std::int32_t pid = 0;
  std::uint64_t start_time_ticks = 0;
  std::uint64_t cgroup_id = 0;
  std::int32_t priority = 0;
  std::uint16_t reason = 0;
  std::uint64_t generation = 0;  // ranking generation; 0 = fallback
  std::uint64_t newer_than = 0;  // fallback: the generation whose choice this one overrode
  std::uint64_t rss_swap_bytes = 0;
  FixedString<shm::kCommBytes> comm;
  FixedString<shm::kCgroupPathBytes> cgroup_path;
  int pidfd = -1;      // kProcess
  int cgroup_fd = -1;  // kCgroup: the cgroup2 directory
  int events_fd = -1;  // kCgroup: its cgroup.events (EPOLLPRI on change)
};
void close_victim(Victim* v);

// What must never be killed, besides pid 1 and kernel threads.
struct Guard {
  std::int32_t self_pid = 0;
  std::int32_t extended_pid = 0;  // 0 = none running
  std::string_view scope;         // cgroup path, "" = everything
  std::span<const config::Comm> protected_comms;
  std::span<const config::Path> protected_cgroups;
};

enum class Reject : std::uint8_t {
  kNone,
  kMalformed,   // entry fields out of range
  kInit,        // pid <= 1
  kSelf,        // the core
  kSupervised,  // the extended process
  kGone,        // exited (or unreadable) before it could be checked
  kIdentity,    // pid reused / cgroup replaced: start time or cgroup id differ
  kKernelThread,
  kExiting,     // zombie or already dying
  kUnkillable,  // oom_score_adj -1000
  kProtectedComm,
  kProtectedCgroup,
  kOutOfScope,
  kContainsOomguard,  // a group victim that holds the core or extended
  kEmpty,             // a group victim with no processes
};
const char* reject_name(Reject r);

class VictimFinder {
 public:
  VictimFinder(const ProcRoot& proc, const CgroupRoot& cgroup) : proc_(proc), cgroup_(cgroup) {}
  ~VictimFinder() { close_fd(&loadavg_fd_); }
  VictimFinder(const VictimFinder&) = delete;
  VictimFinder& operator=(const VictimFinder&) = delete;

  // Checks one ranking entry; on kNone `out` holds open, identity-checked handles.
  Reject check_entry(const shm::RankingEntry& entry, const Guard& guard, Victim* out);
  // The first acceptable entry of `snapshot`, in rank order. Rejections are counted.
  bool from_snapshot(const shm::Snapshot& snapshot, const Guard& guard, Victim* out);
  // A stale ranking's priorities still hold, its sizes do not: the first acceptable entry, or,
  // if that is a process, whichever process entry of the same cgroup and priority holds the
  // most RSS+swap now (read from /proc; out->rss_swap_bytes is that current size).
  bool from_stale_snapshot(const shm::Snapshot& snapshot, const Guard& guard, Victim* out);
  // The core's own choice: a bounded scan of /proc in scope (largest RSS+swap or oom_score).
  bool fallback(const Guard& guard, config::FallbackPolicy policy, std::uint32_t max_procs,
                Victim* out);
  // The largest process in scope that started after `snapshot`'s scan (its pid was handed out
  // after snapshot.last_pid, per /proc/loadavg) and holds more RSS+swap than `chosen`: a culprit
  // the ranking cannot know. False when there is none, when `chosen` is a group that holds it,
  // or when the snapshot does not say which pids are new (last_pid 0).
  bool newer_and_larger(const shm::Snapshot& snapshot, const Guard& guard, const Victim& chosen,
                        std::uint32_t max_procs, Victim* out);

  // Kernel threads are most of /proc on a small machine, and each file the fallback opens under
  // pressure may wait in reclaim. Their pids are recorded once, on a calm tick, and the fallback
  // skips them while none can have been reused: until /proc/loadavg's newest pid goes backwards
  // (the pid counter wrapped), checked on every tick; then they are recorded again.
  void tick(bool calm, std::uint32_t max_procs);
  std::size_t kernel_threads_known() const { return kthreads_valid_ ? kthread_count_ : 0; }

  std::uint64_t rejected(Reject r) const { return rejected_[static_cast<std::size_t>(r)]; }
  Reject last_reject() const { return last_reject_; }

 private:
  struct Candidate {
    std::int32_t pid;
    std::uint64_t start_time_ticks;
    std::uint64_t score;
    std::uint64_t rss_swap_bytes;
  };
  static constexpr std::size_t kFallbackCandidates = 8;
  static constexpr std::size_t kMaxKernelThreads = 8192;

  // Index of the first acceptable entry of `snapshot` (then in `out`), or -1.
  int first_valid(const shm::Snapshot& snapshot, const Guard& guard, Victim* out);
  Reject check_process(std::int32_t pid, std::uint64_t start_time_ticks, const Guard& guard,
                       Victim* out);
  Reject check_group(std::string_view path, std::uint64_t cgroup_id, const Guard& guard,
                     Victim* out);
  Reject check_cgroup_of(std::int32_t pid, const Guard& guard, Victim* out);
  bool cgroup_of(std::int32_t pid, std::string_view* path);
  bool holds_pid(std::string_view group, std::int32_t pid);
  bool score(std::int32_t pid, config::FallbackPolicy policy, const Guard& guard, Candidate* c);
  // Calls visit(pid) for the first max_procs processes listed in /proc.
  template <typename Visit>
  void each_pid(std::uint32_t max_procs, Visit visit);
  bool newest_pid(std::int32_t* pid);  // /proc/loadavg
  bool known_kernel_thread(std::int32_t pid) const;
  void count(Reject r) {
    ++rejected_[static_cast<std::size_t>(r)];
    last_reject_ = r;
  }

  const ProcRoot& proc_;
  const CgroupRoot& cgroup_;
  std::uint64_t rejected_[16] = {};
  Reject last_reject_ = Reject::kNone;
  char buf_[8192];
  char cgroup_buf_[8192];
  alignas(8) char dents_[32768];
  int loadavg_fd_ = -1;
  std::int32_t last_newest_pid_ = 0;
  bool kthreads_valid_ = false;
  std::size_t kthread_count_ = 0;
  std::int32_t kthreads_[kMaxKernelThreads];  // ascending (the order of /proc)
};

}  // namespace oomguard::core

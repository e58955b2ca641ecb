#include "core/victim.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/parse.h"
#include "shm/rankings.h"

namespace oomguard::core {
namespace {

// A cgroup path as extended must write it: relative, no empty, "." or ".." components.
// The snapshot's entries, never more than a slot holds (a hostile count is not trusted).
std::uint32_t entry_count(const shm::Snapshot& s) {
  return s.count <= shm::kRankingCapacity ? s.count : shm::kRankingCapacity;
}

bool sane_cgroup_path(std::string_view path) {
  if (path.empty() || path.size() >= shm::kCgroupPathBytes) return false;
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view part = path.substr(pos, slash - pos);
    if (part.empty() || part == "." || part == "..") return false;
    pos = slash + 1;
  }
  return true;
}

// A fixed char array from shm that must hold a NUL within its bounds.
bool terminated(const char* s, std::size_t size, std::string_view* out) {
  const void* nul = std::memchr(s, '\0', size);
  if (nul == nullptr) return false;
  *out = {s, static_cast<std::size_t>(static_cast<const char*>(nul) - s)};
  return true;
}

bool is_protected_comm(std::string_view comm, const Guard& guard) {
  for (const auto& c : guard.protected_comms) {
    if (c.view() == comm) return true;
  }
  return false;
}

bool in_protected_cgroup(std::string_view path, const Guard& guard) {
  for (const auto& p : guard.protected_cgroups) {
    if (cgroup_path_within(path, p.view())) return true;
  }
  return false;
}

struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  std::uint16_t d_reclen;
  std::uint8_t d_type;
  char d_name[1];
};

bool parse_pid(const char* name, std::int32_t* pid) {
  std::size_t len = std::strlen(name);
  auto [end, ec] = std::from_chars(name, name + len, *pid);
  return ec == std::errc() && end == name + len && *pid > 0;
}

}  // namespace

void close_victim(Victim* v) {
  close_fd(&v->pidfd);
  close_fd(&v->cgroup_fd);
  close_fd(&v->events_fd);
}

const char* reject_name(Reject r) {
  switch (r) {
    case Reject::kNone:
      return "ok";
    case Reject::kMalformed:
      return "malformed entry";
    case Reject::kInit:
      return "pid <= 1";
    case Reject::kSelf:
      return "oomguard-core itself";
    case Reject::kSupervised:
      return "oomguard-extended";
    case Reject::kGone:
      return "gone";
    case Reject::kIdentity:
      return "identity changed (pid or cgroup reused)";
    case Reject::kKernelThread:
      return "kernel thread";
    case Reject::kExiting:
      return "already exiting";
    case Reject::kUnkillable:
      return "oom_score_adj -1000";
    case Reject::kProtectedComm:
      return "protected name";
    case Reject::kProtectedCgroup:
      return "protected cgroup";
    case Reject::kOutOfScope:
      return "outside the scope";
    case Reject::kContainsOomguard:
      return "cgroup holds oomguard";
    case Reject::kEmpty:
      return "empty cgroup";
  }
  return "?";
}

bool VictimFinder::cgroup_of(std::int32_t pid, std::string_view* path) {
  char rel[32];
  std::snprintf(rel, sizeof rel, "%d/cgroup", pid);
  ssize_t n = read_file_at(proc_.dirfd, rel, cgroup_buf_);
  return n > 0 && parse_cgroup_v2_path({cgroup_buf_, static_cast<std::size_t>(n)}, path);
}

Reject VictimFinder::check_cgroup_of(std::int32_t pid, const Guard& guard, Victim* out) {
  std::string_view path;
  if (!cgroup_of(pid, &path)) return Reject::kGone;
  if (!cgroup_path_within(path, guard.scope)) return Reject::kOutOfScope;
  if (in_protected_cgroup(path, guard)) return Reject::kProtectedCgroup;
  if (out != nullptr && !out->cgroup_path.assign(path)) return Reject::kMalformed;
  return Reject::kNone;
}

Reject VictimFinder::check_process(std::int32_t pid, std::uint64_t start_time_ticks,
                                   const Guard& guard, Victim* out) {
  if (pid <= 1) return Reject::kInit;
  if (pid == guard.self_pid) return Reject::kSelf;
  if (guard.extended_pid != 0 && pid == guard.extended_pid) return Reject::kSupervised;
  const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) return Reject::kGone;
  // The pidfd pins the process; a matching start time read after opening it proves the pidfd
  // refers to the process the ranking meant, not to a successor that reused the pid.
  char rel[32];
  std::snprintf(rel, sizeof rel, "%d/stat", pid);
  ProcStat st;
  ssize_t n = read_file_at(proc_.dirfd, rel, buf_);
  Reject r = Reject::kNone;
  if (n <= 0 || !parse_proc_stat({buf_, static_cast<std::size_t>(n)}, &st)) {
    r = Reject::kGone;
  } else if (st.start_time_ticks != start_time_ticks) {
    r = Reject::kIdentity;
  } else if ((st.flags & kPfKthread) != 0) {
    r = Reject::kKernelThread;
  } else if (st.state == 'Z' || st.state == 'X' || st.state == 'x') {
    r = Reject::kExiting;
  } else if (is_protected_comm(st.comm, guard)) {
    r = Reject::kProtectedComm;
  } else if (!out->comm.assign(st.comm.substr(0, shm::kCommBytes - 1))) {
    r = Reject::kMalformed;
  } else {
    r = check_cgroup_of(pid, guard, out);
  }
  if (r == Reject::kNone) {
    std::snprintf(rel, sizeof rel, "%d/oom_score_adj", pid);
    n = read_file_at(proc_.dirfd, rel, buf_);
    if (n <= 0)
      r = Reject::kGone;
    else if (std::string_view(buf_, static_cast<std::size_t>(n)).substr(0, 5) == "-1000") {
      r = Reject::kUnkillable;
    }
  }
  if (r != Reject::kNone) {
    close(pidfd);
    return r;
  }
  out->kind = shm::EntryKind::kProcess;
  out->mode = shm::KillMode::kProcess;
  out->pid = pid;
  out->start_time_ticks = start_time_ticks;
  out->pidfd = pidfd;
  return Reject::kNone;
}

bool VictimFinder::holds_pid(std::string_view group, std::int32_t pid) {
  std::string_view path;
  return pid > 0 && cgroup_of(pid, &path) && cgroup_path_within(path, group);
}

Reject VictimFinder::check_group(std::string_view path, std::uint64_t cgroup_id, const Guard& guard,
                                 Victim* out) {
  if (!sane_cgroup_path(path)) return Reject::kMalformed;
  if (!cgroup_path_within(path, guard.scope)) return Reject::kOutOfScope;
  for (const auto& p : guard.protected_cgroups) {
    if (cgroup_path_within(path, p.view()) || cgroup_path_within(p.view(), path)) {
      return Reject::kProtectedCgroup;
    }
  }
  if (holds_pid(path, guard.self_pid) || holds_pid(path, guard.extended_pid)) {
    return Reject::kContainsOomguard;
  }
  out->cgroup_path.assign(path);
  out->cgroup_fd = openat(cgroup_.v2_dirfd, out->cgroup_path.c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (out->cgroup_fd < 0) return Reject::kGone;
  struct stat st {};
  Reject r = Reject::kNone;
  std::uint64_t populated = 0;
  if (fstat(out->cgroup_fd, &st) != 0) {
    r = Reject::kGone;
  } else if (st.st_ino != cgroup_id) {
    r = Reject::kIdentity;
  } else if ((out->events_fd = openat(out->cgroup_fd, "cgroup.events", O_RDONLY | O_CLOEXEC)) < 0) {
    r = Reject::kGone;
  } else {
    ssize_t n = pread_whole(out->events_fd, buf_);
    if (n <= 0 || !parse_keyed_u64({buf_, static_cast<std::size_t>(n)}, "populated", &populated)) {
      r = Reject::kGone;
    } else if (populated == 0) {
      r = Reject::kEmpty;
    }
  }
  if (r != Reject::kNone) {
    close_victim(out);
    return r;
  }
  out->kind = shm::EntryKind::kCgroup;
  out->mode = shm::KillMode::kGroup;
  out->cgroup_id = cgroup_id;
  return Reject::kNone;
}

Reject VictimFinder::check_entry(const shm::RankingEntry& e, const Guard& guard, Victim* out) {
  *out = Victim{};
  std::string_view comm;
  std::string_view path;
  if (!terminated(e.comm, sizeof e.comm, &comm) ||
      !terminated(e.cgroup_path, sizeof e.cgroup_path, &path)) {
    return Reject::kMalformed;
  }
  const auto kind = static_cast<shm::EntryKind>(e.kind);
  const auto mode = static_cast<shm::KillMode>(e.kill_mode);
  Reject r = Reject::kMalformed;
  if (kind == shm::EntryKind::kProcess && mode == shm::KillMode::kProcess) {
    r = check_process(e.pid, e.start_time_ticks, guard, out);
  } else if ((kind == shm::EntryKind::kCgroup || kind == shm::EntryKind::kProcess) &&
             mode == shm::KillMode::kGroup) {
    r = check_group(path, e.cgroup_id, guard, out);
    if (r == Reject::kNone) out->comm.assign(comm);
  }
  if (r != Reject::kNone) return r;
  out->cgroup_id = e.cgroup_id;
  out->priority = e.priority;
  out->reason = e.reason;
  out->rss_swap_bytes = e.rss_swap_bytes;
  out->source = shm::VictimSource::kRanking;
  return Reject::kNone;
}

int VictimFinder::first_valid(const shm::Snapshot& snapshot, const Guard& guard, Victim* out) {
  const std::uint32_t n = entry_count(snapshot);
  for (std::uint32_t i = 0; i < n; ++i) {
    Reject r = check_entry(snapshot.entries[i], guard, out);
    if (r == Reject::kNone) {
      out->generation = snapshot.generation;
      return static_cast<int>(i);
    }
    count(r);
  }
  return -1;
}

bool VictimFinder::from_snapshot(const shm::Snapshot& snapshot, const Guard& guard, Victim* out) {
  return first_valid(snapshot, guard, out) >= 0;
}

bool VictimFinder::from_stale_snapshot(const shm::Snapshot& snapshot, const Guard& guard,
                                       Victim* out) {
  const int first = first_valid(snapshot, guard, out);
  if (first < 0) return false;
  if (out->kind != shm::EntryKind::kProcess || out->mode != shm::KillMode::kProcess) return true;
  const shm::RankingEntry& chosen = snapshot.entries[first];
  const auto current_size = [&](const shm::RankingEntry& e, std::uint64_t* bytes) {
    Candidate c{};
    if (!score(e.pid, config::FallbackPolicy::kLargest, guard, &c) ||
        c.start_time_ticks != e.start_time_ticks) {
      return false;
    }
    *bytes = c.rss_swap_bytes;
    return true;
  };
  current_size(chosen, &out->rss_swap_bytes);
  int best = first;
  std::uint64_t best_bytes = out->rss_swap_bytes;
  const std::uint32_t n = entry_count(snapshot);
  for (std::uint32_t i = static_cast<std::uint32_t>(first) + 1; i < n; ++i) {
    const shm::RankingEntry& e = snapshot.entries[i];
    std::uint64_t bytes = 0;
    if (e.priority == chosen.priority && e.cgroup_id == chosen.cgroup_id && e.kind == chosen.kind &&
        e.kill_mode == chosen.kill_mode && current_size(e, &bytes) && bytes > best_bytes) {
      best = static_cast<int>(i);
      best_bytes = bytes;
    }
  }
  if (best == first) return true;
  Victim larger;
  if (const Reject r = check_entry(snapshot.entries[best], guard, &larger); r != Reject::kNone) {
    count(r);
    return true;  // the first acceptable entry stands
  }
  close_victim(out);
  *out = larger;
  out->generation = snapshot.generation;
  out->rss_swap_bytes = best_bytes;
  return true;
}

bool VictimFinder::score(std::int32_t pid, config::FallbackPolicy policy, const Guard& guard,
                         Candidate* c) {
  char rel[32];
  std::snprintf(rel, sizeof rel, "%d/stat", pid);
  ProcStat st;
  ssize_t n = read_file_at(proc_.dirfd, rel, buf_);
  if (n <= 0 || !parse_proc_stat({buf_, static_cast<std::size_t>(n)}, &st)) return false;
  if ((st.flags & kPfKthread) != 0 || st.state == 'Z' || st.state == 'X' ||
      is_protected_comm(st.comm, guard)) {
    return false;
  }
  c->pid = pid;
  c->start_time_ticks = st.start_time_ticks;
  if ((!guard.scope.empty() || !guard.protected_cgroups.empty()) &&
      check_cgroup_of(pid, guard, nullptr) != Reject::kNone) {
    return false;
  }
  std::snprintf(rel, sizeof rel, "%d/status", pid);
  n = read_file_at(proc_.dirfd, rel, buf_);
  if (n <= 0 || !parse_status_rss_swap({buf_, static_cast<std::size_t>(n)}, &c->rss_swap_bytes)) {
    return false;
  }
  c->score = c->rss_swap_bytes;
  if (policy == config::FallbackPolicy::kOomScore) {
    std::snprintf(rel, sizeof rel, "%d/oom_score", pid);
    n = read_file_at(proc_.dirfd, rel, buf_);
    if (n <= 0 || !parse_u64_or_max({buf_, static_cast<std::size_t>(n)}, &c->score)) return false;
  }
  return true;
}

template <typename Visit>
void VictimFinder::each_pid(std::uint32_t max_procs, Visit visit) {
  std::uint32_t scanned = 0;
  if (lseek(proc_.dirfd, 0, SEEK_SET) < 0) return;
  while (scanned < max_procs) {
    long n = syscall(SYS_getdents64, proc_.dirfd, dents_, sizeof dents_);
    if (n <= 0) break;
    for (long off = 0; off < n && scanned < max_procs;) {
      const auto* d = reinterpret_cast<const LinuxDirent64*>(dents_ + off);
      off += d->d_reclen;
      std::int32_t pid = 0;
      if (!parse_pid(d->d_name, &pid)) continue;
      ++scanned;
      visit(pid);
    }
  }
}

bool VictimFinder::fallback(const Guard& guard, config::FallbackPolicy policy,
                            std::uint32_t max_procs, Victim* out) {
  Candidate top[kFallbackCandidates];
  std::size_t top_count = 0;
  each_pid(max_procs, [&](std::int32_t pid) {
    Candidate c{};
    if (pid <= 1 || pid == guard.self_pid || pid == guard.extended_pid ||
        known_kernel_thread(pid) || !score(pid, policy, guard, &c)) {
      return;
    }
    // Keep the best few, highest score first (insertion into a tiny sorted array).
    std::size_t pos = top_count;
    while (pos > 0 && top[pos - 1].score < c.score) --pos;
    if (pos >= kFallbackCandidates) return;
    const std::size_t last = top_count < kFallbackCandidates ? top_count : top_count - 1;
    for (std::size_t i = last; i > pos; --i) top[i] = top[i - 1];
    top[pos] = c;
    if (top_count < kFallbackCandidates) ++top_count;
  });
  for (std::size_t i = 0; i < top_count; ++i) {
    *out = Victim{};
    Reject r = check_process(top[i].pid, top[i].start_time_ticks, guard, out);
    if (r == Reject::kNone) {
      out->source = shm::VictimSource::kFallback;
      out->rss_swap_bytes = top[i].rss_swap_bytes;
      return true;
    }
    count(r);
  }
  return false;
}

bool VictimFinder::newer_and_larger(const shm::Snapshot& snapshot, const Guard& guard,
                                    const Victim& chosen, std::uint32_t max_procs, Victim* out) {
  std::int32_t newest = 0;
  if (snapshot.last_pid == 0 || snapshot.last_pid > INT32_MAX || !newest_pid(&newest)) return false;
  const auto since = static_cast<std::int32_t>(snapshot.last_pid);
  if (newest == since) return false;  // no process started since the scan
  // Pids are handed out cyclically: the new ones are (since, newest], or wrap past pid_max.
  const auto is_new = [&](std::int32_t pid) {
    return since < newest ? pid > since && pid <= newest : pid > since || pid <= newest;
  };
  Candidate best{};
  each_pid(max_procs, [&](std::int32_t pid) {
    Candidate c{};
    if (pid <= 1 || !is_new(pid) || pid == guard.self_pid || pid == guard.extended_pid ||
        known_kernel_thread(pid) || !score(pid, config::FallbackPolicy::kLargest, guard, &c)) {
      return;
    }
    if (c.rss_swap_bytes > chosen.rss_swap_bytes && c.rss_swap_bytes > best.rss_swap_bytes)
      best = c;
  });
  if (best.pid == 0) return false;
  *out = Victim{};
  if (const Reject r = check_process(best.pid, best.start_time_ticks, guard, out);
      r != Reject::kNone) {
    count(r);
    return false;
  }
  if (chosen.mode == shm::KillMode::kGroup &&
      cgroup_path_within(out->cgroup_path.view(), chosen.cgroup_path.view())) {
    close_victim(out);  // killing the group kills it too
    return false;
  }
  out->source = shm::VictimSource::kFallback;
  out->rss_swap_bytes = best.rss_swap_bytes;
  return true;
}

bool VictimFinder::newest_pid(std::int32_t* pid) {
  if (loadavg_fd_ < 0) loadavg_fd_ = openat(proc_.dirfd, "loadavg", O_RDONLY | O_CLOEXEC);
  const ssize_t n = loadavg_fd_ >= 0 ? pread_whole(loadavg_fd_, buf_) : -1;
  return n > 0 && parse_loadavg_last_pid({buf_, static_cast<std::size_t>(n)}, pid);
}

bool VictimFinder::known_kernel_thread(std::int32_t pid) const {
  if (!kthreads_valid_) return false;
  const std::int32_t* end = kthreads_ + kthread_count_;
  const std::int32_t* it = std::lower_bound(kthreads_, end, pid);
  return it != end && *it == pid;
}

void VictimFinder::tick(bool calm, std::uint32_t max_procs) {
  std::int32_t newest = 0;
  if (!newest_pid(&newest)) {
    kthreads_valid_ = false;
    return;
  }
  if (newest < last_newest_pid_) kthreads_valid_ = false;  // wrapped: pids may be reused
  last_newest_pid_ = newest;
  if (kthreads_valid_ || !calm) return;
  kthread_count_ = 0;
  bool sorted = true;
  each_pid(max_procs, [&](std::int32_t pid) {
    char rel[32];
    std::snprintf(rel, sizeof rel, "%d/stat", pid);
    ProcStat st;
    const ssize_t n = read_file_at(proc_.dirfd, rel, buf_);
    if (n <= 0 || !parse_proc_stat({buf_, static_cast<std::size_t>(n)}, &st) ||
        (st.flags & kPfKthread) == 0 || kthread_count_ == kMaxKernelThreads) {
      return;
    }
    sorted = sorted && (kthread_count_ == 0 || kthreads_[kthread_count_ - 1] < pid);
    kthreads_[kthread_count_++] = pid;
  });
  if (!sorted) std::sort(kthreads_, kthreads_ + kthread_count_);
  kthreads_valid_ = true;
}

}  // namespace oomguard::core

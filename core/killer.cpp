#include "core/killer.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>

#include "core/kernel_roots.h"
#include "core/log.h"
#include "core/parse.h"

#ifndef SYS_process_mrelease
#define SYS_process_mrelease 448
#endif

namespace oomguard::core {
namespace {

int pidfd_signal(int pidfd, int sig) {
  return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

}  // namespace

int SyscallKiller::mrelease(int pidfd) {
  if (mrelease_disabled_) return ENOSYS;
  if (syscall(SYS_process_mrelease, pidfd, 0) == 0) return 0;
  const int err = errno;
  // ESRCH: every thread already passed exit_mm — the memory is being freed; fine.
  // EINVAL is per victim (e.g. its mm is shared with a live process): not a reason to stop.
  if (err == ENOSYS || err == EPERM) {
    mrelease_disabled_ = true;
    log_line(
        "WARNING: process_mrelease unavailable (%s); victims free their memory on their own "
        "from now on",
        errno_text(err));
  }
  return err;
}

void SyscallKiller::kill(const Victim& v, const Clock& clock, KillReport* r) {
  if (v.kind == shm::EntryKind::kCgroup || v.mode == shm::KillMode::kGroup) {
    kill_group(v, r);
    r->signal_ns = clock.now_ns();
    r->mrelease_ns = clock.now_ns();
    return;
  }
  r->signal_errno = pidfd_signal(v.pidfd, SIGKILL) == 0 ? 0 : errno;
  r->signal_ns = clock.now_ns();
  if (r->signal_errno != 0) return;
  r->mrelease_errno = mrelease(v.pidfd);
  r->mrelease_ns = clock.now_ns();
}

// cgroup.kill where the kernel has it (5.14+); otherwise SIGKILL to every member by pidfd.
// Then reap each member's memory with process_mrelease.
void SyscallKiller::kill_group(const Victim& v, KillReport* r) {
  const int procs = openat(v.cgroup_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
  const int kill_rc = write_file_at(v.cgroup_fd, "cgroup.kill", "1", 1);
  if (kill_rc != 0 && procs < 0) {
    r->signal_errno = -kill_rc;
    return;
  }
  // Without cgroup.kill, members may fork while we signal; a few rounds catch the children.
  for (int round = 0; kill_rc != 0 && round < 3; ++round) signal_each(procs, false);
  if (procs >= 0) {
    signal_each(procs, true);
    close(procs);
  }
}

void SyscallKiller::signal_each(int procs_fd, bool reap) {
  ssize_t n = pread_whole(procs_fd, buf_);
  if (n <= 0) return;
  const char* p = buf_;
  const char* end = buf_ + n;
  while (p < end) {
    std::int32_t pid = 0;
    auto [next, ec] = std::from_chars(p, end, pid);
    if (ec != std::errc()) break;
    p = next + 1;
    const int pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
    if (pidfd < 0) continue;
    if (reap) {
      mrelease(pidfd);
    } else {
      pidfd_signal(pidfd, SIGKILL);
    }
    close(pidfd);
  }
}

bool SyscallKiller::released(const Victim& v) {
  if (v.kind == shm::EntryKind::kCgroup || v.mode == shm::KillMode::kGroup) {
    std::uint64_t populated = 1;
    ssize_t n = pread_whole(v.events_fd, buf_);
    return n > 0 && parse_keyed_u64({buf_, static_cast<std::size_t>(n)}, "populated", &populated) &&
           populated == 0;
  }
  pollfd p{.fd = v.pidfd, .events = POLLIN, .revents = 0};
  return poll(&p, 1, 0) == 1;
}

}  // namespace oomguard::core

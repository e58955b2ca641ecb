#include "extended/daemon_core_watch.h"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace oomguard::extended {

CoreWatch::~CoreWatch() {
  if (pidfd_ >= 0) close(pidfd_);
}

std::string CoreWatch::open(pid_t core_pid) {
  if (core_pid <= 0) return "core watch: no core pid in the region, not watching";
  pid_ = core_pid;
  was_parent_ = getppid() == core_pid;
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, core_pid, 0));
  std::string line = "core watch: pid " + std::to_string(core_pid) +
                     (was_parent_ ? " (our parent)" : " (not our parent)");
  if (pidfd_ >= 0) return line + ", pidfd";
  return line + ", pidfd_open failed (" + std::strerror(errno) + "), polling kill(pid, 0)";
}

bool CoreWatch::gone() const {
  if (pid_ <= 0) return false;
  if (pidfd_ >= 0) {
    pollfd p{.fd = pidfd_, .events = POLLIN, .revents = 0};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP)) != 0;
  }
  if (was_parent_ && getppid() != pid_) return true;
  return kill(pid_, 0) != 0 && errno == ESRCH;
}

}  // namespace oomguard::extended

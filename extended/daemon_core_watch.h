// extended/daemon_core_watch: notices that oomguard-core is gone, so extended exits instead of
// ranking for nobody. Core's pid comes from the region header; a pidfd of it is readable once
// core has exited (it sits in the daemon's poll set, so the exit wakes the loop at once). Without
// pidfd_open (kernel < 5.3) each gone() check falls back to kill(pid, 0) and to getppid()
// changing away from core when core was our parent. Core's heartbeat is not used for this: a
// core that is alive but slow (stopped, debugged) must not make extended leave; its age is
// exported as a metric for alerting instead.
#pragma once

#include <sys/types.h>

#include <string>

namespace oomguard::extended {

class CoreWatch {
 public:
  CoreWatch() = default;
  ~CoreWatch();
  CoreWatch(const CoreWatch&) = delete;
  CoreWatch& operator=(const CoreWatch&) = delete;

  // Starts watching; returns one line for the start-up report.
  std::string open(pid_t core_pid);
  int fd() const { return pidfd_; }  // -1 without a pidfd
  // Non-blocking. False while not watching (core_pid <= 0).
  bool gone() const;

 private:
  pid_t pid_ = 0;
  int pidfd_ = -1;
  bool was_parent_ = false;
};

}  // namespace oomguard::extended

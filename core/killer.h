// The "how" of the core. Killer is the seam between decisions and signals: production uses
// SyscallKiller (pidfd_send_signal + process_mrelease, or cgroup.kill), tests a recording one.
#pragma once

#include <cstdint>

#include "core/clock.h"
#include "core/victim.h"

namespace oomguard::core {

struct KillReport {
  int signal_errno = 0;    // 0 = the signal (or cgroup.kill) was delivered
  int mrelease_errno = 0;  // 0 = memory reaped by us; ESRCH = already being released
  std::uint64_t signal_ns = 0;
  std::uint64_t mrelease_ns = 0;
};

class Killer {
 public:
  virtual ~Killer() = default;
  virtual void kill(const Victim& victim, const Clock& clock, KillReport* report) = 0;
  // True once the victim's memory is gone: process exited (pidfd readable) or cgroup empty.
  virtual bool released(const Victim& victim) = 0;
};

class SyscallKiller final : public Killer {
 public:
  explicit SyscallKiller(bool use_mrelease = true) : mrelease_disabled_(!use_mrelease) {}
  void kill(const Victim& victim, const Clock& clock, KillReport* report) override;
  bool released(const Victim& victim) override;

 private:
  int mrelease(int pidfd);
  void kill_group(const Victim& victim, KillReport* report);
  void signal_each(int procs_fd, bool reap);

  bool mrelease_disabled_ = false;  // ENOSYS/EPERM/EINVAL seen once: reported, not retried
  char buf_[65536];
};

}  // namespace oomguard::core

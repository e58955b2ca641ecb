#include "core/supervisor.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "core/clock.h"
#include "core/log.h"

extern char** environ;

namespace oomguard::core {
namespace {

// A child that ran this long before exiting restarts after the minimum backoff again.
constexpr std::uint64_t kStableRunNs = 60'000'000'000;

}  // namespace

Supervisor::~Supervisor() {
  if (pidfd_ >= 0) close(pidfd_);
  if (inherit_fd_ >= 0) close(inherit_fd_);
  if (prepared_) {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
}

int Supervisor::init(const Params& p) {
  if (std::strlen(p.binary) >= kArgBytes || std::strlen(p.config_path) >= kArgBytes) {
    return -ENAMETOOLONG;
  }
  std::strcpy(binary_, p.binary);
  std::strcpy(config_, p.config_path);
  std::snprintf(fd_arg_, sizeof fd_arg_, "%d", kChildShmFd);
  static char kConfigFlag[] = "--config";
  static char kShmFlag[] = "--shm-fd";
  argv_[0] = binary_;
  argv_[1] = kConfigFlag;
  argv_[2] = config_;
  argv_[3] = kShmFlag;
  argv_[4] = fd_arg_;
  argv_[5] = nullptr;
  backoff_min_ns_ = backoff_ns_ = p.backoff_min_ns;
  backoff_max_ns_ = p.backoff_max_ns;

  // A close-on-exec duplicate above the low fds, dup2'ed onto fd 3 in the child only.
  inherit_fd_ = fcntl(p.shm_fd, F_DUPFD_CLOEXEC, 10);
  if (inherit_fd_ < 0) return -errno;
  sigset_t none;
  sigset_t defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD}) sigaddset(&defaults, sig);
  int rc = posix_spawnattr_init(&attr_);
  if (rc == 0) rc = posix_spawn_file_actions_init(&actions_);
  if (rc != 0) return -rc;
  prepared_ = true;
  if ((rc = posix_spawnattr_setsigmask(&attr_, &none)) != 0 ||
      (rc = posix_spawnattr_setsigdefault(&attr_, &defaults)) != 0 ||
      (rc = posix_spawnattr_setflags(&attr_, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)) !=
          0 ||
      (rc = posix_spawn_file_actions_adddup2(&actions_, inherit_fd_, kChildShmFd)) != 0) {
    return -rc;
  }
  return 0;
}

void Supervisor::start(std::uint64_t now_ns) {
  restart_at_ns_ = 0;
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, binary_, &actions_, &attr_, argv_, environ);
  if (rc != 0) {
    restart_at_ns_ = now_ns + backoff_ns_;
    log_line("WARNING: cannot start %s: %s; retrying in %llu ms", binary_, errno_text(rc),
             static_cast<unsigned long long>(backoff_ns_ / kNsPerMs));
    backoff_ns_ = backoff_ns_ * 2 > backoff_max_ns_ ? backoff_max_ns_ : backoff_ns_ * 2;
    return;
  }
  pid_ = pid;
  started_ns_ = now_ns;
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  log_line("extended: started %s (pid %d)", binary_, pid);
}

void Supervisor::tick(std::uint64_t now_ns) {
  if (restart_at_ns_ != 0 && now_ns >= restart_at_ns_) {
    ++restarts_;
    start(now_ns);
  }
}

void Supervisor::on_exit(std::uint64_t now_ns) {
  siginfo_t info{};
  if (waitid(P_PIDFD, static_cast<id_t>(pidfd_), &info, WEXITED | WNOHANG) != 0 ||
      info.si_pid == 0) {
    return;
  }
  if (now_ns - started_ns_ >= kStableRunNs) backoff_ns_ = backoff_min_ns_;
  log_line("WARNING: extended (pid %d) %s %d; restarting in %llu ms", pid_,
           info.si_code == CLD_EXITED ? "exited with status" : "was killed by signal",
           info.si_status, static_cast<unsigned long long>(backoff_ns_ / kNsPerMs));
  close(pidfd_);
  pidfd_ = -1;
  pid_ = 0;
  restart_at_ns_ = now_ns + backoff_ns_;
  backoff_ns_ = backoff_ns_ * 2 > backoff_max_ns_ ? backoff_max_ns_ : backoff_ns_ * 2;
}

void Supervisor::forward(int sig) {
  if (pidfd_ >= 0) syscall(SYS_pidfd_send_signal, pidfd_, sig, nullptr, 0);
}

void Supervisor::stop() {
  forward(SIGTERM);
  restart_at_ns_ = 0;
}

}  // namespace oomguard::core

// Starts oomguard-extended with the shm region inherited as fd 3, restarts it with exponential
// backoff when it exits, and never waits for it: its exit is a readable pidfd in the core's
// epoll set. Everything spawn needs is prepared at init, so restarts do not allocate.
#pragma once

#include <spawn.h>
#include <sys/types.h>

#include <cstdint>

namespace oomguard::core {

class Supervisor {
 public:
  static constexpr int kChildShmFd = 3;

  struct Params {
    const char* binary;       // path of oomguard-extended
    const char* config_path;  // passed as --config
    int shm_fd;               // the region; inherited by the child as kChildShmFd
    std::uint64_t backoff_min_ns;
    std::uint64_t backoff_max_ns;
  };

  Supervisor() = default;
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  ~Supervisor();

  int init(const Params& params);
  // Spawns now; on failure schedules a retry with backoff.
  void start(std::uint64_t now_ns);
  // Restarts when a scheduled restart is due.
  void tick(std::uint64_t now_ns);
  // The child's pidfd became readable: reap it and schedule the restart.
  void on_exit(std::uint64_t now_ns);
  void forward(int sig);
  void stop();

  int pidfd() const { return pidfd_; }
  pid_t pid() const { return pid_; }
  std::uint32_t restarts() const { return restarts_; }

 private:
  static constexpr std::size_t kArgBytes = 256;

  char binary_[kArgBytes] = {};
  char config_[kArgBytes] = {};
  char fd_arg_[16] = {};
  char* argv_[8] = {};
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
  bool prepared_ = false;
  int inherit_fd_ = -1;
  int pidfd_ = -1;
  pid_t pid_ = 0;
  std::uint64_t backoff_min_ns_ = 0;
  std::uint64_t backoff_max_ns_ = 0;
  std::uint64_t backoff_ns_ = 0;
  std::uint64_t started_ns_ = 0;
  std::uint64_t restart_at_ns_ = 0;  // 0 = none scheduled
  std::uint32_t restarts_ = 0;
};

}  // namespace oomguard::core

// Test support for core: a temporary /proc + cgroup2 tree in the kernel's text formats, real
// child processes to stand in for victims (so pidfd_open and identity checks run for real),
// and a Killer that records instead of signalling. Nothing here allocates after set-up except
// TempTree writes, which tests do between steady-state steps, never inside them.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>

#include "core/killer.h"

namespace oomguard::core::testing {

class TempTree {
 public:
  TempTree();
  ~TempTree();
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  // Writes (truncating in place, so open fds see the new text); creates parent directories.
  void write(const std::string& rel, const std::string& text) const;
  void mkdirs(const std::string& rel) const;
  void remove(const std::string& rel) const;  // file or directory tree

 private:
  std::string root_;
};

// A sleeping child of the test process; killed and reaped on destruction.
class ChildProcess {
 public:
  ChildProcess();
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  std::uint64_t start_time_ticks() const { return start_time_ticks_; }

 private:
  pid_t pid_ = -1;
  std::uint64_t start_time_ticks_ = 0;
};

struct FakeProcess {
  pid_t pid = 0;
  std::uint64_t start_time_ticks = 0;
  std::string comm = "worker";
  std::string cgroup;  // without leading '/'
  std::uint64_t rss_kb = 1024;
  std::uint64_t swap_kb = 0;
  int oom_score_adj = 0;
  std::uint64_t oom_score = 500;
  char state = 'S';
  bool kernel_thread = false;
};
// proc/<pid>/{stat,status,cgroup,oom_score_adj,oom_score} under `tree`.
void write_fake_process(const TempTree& tree, const FakeProcess& p);
// proc/pressure/memory style text.
std::string psi_text(std::uint64_t some_us, std::uint64_t full_us);

// Records kills (fixed capacity: no allocation); releases when told.
class RecordingKiller final : public Killer {
 public:
  struct Kill {
    pid_t pid;
    shm::EntryKind kind;
    std::uint64_t at_ns;
  };
  void kill(const Victim& victim, const Clock& clock, KillReport* report) override;
  bool released(const Victim& victim) override;

  void release_all(bool yes) { release_ = yes; }
  std::size_t count() const { return count_; }
  const Kill& operator[](std::size_t i) const { return kills_[i % kills_.size()]; }

 private:
  std::array<Kill, 64> kills_{};
  std::size_t count_ = 0;
  bool release_ = false;
};

}  // namespace oomguard::core::testing

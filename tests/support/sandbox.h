// Test support for running real processes in real cgroups: a sandbox cgroup pair (v1 memcg
// with a limit + cgroup2 dir, removed on every path) and a child process whose stdout is read
// line by line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oomguard::testing {

// Why real-cgroup tests cannot run here, or empty if they can (root, v1 memory controller and
// cgroup2 with cgroup.kill).
std::string sandbox_unavailable_reason();

// /sys/fs/cgroup/memory/NAME with memory.limit_in_bytes (and memsw, no swap) = limit, plus
// /sys/fs/cgroup/unified/NAME. The destructor kills everything inside (cgroup.kill) and removes
// both directories.
class Sandbox {
 public:
  Sandbox(std::string name, std::uint64_t limit_bytes);
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  const std::string& v1_dir() const { return v1_; }
  const std::string& v2_dir() const { return v2_; }
  std::vector<pid_t> procs_v1() const;
  std::vector<pid_t> procs_v2() const;
  std::uint64_t v1_value(const std::string& file) const;  // first number in the file
  std::uint64_t v1_keyed(const std::string& file, const std::string& key) const;  // "key N"
  // cgroup.kill, then waits (bounded) until both hierarchies are empty. True if empty.
  bool kill_all();

 private:
  std::string name_, v1_, v2_, error_;
  bool made_v1_ = false, made_v2_ = false;
};

// A process started from `argv` (argv[0] is the path) with stdout and stderr on pipes.
class Child {
 public:
  explicit Child(const std::vector<std::string>& argv);
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();  // SIGKILLs and reaps the child if it is still there

  pid_t pid() const { return pid_; }
  // Next complete stdout line (without '\n'), or nullopt at EOF / timeout.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Waits for exit; returns the wait status, or nullopt on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout);
  // Remaining stdout lines after exit (call after wait()).
  std::vector<std::string> rest_of_stdout();
  std::string stderr_text();

 private:
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  std::string out_buf_;
  bool out_eof_ = false;
};

std::string read_text(const std::string& path);

}  // namespace oomguard::testing

// tools/scenario/process: processes a scenario starts (hogs, the canary, oomguard-core), placed
// into cgroups before exec, output to files, SIGKILLed if the runner dies (PR_SET_PDEATHSIG);
// and readers for growing text files and /dev/kmsg.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

namespace oomguard::scenario {

struct SpawnParams {
  std::vector<std::string> argv;  // argv[0] is the path
  // cgroup.procs files are written with the child's pid before exec (in this order), so the
  // exec'd program's first page is already charged to the sandbox.
  std::vector<std::string> cgroup_dirs;
  std::string stdout_path;  // "" = /dev/null
  std::string stderr_path;  // "" = same file as stdout
};

// A started process; the destructor SIGKILLs and reaps it if still running.
class Process {
 public:
  Process() = default;
  ~Process();
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Error text, or "" and *out started.
  static std::string spawn(const SpawnParams& params, Process* out);

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0 && !status_; }
  // Reaps without blocking; the wait status once it exited.
  std::optional<int> poll();
  // Waits up to timeout_ms for the exit; the status or nullopt.
  std::optional<int> wait(int timeout_ms);
  void signal(int sig) const;
  // SIGKILL, then wait (bounded) for the exit.
  void kill_and_reap();
  const std::optional<int>& status() const { return status_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// "exit 0", "SIGKILL", ... for a wait status; "running" for nullopt.
std::string describe_status(const std::optional<int>& status);

// Complete new lines of a file another process appends to.
class FileTail {
 public:
  explicit FileTail(std::string path) : path_(std::move(path)) {}
  std::vector<std::string> read_lines();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::size_t offset_ = 0;
  std::string partial_;
};

// New /dev/kmsg records since open() (non-blocking; a ring overrun skips ahead).
class KmsgReader {
 public:
  KmsgReader() = default;
  ~KmsgReader();
  KmsgReader(const KmsgReader&) = delete;
  KmsgReader& operator=(const KmsgReader&) = delete;

  bool open();  // false without permission (then read_lines returns nothing)
  std::vector<std::string> read_lines();

 private:
  int fd_ = -1;
};

// Absolute path of `name` in the same directory as the running executable, or "".
std::string sibling_binary(const std::string& name);

}  // namespace oomguard::scenario

// Test support for running real processes in real cgroups: a sandbox cgroup pair (v1 memcg
// with a limit + cgroup2 dir on hybrid hosts; one cgroup2 dir with memory.max on pure cgroup v2
// hosts), removed on every path (RAII, and tests/support/emergency.h for signals), and a child
// process whose stdout is read line by line.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oomguard::testing {

// Why real-cgroup tests cannot run here, or empty if they can (root, v1 memory controller and
// cgroup2 with cgroup.kill: a hybrid host like the dev machines).
std::string sandbox_unavailable_reason();

// Like sandbox_unavailable_reason(), but a pure cgroup v2 host with the memory controller
// available also qualifies (memory limits then go to memory.max / memory.swap.max).
std::string memory_sandbox_unavailable_reason();

// Largest limit a top-level sandbox may have (machine-safety rule of the project).
constexpr std::uint64_t kMaxSandboxLimitBytes = std::uint64_t{2} << 30;

struct SandboxParams {
  // Path below the hierarchy roots; "a/b" nests b in the sandbox a (create a first).
  std::string name;
  // Memory limit (v1 memory.limit_in_bytes or v2 memory.max). 0 = none of its own, only for a
  // nested sandbox (its parents' limits bound it). A top-level sandbox needs
  // 0 < limit <= kMaxSandboxLimitBytes.
  std::uint64_t limit_bytes = 0;
  // Swap allowed on top of the limit: v1 memory.memsw.limit_in_bytes = limit + swap, v2
  // memory.swap.max = swap. 0 = no swapping. Ignored without a limit of its own.
  std::uint64_t swap_bytes = 0;
};

// A cgroup in the memory hierarchy and in cgroup2: on a hybrid host /sys/fs/cgroup/memory/NAME
// (limits) plus /sys/fs/cgroup/unified/NAME (PSI, cgroup.kill); on a pure v2 host one dir
// /sys/fs/cgroup/NAME with memory.max (its parent gets "+memory" in cgroup.subtree_control when
// the parent is a sandbox). The destructor kills everything inside (cgroup.kill) and removes the
// directories.
class Sandbox {
 public:
  // Top level, limit = memsw = limit_bytes (no swap): the original form.
  Sandbox(std::string name, std::uint64_t limit_bytes);
  explicit Sandbox(const SandboxParams& params);
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  bool has_v1() const { return !v1_.empty(); }
  const std::string& v1_dir() const { return v1_; }  // empty on a pure v2 host
  const std::string& v2_dir() const { return v2_; }
  std::vector<pid_t> procs_v1() const;
  std::vector<pid_t> procs_v2() const;
  std::uint64_t v1_value(const std::string& file) const;  // first number in the file
  std::uint64_t v1_keyed(const std::string& file, const std::string& key) const;  // "key N"
  // Charged memory: v1 memory.usage_in_bytes, or v2 memory.current.
  std::uint64_t usage_bytes() const;
  // Changes the limit (and the swap allowed on top) of a sandbox that has one; lowering it makes
  // the kernel reclaim down to the new limit first (this call blocks meanwhile). "" or the error.
  std::string set_limit(std::uint64_t limit_bytes, std::uint64_t swap_bytes);
  // cgroup.kill, then waits (bounded) until both hierarchies are empty. True if empty.
  bool kill_all();

 private:
  void create(const SandboxParams& params);
  bool set_limits_v1(const SandboxParams& params);
  bool set_limits_v2(const SandboxParams& params);

  std::string name_, v1_, v2_, error_;
  bool made_v1_ = false, made_v2_ = false;
  int slot_v1_ = -1, slot_v2_ = -1;  // emergency registrations
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

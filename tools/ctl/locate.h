// tools/ctl/locate: finding the running oomguard-core and its shared region.
//
// A core is a process whose /proc/PID/exe is named oomguard-core (also "oomguard-core
// (deleted)" after an upgrade replaced the binary); where exe cannot be read (another user's
// process), /proc/PID/comm "oomguard-core" marks a candidate whose region needs privileges.
// A forked child of a core that has not exec'ed yet (same exe, parent is a core) is not counted.
// The region is the fd of the core whose link reads "/memfd:oomguard (deleted)"; it is reopened
// read-only through /proc/PID/fd/N, which needs ptrace-read access to the core (root, or
// CAP_SYS_PTRACE) and read permission on the memfd (mode 0600, owned by the core's user).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "tools/hog/result.h"

namespace oomguard::ctl {

using hog::Error;
using hog::Result;

inline constexpr const char* kCoreName = "oomguard-core";
inline constexpr const char* kRegionLink = "/memfd:oomguard (deleted)";

struct CoreCandidate {
  pid_t pid = 0;
  bool exe_readable = false;  // false: found by comm only (no permission to read exe)
};

// Every core process under proc_root ("/proc"), ascending pid.
std::vector<CoreCandidate> find_cores(const std::string& proc_root);

// The pid to inspect: `wanted` if given (it must look like a core), else the only core.
// Errors say what is wrong and what to do: none running, several (lists them, suggests --pid),
// or not a core.
Result<pid_t> choose_core(const std::string& proc_root, std::optional<pid_t> wanted);

// Opens the core's region read-only (O_RDONLY | O_CLOEXEC); the caller owns the fd.
// Errors name the cause: no permission (with the remedy), process gone, no region fd.
Result<int> open_region_fd(const std::string& proc_root, pid_t pid);

// The --config argument the core was started with (from /proc/PID/cmdline), or "" when it
// used the default or the command line cannot be read.
std::string core_config_arg(const std::string& proc_root, pid_t pid);

// Whether the process exists and is not a zombie (/proc/PID/stat state).
bool process_alive(const std::string& proc_root, pid_t pid);

}  // namespace oomguard::ctl

// extended/daemon_cgroup: where the kernel interfaces are (the "auto" roots of CoreConfig) and
// extended's own cgroup, so it can never be the hog.
//
// join_own_cgroup moves the process (all its threads: cgroup.procs) into own_cgroup, creating the
// directory if missing, in the cgroup2 hierarchy and, on hybrid hosts, also in the v1 memory
// hierarchy under the same name. With memory_high_bytes set it writes
//   v2: memory.high = N          (reclaim + throttling above N; never an OOM kill)
//   v1: memory.soft_limit_in_bytes = N   (v1 has no memory.high: reclaimed first under global
//                                         pressure, no throttling) and
//       memory.limit_in_bytes = 2 N      (a hard backstop: past it the kernel's memcg OOM killer
//                                         acts inside extended's group only; core restarts it)
// Every step's outcome goes into one report line; nothing here is fatal.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "config/core_config.h"

namespace oomguard::extended {

struct KernelRoots {
  std::string proc{};      // "/proc" or the configured root
  std::string cgroup2{};   // "" = no cgroup2 hierarchy found
  std::string memcg_v1{};  // "" = none (pure v2 host, or "none")
};

// Resolves CoreConfig's proc_root / cgroup2_root / memcg_v1_root: "auto" detects the mounts
// (cgroup2 at /sys/fs/cgroup or /sys/fs/cgroup/unified; v1 memory at /sys/fs/cgroup/memory, by
// statfs magic), anything else is taken as written.
KernelRoots resolve_roots(const config::CoreConfig& core);

// The memory PSI file for `scope` ("" = machine: <proc>/pressure/memory).
std::string memory_pressure_path(const KernelRoots& roots, const std::string& scope);

struct OwnCgroupParams {
  KernelRoots roots{};
  std::string own_cgroup{};             // relative to the roots; "" = stay
  std::uint64_t memory_high_bytes = 0;  // 0 = leave the limits alone
  pid_t pid = 0;
};

// Returns the report line ("own cgroup: ..."); ok=false when a step failed.
struct OwnCgroupReport {
  bool ok = true;
  std::string line{};
};
OwnCgroupReport join_own_cgroup(const OwnCgroupParams& params);

}  // namespace oomguard::extended

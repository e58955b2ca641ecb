// extended/policy_rank.h — the hierarchical ranking: who dies first. Pure (no kernel).
//
// Starting at the scope's cgroup, at each level the processes directly in the cgroup and its
// child cgroups compete. They are sorted by priority ascending, then badness descending (then pid
// / cgroup path, so the order is deterministic). In that order: a process is emitted; a cgroup in
// kill mode group (rule kill = "group", or memory.oom.group = 1) is emitted as one cgroup entry;
// any other cgroup is descended into and its own contents are emitted in its place. The result is
// the full kill order (entry 0 first); publish its first top_k.
//
// Badness = size + growth_weight * max(growth, 0) * growth_window_s, i.e. the size projected over
// the window, so a fast leaker ranks earlier within its priority. Size is RSS + swap for a
// process (never virtual size, never its children's) and the cgroup's usage (v2 memory.current +
// memory.swap.current, v1 memory.usage_in_bytes + total_swap; the sum of its processes when the
// cgroup has no memory accounting).
//
// Never ranked: pid 1; kernel threads; zombies; extended itself, core (OwnProcesses) and
// extended's direct children (its hooks; ppid == extended_pid) — core's other children and
// grandchildren of hooks are NOT protected; protect rules; CoreConfig.protected_comms; and
// whole subtrees for protect rules on cgroups and CoreConfig.protected_cgroups. Cgroups with no
// rankable process are skipped. A group-mode cgroup that contains a protected process (e.g.
// oomguard itself) is not emitted as a group: it is descended into instead (counted, noted).
// A process whose rule says kill = "group" becomes a cgroup entry for its own cgroup (once), unless
// that cgroup is the scope root / contains a protected process (then it stays a process entry).
#pragma once

#include <sys/types.h>

#include "extended/growth.h"
#include "extended/model.h"
#include "extended/policy.h"

namespace oomguard::extended {

struct OwnProcesses {
  pid_t extended_pid = 0;  // getpid() of oomguard-extended; its direct children are its hooks
  pid_t core_pid = 0;      // shm Header::core_pid; 0 = unknown
};

struct RankParams {
  const ScanResult* scan = nullptr;
  const Policy* policy = nullptr;
  const GrowthTracker* growth = nullptr;  // null: growth 0 for everything
  OwnProcesses own{};
};

Ranking rank(const RankParams& params);

}  // namespace oomguard::extended

// --cgroup: moving hog into cgroups before it allocates. A relative NAME means the same name
// in every memory-relevant hierarchy (the v1 memcg, when mounted, and the cgroup2 hierarchy);
// an absolute path means exactly that directory. Target resolution is pure; joining writes
// the pid to <dir>/cgroup.procs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tools/hog/result.h"

namespace oomguard::hog {

// Mount directories; empty = hierarchy absent.
struct CgroupHierarchies {
  std::string v1_memory;  // e.g. /sys/fs/cgroup/memory
  std::string v2;         // /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid)
};

// Detects by statfs magic: `root` if it is cgroup2, else `root`/unified if that is cgroup2;
// `root`/memory if it is a cgroup v1 mount.
CgroupHierarchies detect_cgroup_hierarchies(const std::string& root = "/sys/fs/cgroup");

// Directories to join for one --cgroup argument (v1 first, then v2). Errors: empty argument,
// "." or ".." components in a relative name, no hierarchy mounted.
Result<std::vector<std::string>> cgroup_targets(std::string_view spec,
                                                const CgroupHierarchies& hierarchies);

// Resolves every spec and joins every target, in order. Fails on the first directory that is
// missing, is not on a cgroup filesystem, or refuses the pid. Returns the joined directories.
Result<std::vector<std::string>> join_cgroups(const std::vector<std::string>& specs,
                                              const CgroupHierarchies& hierarchies);

}  // namespace oomguard::hog

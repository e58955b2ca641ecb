#include "tools/hog/cgroup_join.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>

namespace oomguard::hog {
namespace {

bool fs_magic_is(const std::string& path, long magic) {
  struct statfs st {};
  return statfs(path.c_str(), &st) == 0 && st.f_type == magic;
}

bool valid_relative(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string trim_trailing_slashes(std::string_view s) {
  while (s.size() > 1 && s.back() == '/') s.remove_suffix(1);
  return std::string(s);
}

Result<void> join_one(const std::string& dir) {
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) {
    return errno_error("cgroup " + dir + " (create it first)", errno);
  }
  if (!S_ISDIR(st.st_mode)) return Error{"cgroup " + dir + ": not a directory"};
  if (!fs_magic_is(dir, CGROUP2_SUPER_MAGIC) && !fs_magic_is(dir, CGROUP_SUPER_MAGIC)) {
    return Error{"cgroup " + dir + ": not on a cgroup filesystem"};
  }
  const std::string procs = dir + "/cgroup.procs";
  const int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return errno_error("open " + procs, errno);
  const std::string pid = std::to_string(getpid());
  const ssize_t n = write(fd, pid.data(), pid.size());
  const int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(pid.size())) {
    return errno_error("join cgroup " + dir, n < 0 ? err : EIO);
  }
  return {};
}

}  // namespace

CgroupHierarchies detect_cgroup_hierarchies(const std::string& root) {
  CgroupHierarchies h;
  if (fs_magic_is(root, CGROUP2_SUPER_MAGIC)) {
    h.v2 = root;
    return h;
  }
  if (fs_magic_is(root + "/unified", CGROUP2_SUPER_MAGIC)) h.v2 = root + "/unified";
  if (fs_magic_is(root + "/memory", CGROUP_SUPER_MAGIC)) h.v1_memory = root + "/memory";
  return h;
}

Result<std::vector<std::string>> cgroup_targets(std::string_view spec,
                                                const CgroupHierarchies& hierarchies) {
  if (spec.empty()) return Error{"--cgroup: empty path"};
  if (spec.front() == '/') return std::vector<std::string>{trim_trailing_slashes(spec)};
  const std::string name = trim_trailing_slashes(spec);
  if (!valid_relative(name)) {
    return Error{"--cgroup " + std::string(spec) +
                 ": a relative name may not contain '.' or "
                 "'..' components or empty components"};
  }
  std::vector<std::string> out;
  if (!hierarchies.v1_memory.empty()) out.push_back(hierarchies.v1_memory + "/" + name);
  if (!hierarchies.v2.empty()) out.push_back(hierarchies.v2 + "/" + name);
  if (out.empty()) {
    return Error{"--cgroup " + std::string(spec) +
                 ": no cgroup v1 memory or cgroup2 hierarchy is mounted"};
  }
  return out;
}

Result<std::vector<std::string>> join_cgroups(const std::vector<std::string>& specs,
                                              const CgroupHierarchies& hierarchies) {
  std::vector<std::string> joined;
  for (const std::string& spec : specs) {
    auto targets = cgroup_targets(spec, hierarchies);
    if (!targets) return targets.error();
    for (const std::string& dir : *targets) {
      if (auto r = join_one(dir); !r) return r.error();
      joined.push_back(dir);
    }
  }
  return joined;
}

}  // namespace oomguard::hog

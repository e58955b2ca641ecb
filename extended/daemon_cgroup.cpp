#include "extended/daemon_cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

namespace oomguard::extended {
namespace {

bool has_magic(const char* path, std::int64_t magic) {
  struct statfs fs {};
  return statfs(path, &fs) == 0 && static_cast<std::int64_t>(fs.f_type) == magic;
}

std::string resolve_cgroup2(std::string_view configured) {
  if (configured != "auto") return std::string(configured);
  for (const char* candidate : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    if (has_magic(candidate, CGROUP2_SUPER_MAGIC)) return candidate;
  }
  return "";
}

std::string resolve_memcg_v1(std::string_view configured) {
  if (configured == "none") return "";
  if (configured != "auto") return std::string(configured);
  const char* candidate = "/sys/fs/cgroup/memory";
  return has_magic(candidate, CGROUP_SUPER_MAGIC) ? candidate : "";
}

int mkdir_p(const std::string& dir) {
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return -errno;
  }
  return 0;
}

// Writes `text` into an existing control file. 0 or -errno.
int write_control(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) return -err;
  return static_cast<std::size_t>(n) == text.size() ? 0 : -EIO;
}

// Appends "what ok" or "what failed (strerror)" to the report.
void step(OwnCgroupReport& report, std::string_view what, int rc) {
  report.line += ' ';
  report.line += what;
  if (rc == 0) {
    report.line += " ok";
  } else {
    report.ok = false;
    report.line += " FAILED (";
    report.line += std::strerror(-rc);
    report.line += ')';
  }
  report.line += ';';
}

void join_v2(const OwnCgroupParams& p, OwnCgroupReport& report) {
  const std::string dir = p.roots.cgroup2 + "/" + p.own_cgroup;
  report.line += " v2 " + dir + ":";
  if (const int rc = mkdir_p(dir); rc != 0) return step(report, "mkdir", rc);
  if (p.memory_high_bytes != 0) {
    const int rc = write_control(dir + "/memory.high", std::to_string(p.memory_high_bytes));
    if (rc == -ENOENT && !p.roots.memcg_v1.empty()) {
      report.line += " memory.high n/a (the memory controller is on v1);";
    } else {
      step(report, "memory.high=" + std::to_string(p.memory_high_bytes), rc);
    }
  }
  step(report, "join", write_control(dir + "/cgroup.procs", std::to_string(p.pid)));
}

void join_v1(const OwnCgroupParams& p, OwnCgroupReport& report) {
  const std::string dir = p.roots.memcg_v1 + "/" + p.own_cgroup;
  report.line += " v1 memory " + dir + ":";
  if (const int rc = mkdir_p(dir); rc != 0) return step(report, "mkdir", rc);
  if (p.memory_high_bytes != 0) {
    const std::string soft = std::to_string(p.memory_high_bytes);
    const std::string hard = std::to_string(p.memory_high_bytes * 2);
    step(report, "memory.soft_limit_in_bytes=" + soft,
         write_control(dir + "/memory.soft_limit_in_bytes", soft));
    step(report, "memory.limit_in_bytes=" + hard + " (2x, backstop)",
         write_control(dir + "/memory.limit_in_bytes", hard));
  }
  step(report, "join", write_control(dir + "/cgroup.procs", std::to_string(p.pid)));
}

}  // namespace

KernelRoots resolve_roots(const config::CoreConfig& core) {
  KernelRoots roots;
  roots.proc = core.proc_root.view() == "auto" ? "/proc" : std::string(core.proc_root.view());
  roots.cgroup2 = resolve_cgroup2(core.cgroup2_root.view());
  roots.memcg_v1 = resolve_memcg_v1(core.memcg_v1_root.view());
  return roots;
}

std::string memory_pressure_path(const KernelRoots& roots, const std::string& scope) {
  if (scope.empty() || scope == "/") return roots.proc + "/pressure/memory";
  if (roots.cgroup2.empty()) return "";
  return roots.cgroup2 + "/" + scope + "/memory.pressure";
}

OwnCgroupReport join_own_cgroup(const OwnCgroupParams& params) {
  OwnCgroupReport report;
  if (params.own_cgroup.empty()) {
    report.line = "own cgroup: not configured, staying where started";
    return report;
  }
  report.line = "own cgroup '" + params.own_cgroup + "':";
  if (params.roots.cgroup2.empty() && params.roots.memcg_v1.empty()) {
    report.ok = false;
    report.line += " no cgroup hierarchy found;";
  }
  if (!params.roots.cgroup2.empty()) join_v2(params, report);
  if (!params.roots.memcg_v1.empty()) join_v1(params, report);
  if (params.memory_high_bytes == 0) report.line += " no memory limit configured;";
  report.line.pop_back();  // the last ';'
  return report;
}

}  // namespace oomguard::extended

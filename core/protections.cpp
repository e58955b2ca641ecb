#include "core/protections.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include "core/log.h"
#include "core/parse.h"
#include "shm/abi.h"

namespace oomguard::core {
namespace {

constexpr std::size_t kStackPrefaultBytes = 256 * 1024;

// Moves the core into config.own_cgroup (created if missing). Returns the cgroup the core is
// in afterwards via `path`.
void join_own_cgroup(const config::CoreConfig& config, const ProcRoot& proc,
                     const CgroupRoot& cgroup, char* path, std::size_t size) {
  path[0] = '\0';
  if (!config.own_cgroup.empty()) {
    const char* dir = config.own_cgroup.c_str();
    if (mkdirat(cgroup.v2_dirfd, dir, 0755) != 0 && errno != EEXIST) {
      log_line("WARNING: cgroup: failed to create /%s: %s", dir, errno_text(errno));
    } else {
      char rel[config::kPathBytes + 16];
      char pid[16];
      const int len = std::snprintf(pid, sizeof pid, "%d", getpid());
      std::snprintf(rel, sizeof rel, "%s/cgroup.procs", dir);
      const int rc = write_file_at(cgroup.v2_dirfd, rel, pid, static_cast<std::size_t>(len));
      if (rc == 0) {
        log_line("cgroup: ok, moved into /%s", dir);
      } else {
        log_line("WARNING: cgroup: failed to move into /%s: %s", dir, errno_text(-rc));
      }
    }
  }
  char buf[4096];
  std::string_view current;
  ssize_t n = read_file_at(proc.dirfd, "self/cgroup", buf);
  if (n > 0 && parse_cgroup_v2_path({buf, static_cast<std::size_t>(n)}, &current)) {
    std::snprintf(path, size, "%.*s", static_cast<int>(current.size()), current.data());
  }
  if (config.own_cgroup.empty()) {
    log_line("cgroup: staying in /%s (core.own_cgroup is not set)", path);
  }
}

bool set_memory_min(const config::CoreConfig& config, const CgroupRoot& cgroup, const char* own) {
  if (config.memory_min_bytes == 0) {
    log_line("memory.min: off (core.memory_min_mib = 0)");
    return false;
  }
  if (own[0] == '\0') {
    log_line(
        "WARNING: memory.min: unavailable because the core runs in the root cgroup "
        "(set core.own_cgroup)");
    return false;
  }
  char rel[config::kPathBytes + 16];
  char value[32];
  std::snprintf(rel, sizeof rel, "%s/memory.min", own);
  const int len = std::snprintf(value, sizeof value, "%llu",
                                static_cast<unsigned long long>(config.memory_min_bytes));
  const int rc = write_file_at(cgroup.v2_dirfd, rel, value, static_cast<std::size_t>(len));
  if (rc == 0) {
    log_line("memory.min: ok, %llu MiB on /%s",
             static_cast<unsigned long long>(config.memory_min_bytes >> 20), own);
    return true;
  }
  if (rc == -ENOENT) {
    log_line(
        "WARNING: memory.min: unavailable because the memory controller is not enabled for "
        "/%s on cgroup2%s",
        own, cgroup.v1_memory_dirfd >= 0 ? " (memory is on cgroup v1 on this host)" : "");
  } else {
    log_line("WARNING: memory.min: failed on /%s: %s", own, errno_text(-rc));
  }
  return false;
}

bool lock_memory() {
  if (mlockall(MCL_CURRENT | MCL_FUTURE) == 0) {
    log_line("mlockall: ok (current and future mappings)");
    return true;
  }
  log_line("WARNING: mlockall: failed: %s", errno_text(errno));
  return false;
}

bool set_realtime(std::uint32_t priority) {
  if (priority == 0) {
    log_line("SCHED_FIFO: off (core.sched_fifo_priority = 0)");
    return false;
  }
  sched_param param{};
  param.sched_priority = static_cast<int>(priority);
  // Children (extended, hooks) must not inherit real-time scheduling.
  if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param) == 0) {
    log_line("SCHED_FIFO: ok, priority %u", priority);
    return true;
  }
  log_line("WARNING: SCHED_FIFO: failed: %s", errno_text(errno));
  return false;
}

bool lower_oom_score_adj(const ProcRoot& proc, std::int32_t target) {
  char value[16];
  int len = std::snprintf(value, sizeof value, "%d", target);
  int rc = write_file_at(proc.dirfd, "self/oom_score_adj", value, static_cast<std::size_t>(len));
  if (rc == 0) {
    log_line("oom_score_adj: ok, %d", target);
    return true;
  }
  // Without CAP_SYS_RESOURCE only values >= 0 are allowed: take the lowest of those.
  if (target < 0 && rc == -EACCES && write_file_at(proc.dirfd, "self/oom_score_adj", "0", 1) == 0) {
    log_line("WARNING: oom_score_adj: %d refused (%s: needs CAP_SYS_RESOURCE); set to 0", target,
             errno_text(-rc));
    return false;
  }
  log_line("WARNING: oom_score_adj: %d failed: %s", target, errno_text(-rc));
  return false;
}

}  // namespace

void prefault_stack(std::size_t bytes) {
  // volatile: the compiler must not drop the writes.
  volatile char* area = static_cast<volatile char*>(__builtin_alloca(bytes));
  for (std::size_t i = 0; i < bytes; i += 4096) area[i] = 0;
}

ProtectionResult apply_protections(const config::CoreConfig& config, const ProcRoot& proc,
                                   const CgroupRoot& cgroup) {
  ProtectionResult r;
  auto record = [&r](bool ok, std::uint32_t bit) { (ok ? r.achieved : r.missing) |= bit; };
  char own[config::kPathBytes];
  join_own_cgroup(config, proc, cgroup, own, sizeof own);
  record(set_memory_min(config, cgroup, own), shm::kProtMemoryMin);
  prefault_stack(kStackPrefaultBytes);
  record(lock_memory(), shm::kProtMlock);
  record(set_realtime(config.sched_fifo_priority), shm::kProtSchedFifo);
  record(lower_oom_score_adj(proc, config.oom_score_adj), shm::kProtOomScoreAdj);
  return r;
}

}  // namespace oomguard::core

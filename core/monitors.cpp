#include "core/monitors.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/clock.h"
#include "core/log.h"

namespace oomguard::core {
namespace {

using config::MonitorKind;

const char* resource_name(config::PressureResource r) {
  switch (r) {
    case config::PressureResource::kMemory:
      return "memory";
    case config::PressureResource::kIo:
      return "io";
    case config::PressureResource::kCpu:
      return "cpu";
  }
  return "?";
}

const char* stall_name(config::StallKind k) {
  return k == config::StallKind::kFull ? "full" : "some";
}

bool on_kernel_fs(int fd) {
  struct statfs st {};
  return fstatfs(fd, &st) == 0 &&
         (st.f_type == PROC_SUPER_MAGIC || st.f_type == CGROUP2_SUPER_MAGIC);
}

// Reads fd into buf and parses one integer or "max".
bool read_u64(int fd, std::uint64_t* out) {
  char buf[64];
  ssize_t n = pread_whole(fd, buf);
  return n > 0 && parse_u64_or_max({buf, static_cast<std::size_t>(n)}, out);
}

}  // namespace

MonitorSet::~MonitorSet() {
  for (std::size_t i = 0; i < pressure_count_; ++i) pressure_[i].file.close();
  for (std::size_t i = 0; i < usage_count_; ++i) {
    close_fd(&usage_[i].usage_fd);
    close_fd(&usage_[i].limit_fd);
    close_fd(&usage_[i].stat_fd);
  }
  for (std::size_t i = 0; i < trigger_count_; ++i) close_fd(&triggers_[i].fd);
  close_fd(&meminfo_fd_);
}

int MonitorSet::init(const config::CoreConfig& config, const ProcRoot& proc,
                     const CgroupRoot& cgroup, TriggerArmer armer) {
  config_ = &config;
  proc_ = &proc;
  cgroup_ = &cgroup;
  std::uint64_t longest_window_ms = 0;
  for (const auto& m : config.monitors) {
    if (m.kind == MonitorKind::kPressure && m.window_ms > longest_window_ms) {
      longest_window_ms = m.window_ms;
    }
  }
  const std::uint64_t poll_ms = config.poll_min_ms < 10 ? 10 : config.poll_min_ms;
  const std::size_t capacity = static_cast<std::size_t>(longest_window_ms / poll_ms) + 2;
  samples_.reset(new PsiSample[capacity * config.monitors.size()]());

  for (std::size_t i = 0; i < config.monitors.size(); ++i) {
    const config::MonitorConfig& mc = config.monitors[i];
    Monitor& m = monitors_[i];
    m.config = &mc;
    int rc = 0;
    switch (mc.kind) {
      case MonitorKind::kPressure:
        rc = open_pressure(mc, capacity, &m.pressure);
        break;
      case MonitorKind::kMemAvailable:
      case MonitorKind::kSwapFree:
        if (meminfo_fd_ < 0) {
          meminfo_fd_ = openat(proc.dirfd, "meminfo", O_RDONLY | O_CLOEXEC);
          if (meminfo_fd_ < 0) rc = -errno;
        }
        break;
      case MonitorKind::kCgroupUsage:
        rc = open_usage(mc.cgroup, &m.usage);
        break;
    }
    if (rc < 0) {
      log_line("monitor %s: cannot open its source: %s", mc.name.c_str(), errno_text(-rc));
      return rc;
    }
    monitor_count_ = i + 1;
    if (mc.kind == MonitorKind::kPressure) arm(i, armer);
  }
  if (!config.scope.empty() && open_usage(config.scope, &scope_usage_) < 0) scope_usage_ = -1;
  if (scope_usage_ < 0 && meminfo_fd_ < 0) {
    meminfo_fd_ = openat(proc.dirfd, "meminfo", O_RDONLY | O_CLOEXEC);
  }
  return 0;
}

int MonitorSet::pressure_path(const config::MonitorConfig& mc,
                              char (&path)[kPressurePathBytes]) const {
  if (mc.cgroup.empty()) {
    std::snprintf(path, sizeof path, "pressure/%s", resource_name(mc.resource));
    return proc_->dirfd;
  }
  std::snprintf(path, sizeof path, "%s/%s.pressure", mc.cgroup.c_str(), resource_name(mc.resource));
  return cgroup_->v2_dirfd;
}

int MonitorSet::open_pressure(const config::MonitorConfig& mc, std::size_t capacity,
                              std::int8_t* index) {
  for (std::size_t i = 0; i < pressure_count_; ++i) {
    if (pressure_[i].resource == mc.resource && pressure_[i].cgroup == mc.cgroup) {
      *index = static_cast<std::int8_t>(i);
      return 0;
    }
  }
  char path[kPressurePathBytes];
  const int dirfd = pressure_path(mc, path);
  PressureSource& src = pressure_[pressure_count_];
  src.resource = mc.resource;
  src.cgroup = mc.cgroup;
  std::span<PsiSample> storage(samples_.get() + pressure_count_ * capacity, capacity);
  if (int rc = src.file.open(dirfd, path, storage); rc < 0) return rc;
  *index = static_cast<std::int8_t>(pressure_count_++);
  return 0;
}

int MonitorSet::open_usage(const config::Path& cg, std::int8_t* index) {
  UsageSource u;
  char path[config::kPathBytes + 40];
  auto open_file = [&](int dirfd, const char* file) {
    std::snprintf(path, sizeof path, "%s/%s", cg.c_str(), file);
    return openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  };
  if (cgroup_->v1_memory_dirfd >= 0) {
    u.usage_fd = open_file(cgroup_->v1_memory_dirfd, "memory.usage_in_bytes");
    u.v1 = u.usage_fd >= 0;
  }
  if (u.v1) {
    u.limit_fd = open_file(cgroup_->v1_memory_dirfd, "memory.limit_in_bytes");
    u.stat_fd = open_file(cgroup_->v1_memory_dirfd, "memory.stat");
  } else {
    u.usage_fd = open_file(cgroup_->v2_dirfd, "memory.current");
    u.limit_fd = open_file(cgroup_->v2_dirfd, "memory.max");
    u.stat_fd = open_file(cgroup_->v2_dirfd, "memory.stat");
  }
  if (u.usage_fd < 0 || u.limit_fd < 0 || u.stat_fd < 0) {
    int err = errno;
    close_fd(&u.usage_fd);
    close_fd(&u.limit_fd);
    close_fd(&u.stat_fd);
    return -err;
  }
  usage_[usage_count_] = u;
  *index = static_cast<std::int8_t>(usage_count_++);
  return 0;
}

void MonitorSet::arm(std::size_t i, TriggerArmer armer) {
  Monitor& m = monitors_[i];
  const config::MonitorConfig& mc = *m.config;
  const PressureSource& src = pressure_[static_cast<std::size_t>(m.pressure)];
  char where[config::kPathBytes + 16];
  std::snprintf(where, sizeof where, "%s", mc.cgroup.empty() ? "system" : mc.cgroup.c_str());
  if (!on_kernel_fs(src.file.fd())) {
    log_line("monitor %s: pressure %s %s %ums/%ums on %s: polling (not a kernel file)",
             mc.name.c_str(), resource_name(mc.resource), stall_name(mc.stall), mc.threshold_ms,
             mc.window_ms, where);
    return;
  }
  char path[kPressurePathBytes];
  const int dirfd = pressure_path(mc, path);
  const std::uint64_t threshold_us = std::uint64_t{mc.threshold_ms} * 1000;
  const std::uint64_t window_us = std::uint64_t{mc.window_ms} * 1000;
  int fd = armer(dirfd, path, mc.stall, threshold_us, window_us);
  bool exact = fd >= 0;
  const int exact_err = fd < 0 ? -fd : 0;
  if (fd < 0) {
    // Unprivileged kernels accept only multiples of 2 s: a wake-up trigger at the same rate.
    constexpr std::uint64_t kWakeWindowUs = 2'000'000;
    std::uint64_t wake_threshold = threshold_us * kWakeWindowUs / window_us;
    if (wake_threshold >= kWakeWindowUs) wake_threshold = kWakeWindowUs - 1000;
    fd = armer(dirfd, path, mc.stall, wake_threshold, kWakeWindowUs);
  }
  if (fd >= 0) {
    triggers_[trigger_count_] = {
        .fd = fd, .monitor = static_cast<std::uint8_t>(i), .exact = exact, .last_event_ns = 0};
    m.trigger = static_cast<std::int8_t>(trigger_count_++);
  }
  if (exact) {
    log_line("monitor %s: pressure %s %s %ums/%ums on %s: kernel trigger armed", mc.name.c_str(),
             resource_name(mc.resource), stall_name(mc.stall), mc.threshold_ms, mc.window_ms,
             where);
  } else {
    log_line(
        "WARNING: monitor %s: pressure %s %s %ums/%ums on %s: kernel refused the trigger "
        "(%s%s); polling total= every %u-%u ms%s",
        mc.name.c_str(), resource_name(mc.resource), stall_name(mc.stall), mc.threshold_ms,
        mc.window_ms, where, errno_text(exact_err),
        exact_err == EINVAL ? ": windows other than 2 s multiples need CAP_SYS_RESOURCE" : "",
        config_->poll_min_ms, config_->poll_max_ms, fd >= 0 ? " with a 2 s wake-up trigger" : "");
  }
}

void MonitorSet::sample(std::uint64_t now_ns) {
  for (std::size_t i = 0; i < pressure_count_; ++i) pressure_[i].file.sample(now_ns);
  if (meminfo_fd_ >= 0) {
    char buf[4096];
    ssize_t n = pread_whole(meminfo_fd_, buf);
    meminfo_ok_ = n > 0 && parse_meminfo({buf, static_cast<std::size_t>(n)}, &meminfo_);
  }
}

bool MonitorSet::read_usage(const UsageSource& u, std::uint64_t* working_set,
                            std::uint64_t* limit) {
  std::uint64_t usage = 0;
  std::uint64_t inactive_file = 0;
  char stat[8192];
  ssize_t n = pread_whole(u.stat_fd, stat);
  if (!read_u64(u.usage_fd, &usage) || !read_u64(u.limit_fd, limit) || n <= 0 ||
      !parse_keyed_u64({stat, static_cast<std::size_t>(n)},
                       u.v1 ? "total_inactive_file" : "inactive_file", &inactive_file)) {
    return false;
  }
  *working_set = usage > inactive_file ? usage - inactive_file : 0;
  return true;
}

bool MonitorSet::evaluate(Monitor& m, std::uint64_t now_ns) {
  const config::MonitorConfig& mc = *m.config;
  MonitorReading& r = m.reading;
  switch (mc.kind) {
    case MonitorKind::kPressure: {
      const std::uint64_t window_ns = std::uint64_t{mc.window_ms} * kNsPerMs;
      r.window_us = window_ns / kNsPerUs;
      bool fires = false;
      Stall st;
      if (pressure_[static_cast<std::size_t>(m.pressure)].file.stall(mc.stall, window_ns, &st)) {
        // Normalise to exactly one window (the baseline sample may be a little older).
        r.stall_us = st.stall_us * window_ns / st.span_ns;
        fires = r.stall_us >= std::uint64_t{mc.threshold_ms} * 1000;
      }
      // Kernel events count only until the first release (reset). After it the kernel may still
      // deliver an event for stall from before it: it signals at most once per window and keeps
      // a breach seen meanwhile pending (psi.c update_triggers), and its window adds a share of
      // the previous window's growth (window_update). In the UML guest such an event arrived
      // 1.03 s after a release and made a second kill with 0 ms of stall measured since it.
      // After a reset the measured totals decide, over a whole window after the reset.
      if (m.trigger >= 0 && reset_ns_ == 0) {
        const KernelTrigger& t = triggers_[static_cast<std::size_t>(m.trigger)];
        fires = fires ||
                (t.exact && t.last_event_ns >= window_ns && now_ns - t.last_event_ns <= window_ns);
      }
      return fires;
    }
    case MonitorKind::kMemAvailable:
      if (!meminfo_ok_) return false;
      r.value = meminfo_.available;
      r.limit = meminfo_.total;
      return static_cast<double>(r.value) * 100.0 < mc.percent * static_cast<double>(r.limit);
    case MonitorKind::kSwapFree:
      if (!meminfo_ok_) return false;
      r.value = meminfo_.swap_free;
      r.limit = meminfo_.swap_total;
      return r.limit == 0 ||
             static_cast<double>(r.value) * 100.0 < mc.percent * static_cast<double>(r.limit);
    case MonitorKind::kCgroupUsage:
      if (!read_usage(usage_[static_cast<std::size_t>(m.usage)], &r.value, &r.limit)) return false;
      return static_cast<double>(r.value) * 100.0 >= mc.percent * static_cast<double>(r.limit);
  }
  return false;
}

std::uint32_t MonitorSet::firing(std::uint64_t now_ns) {
  std::uint32_t mask = 0;
  for (std::size_t i = 0; i < monitor_count_; ++i) {
    if (evaluate(monitors_[i], now_ns)) mask |= 1u << i;
  }
  return mask;
}

int MonitorSet::fired_trigger(std::uint32_t mask) const {
  const auto& triggers = config_->triggers;
  if (triggers.empty()) {
    for (std::size_t i = 0; i < monitor_count_; ++i) {
      if (mask & (1u << i)) return static_cast<int>(i);
    }
    return -1;
  }
  for (std::size_t t = 0; t < triggers.size(); ++t) {
    bool all = !triggers[t].monitors.empty();
    for (std::uint8_t m : triggers[t].monitors) all = all && (mask & (1u << m)) != 0;
    if (all) return static_cast<int>(t);
  }
  return -1;
}

void MonitorSet::reset(std::uint64_t now_ns) {
  reset_ns_ = now_ns;
  for (std::size_t i = 0; i < pressure_count_; ++i) pressure_[i].file.reset(now_ns);
}

bool MonitorSet::rising() const {
  for (std::size_t i = 0; i < pressure_count_; ++i) {
    if (pressure_[i].file.rising()) return true;
  }
  return false;
}

void MonitorSet::on_trigger_event(std::size_t i, std::uint64_t now_ns) {
  triggers_[i].last_event_ns = now_ns;
}

bool MonitorSet::all_triggers_exact() const {
  for (std::size_t i = 0; i < monitor_count_; ++i) {
    const Monitor& m = monitors_[i];
    if (m.config->kind != MonitorKind::kPressure) continue;
    if (m.trigger < 0 || !triggers_[static_cast<std::size_t>(m.trigger)].exact) return false;
  }
  return true;
}

std::uint64_t MonitorSet::scope_usage_bytes() {
  if (scope_usage_ >= 0) {
    const UsageSource& u = usage_[static_cast<std::size_t>(scope_usage_)];
    std::uint64_t usage = 0;
    return read_u64(u.usage_fd, &usage) ? usage : 0;
  }
  char buf[4096];
  MemInfo mi;
  ssize_t n = meminfo_fd_ >= 0 ? pread_whole(meminfo_fd_, buf) : -1;
  if (n <= 0 || !parse_meminfo({buf, static_cast<std::size_t>(n)}, &mi)) return 0;
  return mi.total - mi.available;
}

}  // namespace oomguard::core

// The "when" of the core: every configured monitor (PSI stall in a window, MemAvailable and
// SwapFree floors, cgroup working set vs limit), their sources opened once at start-up, and
// the triggers that combine them. Sampling and evaluation never allocate.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "config/core_config.h"
#include "core/kernel_roots.h"
#include "core/parse.h"
#include "core/pressure.h"

namespace oomguard::core {

// How kernel PSI triggers are armed; tests may substitute an armer (e.g. one that arms from a
// user namespace). Returns an fd or -errno, like arm_psi_trigger.
using TriggerArmer = int (*)(int dirfd, const char* relpath, config::StallKind kind,
                             std::uint64_t threshold_us, std::uint64_t window_us);

// What a monitor saw when it was last evaluated, for the kill record.
struct MonitorReading {
  std::uint64_t stall_us = 0;  // pressure monitors
  std::uint64_t window_us = 0;
  std::uint64_t value = 0;  // floors: available bytes; usage: working set bytes
  std::uint64_t limit = 0;  // floors: total bytes; usage: limit bytes
};

class MonitorSet {
 public:
  MonitorSet() = default;
  MonitorSet(const MonitorSet&) = delete;
  MonitorSet& operator=(const MonitorSet&) = delete;
  ~MonitorSet();

  // Opens every file the monitors read, sizes the sample histories for poll_min_ms and arms
  // kernel triggers where the kernel accepts them. Logs one line per monitor. 0 or -errno.
  int init(const config::CoreConfig& config, const ProcRoot& proc, const CgroupRoot& cgroup,
           TriggerArmer armer);

  // Reads every source (pressure files at most every 10 ms).
  void sample(std::uint64_t now_ns);
  // Bit i set = monitors[i] fires.
  std::uint32_t firing(std::uint64_t now_ns);
  // Index of the first trigger whose monitors all fire, or -1.
  int fired_trigger(std::uint32_t firing_mask) const;
  // After a kill's release: only stall measured after now counts (kernel trigger events wake
  // the core but no longer fire a monitor on their own).
  void reset(std::uint64_t now_ns);
  // Some pressure total grew at the last sample (poll faster).
  bool rising() const;

  // Kernel trigger fds to watch for EPOLLPRI, and their events.
  std::size_t trigger_fd_count() const { return trigger_count_; }
  int trigger_fd(std::size_t i) const { return triggers_[i].fd; }
  void on_trigger_event(std::size_t i, std::uint64_t now_ns);

  // True when every pressure monitor has a kernel trigger with its configured window.
  bool all_triggers_exact() const;
  const MonitorReading& reading(std::size_t monitor) const { return monitors_[monitor].reading; }
  // Scope usage for "freed bytes": cgroup usage of `scope`, or MemTotal - MemAvailable.
  std::uint64_t scope_usage_bytes();

 private:
  struct PressureSource {
    config::PressureResource resource;
    config::Path cgroup;
    PressureFile file;
  };
  struct UsageSource {
    int usage_fd = -1;
    int limit_fd = -1;
    int stat_fd = -1;
    bool v1 = false;
  };
  struct KernelTrigger {
    int fd = -1;
    std::uint8_t monitor = 0;
    bool exact = false;  // armed with the configured window (else a 2 s wake-up trigger)
    std::uint64_t last_event_ns = 0;
  };
  struct Monitor {
    const config::MonitorConfig* config = nullptr;
    std::int8_t pressure = -1;  // index into pressure_
    std::int8_t usage = -1;     // index into usage_
    std::int8_t trigger = -1;   // index into triggers_
    MonitorReading reading;
  };

  static constexpr std::size_t kPressurePathBytes = config::kPathBytes + 32;
  // The PSI file of a pressure monitor: its path into `path`, the dirfd it is relative to.
  int pressure_path(const config::MonitorConfig& m, char (&path)[kPressurePathBytes]) const;
  int open_pressure(const config::MonitorConfig& m, std::size_t capacity, std::int8_t* index);
  int open_usage(const config::Path& cgroup, std::int8_t* index);
  void arm(std::size_t monitor, TriggerArmer armer);
  bool evaluate(Monitor& m, std::uint64_t now_ns);
  bool read_usage(const UsageSource& u, std::uint64_t* working_set, std::uint64_t* limit);

  const config::CoreConfig* config_ = nullptr;
  const ProcRoot* proc_ = nullptr;
  const CgroupRoot* cgroup_ = nullptr;
  std::array<Monitor, config::kMaxMonitors> monitors_{};
  std::size_t monitor_count_ = 0;
  std::array<PressureSource, config::kMaxMonitors> pressure_{};
  std::size_t pressure_count_ = 0;
  std::array<UsageSource, config::kMaxMonitors + 1> usage_{};  // + the scope's
  std::size_t usage_count_ = 0;
  std::int8_t scope_usage_ = -1;
  std::array<KernelTrigger, config::kMaxMonitors> triggers_{};
  std::size_t trigger_count_ = 0;
  std::unique_ptr<PsiSample[]> samples_;
  int meminfo_fd_ = -1;
  MemInfo meminfo_{};
  bool meminfo_ok_ = false;
  std::uint64_t reset_ns_ = 0;
};

}  // namespace oomguard::core

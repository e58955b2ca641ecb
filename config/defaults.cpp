// defaults(): the configuration of an empty file. config/oomguard.toml spells out the same
// values (a test asserts that they agree).
#include <array>

#include "config/load.h"

namespace oomguard::config {
namespace {

MonitorConfig pressure_monitor(std::string_view name, StallKind stall, std::uint32_t threshold_ms,
                               std::uint32_t window_ms) {
  MonitorConfig monitor{};
  monitor.name.assign(name);
  monitor.kind = MonitorKind::kPressure;
  monitor.resource = PressureResource::kMemory;
  monitor.stall = stall;
  monitor.threshold_ms = threshold_ms;
  monitor.window_ms = window_ms;
  return monitor;
}

TriggerConfig trigger_of(std::initializer_list<std::uint8_t> monitors) {
  TriggerConfig trigger{};
  for (const std::uint8_t index : monitors) trigger.monitors.push_back(index);
  return trigger;
}

void default_monitors(CoreConfig& core) {
  core.monitors.push_back(pressure_monitor("memory_full", StallKind::kFull, 100, 1000));
  core.monitors.push_back(pressure_monitor("memory_some", StallKind::kSome, 300, 1000));
  MonitorConfig available{};
  available.name.assign("available_low");
  available.kind = MonitorKind::kMemAvailable;
  available.percent = 5;
  core.monitors.push_back(available);
  core.triggers.push_back(trigger_of({0}));     // memory_full
  core.triggers.push_back(trigger_of({1, 2}));  // memory_some AND available_low
}

CoreConfig default_core() {
  CoreConfig core{};
  core.scope.assign("");
  core.proc_root.assign("auto");
  core.cgroup2_root.assign("auto");
  core.memcg_v1_root.assign("auto");
  core.own_cgroup.assign("");
  core.memory_min_bytes = std::uint64_t{32} << 20;
  core.sched_fifo_priority = 10;
  core.oom_score_adj = -1000;
  core.require_protections = false;
  default_monitors(core);
  core.poll_min_ms = 10;
  core.poll_max_ms = 100;
  core.release_timeout_ms = 5000;
  core.cooldown_ms = 1000;
  core.ranking_stale_ms = 10000;
  core.fallback = FallbackPolicy::kLargest;
  core.fallback_max_procs = 65536;
  for (const char* comm :
       {"init", "systemd", "systemd-journal", "systemd-logind", "dbus-daemon", "sshd"}) {
    Comm value;
    value.assign(comm);
    core.protected_comms.push_back(value);
  }
  core.dry_run = false;
  core.kmsg = true;
  core.process_mrelease = true;
  core.run_extended = true;
  core.extended_path.assign("");
  core.extended_restart_min_ms = 500;
  core.extended_restart_max_ms = 30000;
  return core;
}

ExtendedConfig default_extended() {
  ExtendedConfig extended;
  extended.scan_interval_ms = 1000;
  extended.scan_interval_pressure_ms = 250;
  extended.top_k = 64;
  extended.growth_weight = 1.0;
  extended.growth_window_ms = 30000;
  extended.priority_xattr = true;
  extended.own_cgroup = "";
  extended.memory_high_bytes = 0;
  extended.output.kill_log = "/var/log/oomguard/kills.jsonl";
  extended.output.metrics_file = "";
  extended.output.metrics_interval_ms = 5000;
  extended.output.hook_timeout_ms = 10000;
  return extended;
}

}  // namespace

Config defaults() { return Config{.core = default_core(), .extended = default_extended()}; }

}  // namespace oomguard::config

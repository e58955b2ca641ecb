// to_toml(): the effective configuration, every key, in the layout of config/oomguard.toml.
#include <charconv>
#include <cstdio>

#include "config/load.h"
#include "config/names.h"

namespace oomguard::config {
namespace {

using internal::name_of;

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", byte);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Shortest text that reads back as the same double, always with a '.' or exponent so TOML
// parses it as a float.
std::string toml_float(double value) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  std::string text(buf, ec == std::errc() ? end : buf);
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

// A stored cgroup path ("" = root, "a/b") as written in the file ("/", "/a/b").
std::string rooted(std::string_view stored) { return "/" + std::string(stored); }

class Writer {
 public:
  void line(std::string_view text) {
    out_ += text;
    out_ += '\n';
  }
  void key(std::string_view name, std::string_view raw) {
    out_ += name;
    out_ += " = ";
    line(raw);
  }
  void str(std::string_view name, std::string_view value) { key(name, toml_string(value)); }
  void boolean(std::string_view name, bool value) { key(name, value ? "true" : "false"); }
  void number(std::string_view name, std::int64_t value) { key(name, std::to_string(value)); }
  void real(std::string_view name, double value) { key(name, toml_float(value)); }
  template <typename Range>
  void strings(std::string_view name, const Range& values) {
    std::string raw = "[";
    bool first = true;
    for (const auto& value : values) {
      raw += (first ? "" : ", ") + toml_string(std::string_view(value));
      first = false;
    }
    key(name, raw + "]");
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::int64_t mib(std::uint64_t bytes) { return static_cast<std::int64_t>(bytes >> 20); }

void write_core_keys(Writer& w, const CoreConfig& core) {
  w.line("[core]");
  w.str("scope", rooted(core.scope.view()));
  w.str("proc_root", core.proc_root.view());
  w.str("cgroup2_root", core.cgroup2_root.view());
  w.str("memcg_v1_root", core.memcg_v1_root.view());
  w.str("own_cgroup", core.own_cgroup.empty() ? "" : rooted(core.own_cgroup.view()));
  w.number("memory_min_mib", mib(core.memory_min_bytes));
  w.number("sched_fifo_priority", core.sched_fifo_priority);
  w.number("oom_score_adj", core.oom_score_adj);
  w.boolean("require_protections", core.require_protections);
  w.number("poll_min_ms", core.poll_min_ms);
  w.number("poll_max_ms", core.poll_max_ms);
  w.number("release_timeout_ms", core.release_timeout_ms);
  w.number("cooldown_ms", core.cooldown_ms);
  w.number("ranking_stale_ms", core.ranking_stale_ms);
  w.str("fallback", name_of(internal::kFallbackNames, core.fallback));
  w.number("fallback_max_procs", core.fallback_max_procs);
  std::vector<std::string> list;
  for (const Comm& comm : core.protected_comms) list.emplace_back(comm.view());
  w.strings("protected_comms", list);
  list.clear();
  for (const Path& path : core.protected_cgroups) list.push_back(rooted(path.view()));
  w.strings("protected_cgroups", list);
  w.boolean("dry_run", core.dry_run);
  w.boolean("kmsg", core.kmsg);
  w.boolean("process_mrelease", core.process_mrelease);
  w.boolean("extended", core.run_extended);
  w.str("extended_path", core.extended_path.view());
  w.number("extended_restart_min_ms", core.extended_restart_min_ms);
  w.number("extended_restart_max_ms", core.extended_restart_max_ms);
}

void write_monitor(Writer& w, const MonitorConfig& monitor) {
  w.line("");
  w.line("[[core.monitors]]");
  w.str("name", monitor.name.view());
  w.str("kind", name_of(internal::kMonitorKindNames, monitor.kind));
  switch (monitor.kind) {
    case MonitorKind::kPressure:
      w.str("resource", name_of(internal::kResourceNames, monitor.resource));
      w.str("stall", name_of(internal::kStallNames, monitor.stall));
      w.number("threshold_ms", monitor.threshold_ms);
      w.number("window_ms", monitor.window_ms);
      w.str("cgroup", monitor.cgroup.empty() ? "" : rooted(monitor.cgroup.view()));
      break;
    case MonitorKind::kCgroupUsage:
      w.str("cgroup", rooted(monitor.cgroup.view()));
      w.real("percent", monitor.percent);
      break;
    case MonitorKind::kMemAvailable:
    case MonitorKind::kSwapFree:
      w.real("percent", monitor.percent);
      break;
  }
}

void write_core(Writer& w, const CoreConfig& core) {
  write_core_keys(w, core);
  for (const MonitorConfig& monitor : core.monitors) write_monitor(w, monitor);
  for (const TriggerConfig& trigger : core.triggers) {
    std::vector<std::string> names;
    for (const std::uint8_t index : trigger.monitors) {
      if (index < core.monitors.size()) names.emplace_back(core.monitors[index].name.view());
    }
    w.line("");
    w.line("[[core.triggers]]");
    w.strings("all", names);
  }
}

void write_extended(Writer& w, const ExtendedConfig& extended) {
  w.line("");
  w.line("[extended]");
  w.number("scan_interval_ms", extended.scan_interval_ms);
  w.number("scan_interval_pressure_ms", extended.scan_interval_pressure_ms);
  w.number("top_k", extended.top_k);
  w.real("growth_weight", extended.growth_weight);
  w.number("growth_window_ms", extended.growth_window_ms);
  w.boolean("priority_xattr", extended.priority_xattr);
  w.str("cgroup", extended.own_cgroup.empty() ? "" : rooted(extended.own_cgroup));
  w.number("memory_high_mib", mib(extended.memory_high_bytes));
}

void write_rule(Writer& w, const Rule& rule) {
  w.line("");
  w.line("[[rules]]");
  w.str("name", rule.name);
  if (rule.cgroup_glob) w.str("cgroup", *rule.cgroup_glob);
  if (rule.comm_regex) w.str("comm", *rule.comm_regex);
  if (rule.cmdline_regex) w.str("cmdline", *rule.cmdline_regex);
  if (rule.uid) w.number("uid", *rule.uid);
  w.str("action", name_of(internal::kActionNames, rule.action));
  if (rule.priority) w.number("priority", *rule.priority);
  if (rule.kill_mode) w.str("kill", name_of(internal::kKillModeNames, *rule.kill_mode));
}

void write_output(Writer& w, const OutputConfig& output) {
  w.line("");
  w.line("[output]");
  w.str("kill_log", output.kill_log);
  w.str("metrics_file", output.metrics_file);
  w.number("metrics_interval_ms", output.metrics_interval_ms);
  w.strings("prekill_hook", output.prekill_hook);
  w.strings("postkill_hook", output.postkill_hook);
  w.number("hook_timeout_ms", output.hook_timeout_ms);
}

}  // namespace

std::string to_toml(const Config& config) {
  Writer w;
  w.line("# oomguard: effective configuration (every key; see config/oomguard.toml for docs)");
  w.line("");
  write_core(w, config.core);
  write_extended(w, config.extended);
  write_output(w, config.extended.output);
  for (const Rule& rule : config.extended.rules) write_rule(w, rule);
  return w.take();
}

}  // namespace oomguard::config

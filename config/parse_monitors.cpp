// [[core.monitors]] and [[core.triggers]]. Given monitors replace the default monitors and
// triggers entirely; without [[core.triggers]] every monitor is its own trigger.
#include <algorithm>
#include <array>

#include "config/names.h"
#include "config/sections.h"
#include "config/validate.h"

namespace oomguard::config::internal {
namespace {

constexpr std::array<std::string_view, 8> kMonitorKeys = {
    "name", "kind", "resource", "stall", "threshold_ms", "window_ms", "cgroup", "percent"};
constexpr std::array<std::string_view, 1> kTriggerKeys = {"all"};
constexpr std::string_view kMs = "milliseconds";

// Which kinds each kind-specific key applies to, as a bit per MonitorKind.
struct KindKey {
  std::string_view key;
  unsigned kinds;
  std::string_view kinds_text;
};
constexpr unsigned bit(MonitorKind kind) { return 1U << static_cast<unsigned>(kind); }
constexpr unsigned kPressureBit = bit(MonitorKind::kPressure);
constexpr unsigned kPercentBits =
    bit(MonitorKind::kMemAvailable) | bit(MonitorKind::kSwapFree) | bit(MonitorKind::kCgroupUsage);
constexpr std::array<KindKey, 6> kKindKeys = {{
    {"resource", kPressureBit, "pressure"},
    {"stall", kPressureBit, "pressure"},
    {"threshold_ms", kPressureBit, "pressure"},
    {"window_ms", kPressureBit, "pressure"},
    {"cgroup", kPressureBit | bit(MonitorKind::kCgroupUsage), "pressure and cgroup_usage"},
    {"percent", kPercentBits, "mem_available, swap_free and cgroup_usage"},
}};

// Names of every [[core.monitors]] entry in order (empty when unreadable), with the line of each
// for duplicate messages. Triggers resolve against these.
struct MonitorNames {
  std::vector<std::string> names;
  std::vector<std::uint32_t> lines;
};

void parse_name(TableReader& reader, MonitorNames& seen, MonitorConfig& monitor) {
  std::string name;
  const Read read = reader.string("name", name);
  seen.lines.push_back(static_cast<std::uint32_t>(reader.table_where().begin.line));
  seen.names.emplace_back();
  if (read == Read::kAbsent) reader.missing("name");
  if (read != Read::kOk) return;
  const std::string problem = check_monitor_name(name);
  if (!problem.empty()) {
    reader.error("name", problem + ", got " + quoted(name));
    return;
  }
  for (std::size_t i = 0; i + 1 < seen.names.size(); ++i) {
    if (seen.names[i] == name) {
      reader.error("name", "duplicate monitor name " + quoted(name) + " (first defined at line " +
                               std::to_string(seen.lines[i]) + ")");
      return;
    }
  }
  seen.names.back() = name;
  monitor.name.assign(name);
}

// The pressure keys. `known` = the kind is pressure (required keys are enforced); otherwise the
// kind is unknown and present keys are only type/range checked.
void parse_pressure(TableReader& reader, bool known, MonitorConfig& monitor) {
  std::size_t index = 0;
  if (reader.choice("resource", kResourceNames, index) == Read::kOk) {
    monitor.resource = static_cast<PressureResource>(index);
  }
  const Read stall = reader.choice("stall", kStallNames, index);
  if (stall == Read::kOk) monitor.stall = static_cast<StallKind>(index);
  const Read window = reader.integer_as("window_ms", {500, 10000, kMs}, monitor.window_ms);
  const Read threshold = reader.integer_as("threshold_ms", {1, 9999, kMs}, monitor.threshold_ms);
  std::string cgroup;
  if (read_cgroup(reader, "cgroup", "", cgroup) == Read::kOk) monitor.cgroup.assign(cgroup);
  if (!known) return;
  if (stall == Read::kAbsent) reader.missing("stall");
  if (window == Read::kAbsent) reader.missing("window_ms");
  if (threshold == Read::kAbsent) reader.missing("threshold_ms");
  if (window == Read::kOk && threshold == Read::kOk) {
    check_order(reader, {.low_key = "threshold_ms",
                         .low = monitor.threshold_ms,
                         .low_read = threshold,
                         .high_key = "window_ms",
                         .high = monitor.window_ms,
                         .high_read = window,
                         .strict = true,
                         .report_at_low = true});
  }
}

void parse_percent_kinds(TableReader& reader, bool known, MonitorConfig& monitor) {
  const Read percent = reader.percent("percent", monitor.percent);
  if (known && percent == Read::kAbsent) reader.missing("percent");
  if (!known || monitor.kind != MonitorKind::kCgroupUsage) return;
  std::string cgroup;
  const Read read = read_cgroup(
      reader, "cgroup", "must name a cgroup below the root (the root has no memory limit)", cgroup);
  if (read == Read::kAbsent) reader.missing("cgroup");
  if (read == Read::kOk) monitor.cgroup.assign(cgroup);
}

// Reports keys that do not apply to the monitor's kind.
void check_kind_keys(TableReader& reader, MonitorKind kind) {
  for (const KindKey& entry : kKindKeys) {
    if (!reader.has(entry.key) || (entry.kinds & bit(kind)) != 0) continue;
    reader.error(entry.key, "does not apply to a monitor of kind " +
                                quoted(name_of(kMonitorKindNames, kind)) + " (only to " +
                                std::string(entry.kinds_text) + ")");
  }
}

void parse_monitor(TableReader& reader, MonitorNames& seen, MonitorConfig& monitor) {
  parse_name(reader, seen, monitor);
  std::size_t kind_index = 0;
  const Read kind = reader.choice("kind", kMonitorKindNames, kind_index);
  if (kind == Read::kAbsent) reader.missing("kind");
  if (kind != Read::kOk) {
    parse_pressure(reader, false, monitor);  // type/range checks of whatever is present
    parse_percent_kinds(reader, false, monitor);
  } else {
    monitor.kind = static_cast<MonitorKind>(kind_index);
    check_kind_keys(reader, monitor.kind);
    if (monitor.kind == MonitorKind::kPressure) {
      parse_pressure(reader, true, monitor);
    } else {
      parse_percent_kinds(reader, true, monitor);
    }
  }
  reader.report_unknown();
}

// Returns the names of all entries (for triggers); fills core.monitors.
MonitorNames parse_monitors(TableReader& core_reader, Read read,
                            const std::vector<const toml::table*>& tables, CoreConfig& core) {
  MonitorNames seen;
  core.monitors.clear();
  if (read == Read::kOk && tables.empty()) {
    core_reader.error("monitors",
                      "at least one monitor is required (leave out "
                      "[[core.monitors]] for the defaults)");
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (tables[i] == nullptr) {  // wrongly typed element, already reported
      seen.names.emplace_back();
      seen.lines.push_back(0);
      continue;
    }
    TableReader reader(*tables[i], core_reader.key_path("monitors[" + std::to_string(i) + "]"),
                       kMonitorKeys, core_reader.diag());
    MonitorConfig monitor{};
    parse_monitor(reader, seen, monitor);
    if (i == kMaxMonitors) {
      core_reader.diag().add(tables[i]->source(), reader.path(),
                             "too many monitors: at most " + std::to_string(kMaxMonitors) +
                                 ", got " + std::to_string(tables.size()));
    }
    core.monitors.push_back(monitor);  // refuses beyond capacity, reported above
  }
  return seen;
}

void parse_trigger_terms(TableReader& reader, const MonitorNames& monitors,
                         TriggerConfig& trigger) {
  std::vector<StringItem> terms;
  const Read read = reader.strings("all", terms);
  if (read == Read::kAbsent) reader.missing("all");
  if (read != Read::kOk) return;
  if (terms.empty() || terms.size() > kMaxTriggerTerms) {
    reader.error("all", "must name 1 to " + std::to_string(kMaxTriggerTerms) +
                            " monitors (all must fire), got " + std::to_string(terms.size()));
    return;
  }
  std::vector<std::string_view> candidates;
  for (const std::string& name : monitors.names) {
    if (!name.empty()) candidates.push_back(name);
  }
  for (std::size_t t = 0; t < terms.size(); ++t) {
    const std::string key = reader.key_path("all[" + std::to_string(t) + "]");
    const std::string& name = terms[t].value;
    std::size_t index = 0;
    while (index < monitors.names.size() && monitors.names[index] != name) ++index;
    if (name.empty() || index == monitors.names.size()) {
      reader.diag().add(*terms[t].where, key,
                        "unknown monitor " + quoted(name) + did_you_mean(name, candidates, '"'));
    } else if (std::find(trigger.monitors.begin(), trigger.monitors.end(), index) !=
               trigger.monitors.end()) {
      reader.diag().add(*terms[t].where, key, "monitor " + quoted(name) + " is listed twice");
    } else if (index < kMaxMonitors) {
      trigger.monitors.push_back(static_cast<std::uint8_t>(index));
    }
  }
}

void parse_triggers(TableReader& core_reader, Read read,
                    const std::vector<const toml::table*>& tables, const MonitorNames& monitors,
                    CoreConfig& core) {
  core.triggers.clear();
  if (read == Read::kOk && tables.empty()) {
    core_reader.error("triggers",
                      "at least one trigger is required (leave out "
                      "[[core.triggers]] to make every monitor its own trigger)");
  }
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (tables[i] == nullptr) continue;
    TableReader reader(*tables[i], core_reader.key_path("triggers[" + std::to_string(i) + "]"),
                       kTriggerKeys, core_reader.diag());
    TriggerConfig trigger{};
    parse_trigger_terms(reader, monitors, trigger);
    reader.report_unknown();
    if (i == kMaxTriggers) {
      core_reader.diag().add(tables[i]->source(), reader.path(),
                             "too many triggers: at most " + std::to_string(kMaxTriggers) +
                                 ", got " + std::to_string(tables.size()));
    }
    core.triggers.push_back(trigger);
  }
}

// Without [[core.triggers]]: one trigger per monitor.
void implicit_triggers(TableReader& core_reader, CoreConfig& core) {
  core.triggers.clear();
  for (std::size_t i = 0; i < core.monitors.size(); ++i) {
    TriggerConfig trigger{};
    trigger.monitors.push_back(static_cast<std::uint8_t>(i));
    if (!core.triggers.push_back(trigger)) {
      core_reader.diag().add(core_reader.where("monitors"), core_reader.key_path("triggers"),
                             "required with more than " + std::to_string(kMaxTriggers) +
                                 " monitors: without [[core.triggers]] every monitor is its own "
                                 "trigger, and at most " +
                                 std::to_string(kMaxTriggers) + " triggers fit");
      return;
    }
  }
}

MonitorNames names_of(const CoreConfig& core) {
  MonitorNames names;
  for (const MonitorConfig& monitor : core.monitors) {
    names.names.emplace_back(monitor.name.view());
    names.lines.push_back(0);
  }
  return names;
}

}  // namespace

void parse_monitors_and_triggers(TableReader& core_reader, CoreConfig& core) {
  std::vector<const toml::table*> monitor_tables;
  const Read monitors_read = core_reader.tables("monitors", monitor_tables);
  MonitorNames names = names_of(core);
  if (monitors_read != Read::kAbsent) {
    names = parse_monitors(core_reader, monitors_read, monitor_tables, core);
  }

  std::vector<const toml::table*> trigger_tables;
  const Read triggers_read = core_reader.tables("triggers", trigger_tables);
  if (triggers_read != Read::kAbsent) {
    parse_triggers(core_reader, triggers_read, trigger_tables, names, core);
  } else if (monitors_read != Read::kAbsent) {
    implicit_triggers(core_reader, core);
  }
}

}  // namespace oomguard::config::internal

// [extended], [[rules]] and [output]: the policy and outputs of oomguard-extended.
#include <array>

#include "config/names.h"
#include "config/sections.h"
#include "config/validate.h"

namespace oomguard::config::internal {
namespace {

constexpr std::array<std::string_view, 8> kExtendedKeys = {"scan_interval_ms",
                                                           "scan_interval_pressure_ms",
                                                           "top_k",
                                                           "growth_weight",
                                                           "growth_window_ms",
                                                           "priority_xattr",
                                                           "cgroup",
                                                           "memory_high_mib"};
constexpr std::array<std::string_view, 8> kRuleKeys = {"name", "cgroup", "comm",     "cmdline",
                                                       "uid",  "action", "priority", "kill"};
constexpr std::array<std::string_view, 6> kOutputKeys = {
    "kill_log",     "metrics_file",  "metrics_interval_ms",
    "prekill_hook", "postkill_hook", "hook_timeout_ms"};
constexpr std::string_view kMs = "milliseconds";
constexpr std::size_t kMaxFilePathBytes = 4095;  // PATH_MAX - 1

// cgroup, comm and cmdline of a rule.
void parse_rule_matchers(TableReader& reader, Rule& rule) {
  std::string text;
  if (reader.string("cgroup", text) == Read::kOk) {
    const std::string problem = check_cgroup_glob(text);
    if (problem.empty()) {
      rule.cgroup_glob = text;
    } else {
      reader.error("cgroup", "invalid glob " + quoted(text) + ": " + problem);
    }
  }
  for (const std::string_view key : {std::string_view("comm"), std::string_view("cmdline")}) {
    if (reader.string(key, text) != Read::kOk) continue;
    const std::string problem = check_regex(text);
    if (!problem.empty()) {
      reader.error(key, quoted(text) + ": " + problem);
    } else if (key == "comm") {
      rule.comm_regex = text;
    } else {
      rule.cmdline_regex = text;
    }
  }
  std::uint32_t uid = 0;
  if (reader.integer_as("uid", {0, 4294967294, "user id"}, uid) == Read::kOk) rule.uid = uid;
}

void check_rule_conflicts(TableReader& reader, const Rule& rule) {
  const std::string action = quoted(name_of(kActionNames, rule.action));
  if (rule.action == RuleAction::kProtect) {
    if (reader.has("priority")) {
      reader.error("priority", "conflicts with action = " + action +
                                   " (a protected process is never a victim)");
    }
    if (reader.has("kill")) {
      reader.error(
          "kill", "conflicts with action = " + action + " (a protected process is never a victim)");
    }
  } else if (rule.action != RuleAction::kRank && reader.has("priority")) {
    reader.error("priority", "conflicts with action = " + action +
                                 " (it sets the priority itself; use action = \"rank\" to give "
                                 "one)");
  }
}

void parse_rule(TableReader& reader, std::size_t index, Rule& rule) {
  rule.name = "rules[" + std::to_string(index) + "]";
  std::string name;
  if (reader.string("name", name) == Read::kOk) {
    if (name.empty()) {
      reader.error("name", "must not be empty (leave it out for \"" + rule.name + "\")");
    } else {
      rule.name = name;
    }
  }
  parse_rule_matchers(reader, rule);
  if (!reader.has("cgroup") && !reader.has("comm") && !reader.has("cmdline") &&
      !reader.has("uid")) {
    reader.diag().add(reader.table_where(), reader.path(),
                      "a rule needs at least one matcher: cgroup, comm, cmdline or uid");
  }
  std::size_t choice = 0;
  const Read action = reader.choice("action", kActionNames, choice);
  if (action == Read::kOk) rule.action = static_cast<RuleAction>(choice);
  int priority = 0;
  if (reader.integer_as("priority", {kPriorityMin, kPriorityMax, "lower is killed first"},
                        priority) == Read::kOk) {
    rule.priority = priority;
  }
  if (reader.choice("kill", kKillModeNames, choice) == Read::kOk) {
    rule.kill_mode = static_cast<KillMode>(choice);
  }
  if (action != Read::kInvalid) check_rule_conflicts(reader, rule);
  reader.report_unknown();
}

void parse_hook(TableReader& reader, std::string_view key, std::vector<std::string>& out) {
  std::vector<StringItem> argv;
  if (reader.strings(key, argv) != Read::kOk) return;
  if (!argv.empty() && (argv[0].value.empty() || argv[0].value.front() != '/')) {
    reader.diag().add(*argv[0].where, reader.key_path(std::string(key) + "[0]"),
                      "the program must be an absolute path, got " + quoted(argv[0].value));
    return;
  }
  out.clear();
  for (StringItem& item : argv) {
    if (item.value.find('\0') != std::string::npos) {
      reader.diag().add(*item.where, reader.key_path(key), "an argument contains a NUL byte");
      return;
    }
    out.push_back(std::move(item.value));
  }
}

}  // namespace

void parse_extended(const toml::table& table, Diagnostics& diag, ExtendedConfig& extended) {
  TableReader reader(table, "extended", kExtendedKeys, diag);
  const Read scan =
      reader.integer_as("scan_interval_ms", {100, 60000, kMs}, extended.scan_interval_ms);
  const Read pressure = reader.integer_as("scan_interval_pressure_ms", {50, 60000, kMs},
                                          extended.scan_interval_pressure_ms);
  check_order(reader, {.low_key = "scan_interval_pressure_ms",
                       .low = extended.scan_interval_pressure_ms,
                       .low_read = pressure,
                       .high_key = "scan_interval_ms",
                       .high = extended.scan_interval_ms,
                       .high_read = scan,
                       .report_at_low = true});
  reader.integer_as("top_k", {1, 256, "entries"}, extended.top_k);
  reader.number("growth_weight", 0.0, 100.0, extended.growth_weight);
  reader.integer_as("growth_window_ms", {1000, 3600000, kMs}, extended.growth_window_ms);
  reader.boolean("priority_xattr", extended.priority_xattr);
  std::string cgroup;
  if (reader.string("cgroup", cgroup) == Read::kOk) {
    if (cgroup.empty()) {
      extended.own_cgroup.clear();
    } else if (read_cgroup(reader, "cgroup",
                           "must name a cgroup below the root (\"\" keeps extended where it was "
                           "started)",
                           cgroup) == Read::kOk) {
      extended.own_cgroup = cgroup;
    }
  }
  std::uint64_t high_mib = 0;
  if (reader.integer_as("memory_high_mib", {0, 1048576, "MiB, 0 = unset"}, high_mib) == Read::kOk) {
    extended.memory_high_bytes = high_mib << 20;
  }
  reader.report_unknown();
}

void parse_rules(TableReader& root_reader, std::vector<Rule>& rules) {
  std::vector<const toml::table*> tables;
  if (root_reader.tables("rules", tables) == Read::kAbsent) return;
  rules.clear();
  for (std::size_t i = 0; i < tables.size(); ++i) {
    if (tables[i] == nullptr) continue;
    TableReader reader(*tables[i], "rules[" + std::to_string(i) + "]", kRuleKeys,
                       root_reader.diag());
    Rule rule;
    parse_rule(reader, i, rule);
    rules.push_back(std::move(rule));
  }
}

void parse_output(const toml::table& table, Diagnostics& diag, OutputConfig& output) {
  TableReader reader(table, "output", kOutputKeys, diag);
  read_optional_path(reader, "kill_log", kMaxFilePathBytes, output.kill_log);
  read_optional_path(reader, "metrics_file", kMaxFilePathBytes, output.metrics_file);
  reader.integer_as("metrics_interval_ms", {1000, 600000, kMs}, output.metrics_interval_ms);
  parse_hook(reader, "prekill_hook", output.prekill_hook);
  parse_hook(reader, "postkill_hook", output.postkill_hook);
  reader.integer_as("hook_timeout_ms", {100, 600000, kMs}, output.hook_timeout_ms);
  reader.report_unknown();
}

}  // namespace oomguard::config::internal

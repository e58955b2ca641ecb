// [core]: everything oomguard-core needs, except [[core.monitors]] / [[core.triggers]]
// (parse_monitors.cpp).
#include <array>

#include "config/names.h"
#include "config/sections.h"
#include "config/validate.h"

namespace oomguard::config::internal {
namespace {

constexpr std::array<std::string_view, 27> kCoreKeys = {
    "scope",
    "proc_root",
    "cgroup2_root",
    "memcg_v1_root",
    "own_cgroup",
    "memory_min_mib",
    "sched_fifo_priority",
    "oom_score_adj",
    "require_protections",
    "monitors",
    "triggers",
    "poll_min_ms",
    "poll_max_ms",
    "release_timeout_ms",
    "cooldown_ms",
    "ranking_stale_ms",
    "fallback",
    "fallback_max_procs",
    "protected_comms",
    "protected_cgroups",
    "dry_run",
    "kmsg",
    "process_mrelease",
    "extended",
    "extended_path",
    "extended_restart_min_ms",
    "extended_restart_max_ms",
};

constexpr std::string_view kMs = "milliseconds";

void parse_root_path(TableReader& reader, std::string_view key, bool allow_none, Path& out) {
  std::string text;
  if (reader.string(key, text) != Read::kOk) return;
  const std::string problem = check_root_path(text, allow_none);
  if (!problem.empty()) {
    reader.error(key, problem + ", got " + quoted(text));
    return;
  }
  assign_fixed(reader, key, text, out);
}

void parse_location(TableReader& reader, CoreConfig& core) {
  std::string path;
  if (read_cgroup(reader, "scope", "", path) == Read::kOk) {
    assign_fixed(reader, "scope", path, core.scope);
  }
  parse_root_path(reader, "proc_root", false, core.proc_root);
  parse_root_path(reader, "cgroup2_root", false, core.cgroup2_root);
  parse_root_path(reader, "memcg_v1_root", true, core.memcg_v1_root);
}

void parse_self_protection(TableReader& reader, CoreConfig& core) {
  std::string own;
  if (reader.string("own_cgroup", own) == Read::kOk) {
    std::string stored;
    if (own.empty()) {
      core.own_cgroup.assign("");
    } else if (read_cgroup(reader, "own_cgroup",
                           "must name a cgroup below the root (\"\" keeps the core where it was "
                           "started)",
                           stored) == Read::kOk) {
      assign_fixed(reader, "own_cgroup", stored, core.own_cgroup);
    }
  }
  std::uint64_t min_mib = 0;
  if (reader.integer_as("memory_min_mib", {0, 4096, "MiB"}, min_mib) == Read::kOk) {
    core.memory_min_bytes = min_mib << 20;
  }
  reader.integer_as("sched_fifo_priority", {0, 99, "0 = off"}, core.sched_fifo_priority);
  reader.integer_as("oom_score_adj", {-1000, 1000, ""}, core.oom_score_adj);
  reader.boolean("require_protections", core.require_protections);
}

void parse_timing(TableReader& reader, CoreConfig& core) {
  const Read min_read = reader.integer_as("poll_min_ms", {10, 1000, kMs}, core.poll_min_ms);
  const Read max_read = reader.integer_as("poll_max_ms", {10, 10000, kMs}, core.poll_max_ms);
  check_order(reader, {.low_key = "poll_min_ms",
                       .low = core.poll_min_ms,
                       .low_read = min_read,
                       .high_key = "poll_max_ms",
                       .high = core.poll_max_ms,
                       .high_read = max_read});
  reader.integer_as("release_timeout_ms", {100, 60000, kMs}, core.release_timeout_ms);
  reader.integer_as("cooldown_ms", {0, 600000, kMs}, core.cooldown_ms);
}

void parse_protected_comms(TableReader& reader, CoreConfig& core) {
  std::vector<StringItem> comms;
  if (reader.strings("protected_comms", comms) == Read::kAbsent) return;
  core.protected_comms.clear();
  for (std::size_t i = 0; i < comms.size(); ++i) {
    const std::string key = reader.key_path("protected_comms[" + std::to_string(i) + "]");
    const std::string& comm = comms[i].value;
    Comm value;
    if (comm.empty() || !value.assign(comm)) {
      reader.diag().add(*comms[i].where, key,
                        "a comm must be 1 to " + std::to_string(Comm::kCapacity) +
                            " bytes (the kernel truncates names to 15), got " +
                            std::to_string(comm.size()) + " bytes: " + quoted(comm));
    } else if (!core.protected_comms.push_back(value)) {
      reader.diag().add(*comms[i].where, key,
                        "too many entries: at most " + std::to_string(kMaxProtectedComms));
      return;
    }
  }
}

void parse_protected_cgroups(TableReader& reader, CoreConfig& core) {
  std::vector<StringItem> cgroups;
  if (reader.strings("protected_cgroups", cgroups) == Read::kAbsent) return;
  core.protected_cgroups.clear();
  for (std::size_t i = 0; i < cgroups.size(); ++i) {
    const std::string key = reader.key_path("protected_cgroups[" + std::to_string(i) + "]");
    std::string stored;
    if (!check_cgroup(reader.diag(), *cgroups[i].where, key, cgroups[i].value,
                      "\"/\" would protect every process", stored)) {
      continue;
    }
    Path path;
    path.assign(stored);  // fits: check_cgroup bounds the length
    if (!core.protected_cgroups.push_back(path)) {
      reader.diag().add(*cgroups[i].where, key,
                        "too many entries: at most " + std::to_string(kMaxProtectedCgroups));
      return;
    }
  }
}

void parse_victims(TableReader& reader, CoreConfig& core) {
  reader.integer_as("ranking_stale_ms", {1000, 600000, kMs}, core.ranking_stale_ms);
  std::size_t fallback = 0;
  if (reader.choice("fallback", kFallbackNames, fallback) == Read::kOk) {
    core.fallback = static_cast<FallbackPolicy>(fallback);
  }
  reader.integer_as("fallback_max_procs", {1, 4194304, "processes"}, core.fallback_max_procs);
  parse_protected_comms(reader, core);
  parse_protected_cgroups(reader, core);
  reader.boolean("dry_run", core.dry_run);
  reader.boolean("kmsg", core.kmsg);
  reader.boolean("process_mrelease", core.process_mrelease);
}

void parse_extended_process(TableReader& reader, CoreConfig& core) {
  reader.boolean("extended", core.run_extended);
  std::string path;
  if (read_optional_path(reader, "extended_path", kPathBytes - 1, path) == Read::kOk) {
    core.extended_path.assign(path);
  }
  const Read min_read =
      reader.integer_as("extended_restart_min_ms", {100, 60000, kMs}, core.extended_restart_min_ms);
  const Read max_read = reader.integer_as("extended_restart_max_ms", {100, 600000, kMs},
                                          core.extended_restart_max_ms);
  check_order(reader, {.low_key = "extended_restart_min_ms",
                       .low = core.extended_restart_min_ms,
                       .low_read = min_read,
                       .high_key = "extended_restart_max_ms",
                       .high = core.extended_restart_max_ms,
                       .high_read = max_read});
}

}  // namespace

void parse_core(const toml::table& table, Diagnostics& diag, CoreConfig& core) {
  TableReader reader(table, "core", kCoreKeys, diag);
  parse_location(reader, core);
  parse_self_protection(reader, core);
  parse_timing(reader, core);
  parse_victims(reader, core);
  parse_extended_process(reader, core);
  parse_monitors_and_triggers(reader, core);
  reader.report_unknown();
}

}  // namespace oomguard::config::internal

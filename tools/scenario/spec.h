// tools/scenario/spec: the incident scenarios of issue 6 as plain data — sandbox layout, the hog
// workloads, the oomguard configuration — and the modes they run under (the kernel alone,
// oomguard, and oomguard with faults injected into itself).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/scenario/zram.h"

namespace oomguard::scenario {

enum class Mode {
  kKernel,             // no daemon: the memcg OOM killer or nothing acts
  kOomguard,           // oomguard-core + oomguard-extended
  kExtendedStopped,    // ... extended SIGSTOPped at the incident's onset (see fault_after_s)
  kExtendedKilled,     // ... extended SIGKILLed at the onset (core restarts it)
  kExtendedThrashing,  // ... extended placed in the thrashing cgroup ([extended] cgroup)
  kCoreAlone,          // oomguard-core --no-extended (fallback choice)
  kDryRun,             // oomguard-core --dry-run (with extended)
};

// The thrash scenarios' monitor: PSI "full" of at least this much within 1 s on the sandbox.
inline constexpr double kThrashFullThresholdMs = 100;

std::string_view mode_name(Mode mode);
std::optional<Mode> parse_mode(std::string_view name);
bool mode_runs_daemon(Mode mode);
bool mode_runs_extended(Mode mode);

// A cgroup below the sandbox (both hierarchies on hybrid hosts).
struct CgroupSpec {
  std::string name;
  std::uint64_t limit_mib = 0;  // 0 = bounded by the sandbox's limit only
};

// One hog process. Its comm is its role name.
struct RoleSpec {
  std::string name;
  std::string cgroup;             // a CgroupSpec name
  std::vector<std::string> args;  // hog mode arguments; "{run}" = the run's directory
  bool before_incident = false;   // started first; the incident starts once it holds its memory
  bool target = false;            // the incident is over when every target has ended
  bool must_survive = false;      // its death is a wrong victim
};

// Text substituted in the TOML fragments: "{sb}" = the sandbox's '/'-rooted cgroup path.
struct ScenarioSpec {
  int number = 0;
  std::string key;    // "thrash", "build-storm", ...
  std::string title;  // one line for reports
  Mode mode = Mode::kOomguard;
  std::uint64_t limit_mib = 0;  // the sandbox ("the machine") during the incident
  // 0: the limit is limit_mib from the start. Else the sandbox starts with this larger limit,
  // so the workload runs without pressure (and oomguard ranks it), and the incident starts by
  // lowering it to limit_mib: "sustained pressure" on a running workload.
  std::uint64_t start_limit_mib = 0;
  std::uint64_t swap_mib = 0;  // swap allowed on top (memsw); needs zram
  std::vector<CgroupSpec> cgroups;
  std::vector<RoleSpec> roles;
  std::string canary_cgroup = "canary";
  std::string core_toml;                  // extra [core] keys
  std::string monitors_toml;              // [[core.monitors]] (and [[core.triggers]]) tables
  std::string extended_toml;              // extra [extended] keys
  std::string rules_toml;                 // [[rules]] tables
  std::string thrashing_cgroup = "work";  // extended's cgroup in kExtendedThrashing
  std::optional<ZramParams> zram;         // a zram swap for the run
  // Faults (ext-stopped, ext-killed) are injected at the PSI onset, or this long after the
  // incident started if there is no onset by then (an incident that builds up without stalls,
  // like the build storm's anon growth).
  double fault_after_s = 2;
  double timeout_s = 60;  // from the incident's start until every target ended
  double settle_s = 3;    // watched after the targets ended (a second kill would show here)
};

// Scenarios 1..10 of issue 6: 1 thrash, 2 build-storm, 3 priorities, 4 spike, 5-8 the thrash
// with a fault / dry run (mode set), 9 swap-thrash (zram), 10 leak; and 11 sudden (a thrash that
// starts before any ranking can know it). Nullopt for other numbers.
std::optional<ScenarioSpec> scenario(int number);
// By key ("thrash", "build-storm", "swap-thrash", ...), in its default mode.
std::optional<ScenarioSpec> scenario_by_key(std::string_view key);

// The complete oomguard configuration of one run.
struct ConfigParams {
  const ScenarioSpec* spec = nullptr;
  Mode mode = Mode::kOomguard;
  std::string sandbox_cgroup;  // '/'-rooted, e.g. "/oomguard-e2e-1234-1/sb"
  std::string kill_log_path;
};
std::string render_config(const ConfigParams& params);

// Replaces every "{key}" in text.
std::string substitute(std::string text, std::string_view key, std::string_view value);

}  // namespace oomguard::scenario

// The scenarios' parameters. Sizes follow the host probe: a file thrash needs the working set
// only slightly above the memory available (300 MiB re-read in 256 MiB); anon growth into a
// limit without swap gives almost no PSI, so the anon scenarios also watch the sandbox's usage.
#include <array>
#include <initializer_list>
#include <utility>

#include "tools/scenario/spec.h"

namespace oomguard::scenario {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// The thrash monitor: PSI "full" kThrashFullThresholdMs within 1 s on the sandbox (core's
// default thresholds, scoped to the sandbox instead of the whole machine).
std::string full_monitor() {
  return R"([[core.monitors]]
name = "sandbox_full"
kind = "pressure"
stall = "full"
threshold_ms = )" +
         std::to_string(static_cast<int>(kThrashFullThresholdMs)) + R"(
window_ms = 1000
cgroup = "{sb}"
)";
}

std::string usage_monitor(int percent) {
  return std::string(R"([[core.monitors]]
name = "sandbox_usage"
kind = "cgroup_usage"
cgroup = "{sb}"
percent = )") +
         std::to_string(percent) + "\n";
}

std::vector<CgroupSpec> cgroups(std::initializer_list<const char*> names) {
  std::vector<CgroupSpec> out;
  for (const char* name : names) {
    CgroupSpec c;
    c.name = name;
    out.push_back(c);
  }
  return out;
}

enum RoleFlag : unsigned { kBefore = 1, kTarget = 2, kMustSurvive = 4 };

RoleSpec role(const char* name, const char* cgroup, std::vector<std::string> args, unsigned flags) {
  RoleSpec r;
  r.name = name;
  r.cgroup = cgroup;
  r.args = std::move(args);
  r.before_incident = (flags & kBefore) != 0;
  r.target = (flags & kTarget) != 0;
  r.must_survive = (flags & kMustSurvive) != 0;
  return r;
}

ScenarioSpec base(int number, const char* key, const char* title, std::uint64_t limit_mib) {
  ScenarioSpec s;
  s.number = number;
  s.key = key;
  s.title = title;
  s.limit_mib = limit_mib;
  s.monitors_toml = full_monitor();
  return s;
}

ScenarioSpec thrash() {
  ScenarioSpec s = base(1, "thrash",
                        "page-cache thrash: a 300 MiB file re-read, the sandbox drops from 512 to "
                        "256 MiB",
                        256);
  s.start_limit_mib = 512;
  s.cgroups = cgroups({"work", "canary"});
  s.roles = {role("thrash", "work",
                  {"thrash", "--file-mib", "300", "--file", "{run}/thrash.dat", "--remove",
                   "--duration-s", "40"},
                  kBefore | kTarget)};
  s.timeout_s = 30;
  return s;
}

ScenarioSpec build_storm() {
  ScenarioSpec s = base(2, "build-storm",
                        "protected 200 MiB session + 6 workers x 60 MiB in a 512 MiB sandbox", 512);
  s.cgroups = cgroups({"session", "work", "canary"});
  s.roles = {
      role("session", "session", {"anon", "--total-mib", "200", "--hold"}, kBefore | kMustSurvive),
      role("make", "work",
           {"fanout", "--workers", "6", "--worker-mib", "60", "--rate-mib", "5", "--worker-comm",
            "cc1", "--hold-s", "5"},
           kTarget)};
  s.core_toml = "protected_cgroups = [\"{sb}/session\"]\n";
  s.monitors_toml = full_monitor() + usage_monitor(90);
  s.timeout_s = 60;
  return s;
}

ScenarioSpec priorities() {
  ScenarioSpec s = base(3, "priorities",
                        "a low-priority 215 MiB file thrash next to a larger high-priority 256 MiB "
                        "job, the sandbox drops from 640 to 448 MiB",
                        448);
  s.start_limit_mib = 640;
  s.cgroups = cgroups({"high", "low", "canary"});
  s.roles = {role("high", "high", {"anon", "--total-mib", "256", "--hold"}, kBefore | kMustSurvive),
             role("low", "low",
                  {"thrash", "--file-mib", "215", "--file", "{run}/thrash.dat", "--remove",
                   "--duration-s", "40"},
                  kBefore | kTarget)};
  s.rules_toml = R"([[rules]]
name = "batch"
cgroup = "{sb}/low"
priority = 100

[[rules]]
name = "important"
cgroup = "{sb}/high"
priority = 900
)";
  s.timeout_s = 30;
  return s;
}

ScenarioSpec spike() {
  ScenarioSpec s = base(
      4, "spike", "5 spikes of 200 MiB held 1 s in a 256 MiB sandbox (must not be killed)", 256);
  s.cgroups = cgroups({"work", "canary"});
  s.roles = {
      role("spike", "work",
           {"spike", "--mib", "200", "--hold-ms", "1000", "--repeat", "5", "--every-ms", "2000"},
           kTarget)};
  s.timeout_s = 45;
  return s;
}

ScenarioSpec swap_thrash() {
  ScenarioSpec s = base(9, "swap-thrash",
                        "448 MiB allocated at 64 MiB/s and rewritten in a 256 MiB sandbox with "
                        "384 MiB of zram swap",
                        256);
  s.swap_mib = 384;
  s.cgroups = cgroups({"work", "canary"});
  s.roles = {role("swapper", "work",
                  {"anon", "--total-mib", "448", "--rate-mib", "64", "--retouch", "--hold-s", "60"},
                  kTarget)};
  s.zram = ZramParams{.disksize_bytes = 512 * kMiB, .mem_limit_bytes = 256 * kMiB};
  s.timeout_s = 30;
  return s;
}

ScenarioSpec leak() {
  ScenarioSpec s =
      base(10, "leak", "20 MiB/s leaker next to a static 250 MiB process, 512 MiB sandbox", 512);
  s.cgroups = cgroups({"static", "leak", "canary"});
  s.roles = {
      role("static", "static", {"anon", "--total-mib", "250", "--hold"}, kBefore | kMustSurvive),
      role("leaker", "leak", {"leak", "--rate-mib", "20"}, kTarget)};
  s.monitors_toml = full_monitor() + usage_monitor(80);
  s.timeout_s = 45;
  return s;
}

// Not one of issue 6's ten: a process that starts and thrashes at once (it writes its file into
// the full sandbox, then re-reads it), within one extended scan interval — before any ranking
// can know it. Kept to reproduce what oomguard does then (see docs/benchmarks.md).
ScenarioSpec sudden() {
  ScenarioSpec s = base(11, "sudden",
                        "a new process writes and re-reads 300 MiB in a 256 MiB sandbox at once "
                        "(before any ranking knows it)",
                        256);
  s.cgroups = cgroups({"work", "canary"});
  s.roles = {role("thrash", "work",
                  {"thrash", "--file-mib", "300", "--file", "{run}/thrash.dat", "--remove",
                   "--duration-s", "40"},
                  kTarget)};
  s.timeout_s = 30;
  return s;
}

ScenarioSpec with_mode(ScenarioSpec s, int number, Mode mode, const char* title) {
  s.number = number;
  s.mode = mode;
  s.title = title;
  return s;
}

constexpr std::array<std::pair<Mode, std::string_view>, 7> kModeNames{{
    {Mode::kKernel, "kernel"},
    {Mode::kOomguard, "oomguard"},
    {Mode::kExtendedStopped, "ext-stopped"},
    {Mode::kExtendedKilled, "ext-killed"},
    {Mode::kExtendedThrashing, "ext-thrashing"},
    {Mode::kCoreAlone, "core-alone"},
    {Mode::kDryRun, "dry-run"},
}};

}  // namespace

std::string_view mode_name(Mode mode) {
  for (const auto& [m, name] : kModeNames) {
    if (m == mode) return name;
  }
  return "?";
}

std::optional<Mode> parse_mode(std::string_view name) {
  for (const auto& [m, n] : kModeNames) {
    if (n == name) return m;
  }
  return std::nullopt;
}

bool mode_runs_daemon(Mode mode) { return mode != Mode::kKernel; }

bool mode_runs_extended(Mode mode) { return mode != Mode::kKernel && mode != Mode::kCoreAlone; }

std::optional<ScenarioSpec> scenario(int number) {
  switch (number) {
    case 1:
      return thrash();
    case 2:
      return build_storm();
    case 3:
      return priorities();
    case 4:
      return spike();
    case 5:
      return with_mode(thrash(), 5, Mode::kExtendedStopped,
                       "thrash, extended SIGSTOPped at incident onset");
    case 6:
      return with_mode(thrash(), 6, Mode::kExtendedKilled,
                       "thrash, extended SIGKILLed at incident onset");
    case 7:
      return with_mode(thrash(), 7, Mode::kExtendedThrashing,
                       "thrash, extended itself in the thrashing cgroup");
    case 8:
      return with_mode(thrash(), 8, Mode::kDryRun, "thrash under oomguard-core --dry-run");
    case 9:
      return swap_thrash();
    case 10:
      return leak();
    case 11:
      return sudden();
    default:
      return std::nullopt;
  }
}

std::optional<ScenarioSpec> scenario_by_key(std::string_view key) {
  for (int n : {1, 2, 3, 4, 9, 10, 11}) {
    std::optional<ScenarioSpec> s = scenario(n);
    if (s && s->key == key) return s;
  }
  return std::nullopt;
}

std::string substitute(std::string text, std::string_view key, std::string_view value) {
  const std::string token = "{" + std::string(key) + "}";
  for (std::size_t pos = 0; (pos = text.find(token, pos)) != std::string::npos;) {
    text.replace(pos, token.size(), value);
    pos += value.size();
  }
  return text;
}

std::string render_config(const ConfigParams& p) {
  const ScenarioSpec& s = *p.spec;
  std::string toml = "# oomguard configuration of scenario " + std::to_string(s.number) + " (" +
                     s.key + "), mode " + std::string(mode_name(p.mode)) + "\n";
  toml += "[core]\nscope = \"{sb}\"\n";
  // Leave the host as it is: no /dev/kmsg lines, no memory.min on the daemon's cgroup.
  toml += "kmsg = false\nmemory_min_mib = 0\n";
  toml += s.core_toml + "\n" + s.monitors_toml + "\n[extended]\n";
  if (p.mode == Mode::kExtendedThrashing) {
    toml += "cgroup = \"{sb}/" + s.thrashing_cgroup + "\"\n";
  }
  toml += s.extended_toml + "\n[output]\nkill_log = \"" + p.kill_log_path + "\"\n\n";
  toml += s.rules_toml;
  return substitute(toml, "sb", p.sandbox_cgroup);
}

}  // namespace oomguard::scenario

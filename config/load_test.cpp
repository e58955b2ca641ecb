// Loading valid files: the sample, defaults, every key of a non-default file, and round trips
// through to_toml.
#include "config/load.h"

#include <gtest/gtest.h>

#include "config/load_test_util.h"

namespace oomguard::config {
namespace {

using testing::load;

// Every key set to a non-default value.
constexpr std::string_view kFullConfig = R"(
[core]
scope = "/user.slice/"
proc_root = "/tmp/fake/proc"
cgroup2_root = "/tmp/fake/cgroup2"
memcg_v1_root = "none"
own_cgroup = "oomguard.slice/core"
memory_min_mib = 64
sched_fifo_priority = 0
oom_score_adj = 0
require_protections = true
poll_min_ms = 20
poll_max_ms = 200
release_timeout_ms = 3000
cooldown_ms = 0
ranking_stale_ms = 5000
fallback = "oom_score"
fallback_max_procs = 100
protected_comms = ["Xorg", "sshd"]
protected_cgroups = ["/system.slice/postgresql.service", "init.scope"]
dry_run = true
kmsg = false
process_mrelease = false
extended = false
extended_path = "/usr/local/lib/oomguard-extended"
extended_restart_min_ms = 1000
extended_restart_max_ms = 2000

[[core.monitors]]
name = "cpu_some"
kind = "pressure"
resource = "cpu"
stall = "some"
threshold_ms = 1
window_ms = 500
cgroup = "/"

[[core.monitors]]
name = "swap-low"
kind = "swap_free"
percent = 0.5

[[core.monitors]]
name = "limit"
kind = "cgroup_usage"
cgroup = "/user.slice"
percent = 100

[[core.triggers]]
all = ["limit", "swap-low", "cpu_some"]

[extended]
scan_interval_ms = 2000
scan_interval_pressure_ms = 2000
top_k = 256
growth_weight = 0
growth_window_ms = 60000
priority_xattr = false
cgroup = "/oomguard.slice/extended/"
memory_high_mib = 512

[output]
kill_log = ""
metrics_file = "/var/lib/prometheus/node-exporter/oomguard.prom"
metrics_interval_ms = 1000
prekill_hook = ["/usr/bin/logger", "-t", "oomguard \"pre\""]
postkill_hook = ["/bin/true"]
hook_timeout_ms = 100

[[rules]]
name = "batch"
cgroup = "/system.slice/batch-*.service"
action = "prefer"
kill = "group"

[[rules]]
comm = "^(cc1|cc1plus)$"
cmdline = "\\-j[0-9]+"
uid = 1000
priority = 0
kill = "process"

[[rules]]
uid = 0
action = "protect"
)";

TEST(Load, EmptyFileGivesDefaults) {
  const LoadResult result = load("");
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(*result.config, defaults());
}

TEST(Load, SampleFileParsesAndEqualsDefaults) {
  const LoadResult result = load_file(OOMGUARD_SAMPLE_CONFIG);
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  EXPECT_TRUE(result.errors.empty());
  EXPECT_EQ(result.config->core, defaults().core);
  EXPECT_EQ(result.config->extended, defaults().extended);
}

TEST(Load, DefaultValues) {
  const Config config = defaults();
  EXPECT_EQ(config.core.scope.view(), "");
  EXPECT_EQ(config.core.proc_root.view(), "auto");
  EXPECT_EQ(config.core.memory_min_bytes, 32u << 20);
  EXPECT_EQ(config.core.oom_score_adj, -1000);
  EXPECT_EQ(config.core.protected_comms.size(), 6u);
  EXPECT_EQ(config.core.protected_comms[5].view(), "sshd");
  EXPECT_EQ(config.extended.output.kill_log, "/var/log/oomguard/kills.jsonl");
  EXPECT_EQ(config.extended.scan_interval_pressure_ms, 250u);
  EXPECT_TRUE(config.extended.rules.empty());
}

void expect_full_core(const CoreConfig& core) {
  EXPECT_EQ(core.scope.view(), "user.slice");
  EXPECT_EQ(core.proc_root.view(), "/tmp/fake/proc");
  EXPECT_EQ(core.cgroup2_root.view(), "/tmp/fake/cgroup2");
  EXPECT_EQ(core.memcg_v1_root.view(), "none");
  EXPECT_EQ(core.own_cgroup.view(), "oomguard.slice/core");
  EXPECT_EQ(core.memory_min_bytes, std::uint64_t{64} << 20);
  EXPECT_EQ(core.sched_fifo_priority, 0u);
  EXPECT_EQ(core.oom_score_adj, 0);
  EXPECT_TRUE(core.require_protections);
  EXPECT_EQ(core.poll_min_ms, 20u);
  EXPECT_EQ(core.poll_max_ms, 200u);
  EXPECT_EQ(core.release_timeout_ms, 3000u);
  EXPECT_EQ(core.cooldown_ms, 0u);
  EXPECT_EQ(core.ranking_stale_ms, 5000u);
  EXPECT_EQ(core.fallback, FallbackPolicy::kOomScore);
  EXPECT_EQ(core.fallback_max_procs, 100u);
  ASSERT_EQ(core.protected_comms.size(), 2u);
  EXPECT_EQ(core.protected_comms[0].view(), "Xorg");
  ASSERT_EQ(core.protected_cgroups.size(), 2u);
  EXPECT_EQ(core.protected_cgroups[0].view(), "system.slice/postgresql.service");
  EXPECT_EQ(core.protected_cgroups[1].view(), "init.scope");
  EXPECT_TRUE(core.dry_run);
  EXPECT_FALSE(core.kmsg);
  EXPECT_FALSE(core.process_mrelease);
  EXPECT_FALSE(core.run_extended);
  EXPECT_EQ(core.extended_path.view(), "/usr/local/lib/oomguard-extended");
  EXPECT_EQ(core.extended_restart_min_ms, 1000u);
  EXPECT_EQ(core.extended_restart_max_ms, 2000u);
  ASSERT_EQ(core.monitors.size(), 3u);
  EXPECT_EQ(core.monitors[0].resource, PressureResource::kCpu);
  EXPECT_EQ(core.monitors[0].cgroup.view(), "");
  EXPECT_EQ(core.monitors[1].percent, 0.5);
  EXPECT_EQ(core.monitors[2].cgroup.view(), "user.slice");
  ASSERT_EQ(core.triggers.size(), 1u);
  ASSERT_EQ(core.triggers[0].monitors.size(), 3u);
  EXPECT_EQ(core.triggers[0].monitors[0], 2);
  EXPECT_EQ(core.triggers[0].monitors[1], 1);
  EXPECT_EQ(core.triggers[0].monitors[2], 0);
}

void expect_full_extended(const ExtendedConfig& extended) {
  EXPECT_EQ(extended.scan_interval_ms, 2000u);
  EXPECT_EQ(extended.scan_interval_pressure_ms, 2000u);
  EXPECT_EQ(extended.top_k, 256u);
  EXPECT_EQ(extended.growth_weight, 0.0);
  EXPECT_EQ(extended.growth_window_ms, 60000u);
  EXPECT_FALSE(extended.priority_xattr);
  EXPECT_EQ(extended.own_cgroup, "oomguard.slice/extended");
  EXPECT_EQ(extended.memory_high_bytes, std::uint64_t{512} << 20);
  const OutputConfig& output = extended.output;
  EXPECT_EQ(output.kill_log, "");
  EXPECT_EQ(output.metrics_file, "/var/lib/prometheus/node-exporter/oomguard.prom");
  EXPECT_EQ(output.metrics_interval_ms, 1000u);
  EXPECT_EQ(output.prekill_hook,
            (std::vector<std::string>{"/usr/bin/logger", "-t", "oomguard \"pre\""}));
  EXPECT_EQ(output.postkill_hook, std::vector<std::string>{"/bin/true"});
  EXPECT_EQ(output.hook_timeout_ms, 100u);
  ASSERT_EQ(extended.rules.size(), 3u);
  const Rule& batch = extended.rules[0];
  EXPECT_EQ(batch.name, "batch");
  EXPECT_EQ(batch.cgroup_glob, "/system.slice/batch-*.service");
  EXPECT_EQ(batch.action, RuleAction::kPrefer);
  EXPECT_EQ(batch.kill_mode, KillMode::kGroup);
  EXPECT_FALSE(batch.priority);
  const Rule& compilers = extended.rules[1];
  EXPECT_EQ(compilers.name, "rules[1]");
  EXPECT_EQ(compilers.comm_regex, "^(cc1|cc1plus)$");
  EXPECT_EQ(compilers.cmdline_regex, "\\-j[0-9]+");
  EXPECT_EQ(compilers.uid, 1000u);
  EXPECT_EQ(compilers.action, RuleAction::kRank);
  EXPECT_EQ(compilers.priority, 0);
  EXPECT_EQ(compilers.kill_mode, KillMode::kProcess);
  EXPECT_EQ(extended.rules[2].uid, 0u);
  EXPECT_EQ(extended.rules[2].action, RuleAction::kProtect);
  EXPECT_FALSE(extended.rules[2].cgroup_glob);
}

TEST(Load, EveryKeyOfANonDefaultFile) {
  const LoadResult result = load(kFullConfig);
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  expect_full_core(result.config->core);
  expect_full_extended(result.config->extended);
}

TEST(Load, RoundTripOfDefaults) {
  const std::string text = to_toml(defaults());
  const LoadResult result = load(text);
  ASSERT_TRUE(result.config) << testing::all_errors(result) << text;
  EXPECT_EQ(*result.config, defaults()) << text;
}

TEST(Load, RoundTripOfANonDefaultFile) {
  const LoadResult first = load(kFullConfig);
  ASSERT_TRUE(first.config) << testing::all_errors(first);
  const std::string text = to_toml(*first.config);
  const LoadResult second = load(text);
  ASSERT_TRUE(second.config) << testing::all_errors(second) << text;
  EXPECT_EQ(*second.config, *first.config) << text;
  EXPECT_EQ(to_toml(*second.config), text);
}

TEST(Load, RoundTripKeepsAwkwardValues) {
  Config config = defaults();
  config.core.monitors[2].percent = 0.1 + 0.2;  // not exactly representable in short decimal
  config.extended.growth_weight = 1e-7;
  config.extended.output.prekill_hook = {"/bin/echo", "tab\there", "back\\slash", "\x01", "ü"};
  config.extended.rules.push_back(Rule{.name = "quote \" name",
                                       .cgroup_glob = "/a/\\[b]",
                                       .comm_regex = std::nullopt,
                                       .cmdline_regex = "a|b",
                                       .uid = 4294967294u,
                                       .action = RuleAction::kAvoid,
                                       .priority = std::nullopt,
                                       .kill_mode = std::nullopt});
  const std::string text = to_toml(config);
  const LoadResult result = load(text);
  ASSERT_TRUE(result.config) << testing::all_errors(result) << text;
  EXPECT_EQ(*result.config, config) << text;
}

TEST(Load, ToTomlWritesEveryKey) {
  const std::string text = to_toml(defaults());
  for (const char* key :
       {"scope = \"/\"", "memory_min_mib = 32", "oom_score_adj = -1000", "fallback = \"largest\"",
        "extended = true", "[[core.monitors]]", "percent = 5.0",
        "all = [\"memory_some\", "
        "\"available_low\"]",
        "growth_weight = 1.0", "memory_high_mib = 0", "prekill_hook = []",
        "kill_log = \"/var/log/oomguard/kills.jsonl\"", "hook_timeout_ms = 10000"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
}

}  // namespace
}  // namespace oomguard::config

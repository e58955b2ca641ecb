// The hierarchical ranking on in-memory trees: pure policy, no kernel.
#include "extended/policy_rank.h"

#include <gtest/gtest.h>

#include "extended/growth.h"
#include "extended/policy_test_util.h"

namespace oomguard::extended {
namespace {

using namespace oomguard::extended::testing;  // NOLINT(google-build-using-namespace)
using V = std::vector<std::string>;

// A desktop: the session scope holds the session manager (250 MiB) that parents eight build
// workers (300..370 MiB each, 2.6 GiB together). The workers die first, the manager last.
TEST(Rank, SessionManagerIsNotKilledThroughItsChildren) {
  ScanBuilder b;
  b.cgroup("user.slice", 3000).cgroup("user.slice/session-2.scope", 3000);
  b.process("user.slice/session-2.scope", {.pid = 100, .comm = "gnome-session", .rss_mib = 250});
  for (pid_t i = 0; i < 8; ++i) {
    b.process("user.slice/session-2.scope", {.pid = 200 + i,
                                             .comm = "cc1plus",
                                             .rss_mib = 300 + 10u * static_cast<unsigned>(i),
                                             .ppid = 100});
  }
  const Ranking r = rank_of(b.scan(), test_config());
  ASSERT_EQ(r.entries.size(), 9u);
  EXPECT_EQ(order(r),
            (V{"p:207", "p:206", "p:205", "p:204", "p:203", "p:202", "p:201", "p:200", "p:100"}));
  EXPECT_EQ(r.entries.back().comm, "gnome-session");
  EXPECT_EQ(r.entries.back().badness, 250 * kMiB);  // its own RSS only
  EXPECT_EQ(r.entries.back().rss_swap_bytes, 250 * kMiB);
}

TEST(Rank, LowestPriorityCgroupFirstEvenIfSmaller) {
  ScanBuilder b;
  b.cgroup("batch", 10).cgroup("web", 5000);
  b.process("batch", {.pid = 10, .comm = "job", .rss_mib = 10});
  b.process("web", {.pid = 20, .comm = "nginx", .rss_mib = 5000});
  config::Config c = test_config();
  config::Rule batch = rule("batch");
  batch.cgroup_glob = "/batch";
  batch.priority = 100;
  c.extended.rules.push_back(batch);
  const Ranking r = rank_of(b.scan(), c);
  EXPECT_EQ(order(r), (V{"p:10", "p:20"}));
  // The cgroup-only rule also matches the processes in that cgroup (all its matchers match).
  EXPECT_EQ(r.entries[0].priority, 100);
  EXPECT_EQ(r.entries[0].reason, shm::Reason::kRule);
  EXPECT_EQ(r.entries[1].priority, 500);
  EXPECT_EQ(r.entries[1].reason, shm::Reason::kOomScoreAdj);
  // Without the rule the big one goes first.
  EXPECT_EQ(order(rank_of(b.scan(), test_config())), (V{"p:20", "p:10"}));
}

TEST(Rank, ProcessAgainstSiblingCgroupPriorities) {
  ScanBuilder b;
  b.cgroup("apps", 2000);
  b.process("apps", {.pid = 30, .comm = "app", .rss_mib = 2000});
  b.process("", {.pid = 10, .comm = "expendable", .rss_mib = 5, .adj = 1000});    // priority 0
  b.process("", {.pid = 20, .comm = "important", .rss_mib = 9000, .adj = -500});  // 750
  config::Config c = test_config();
  config::Rule apps = rule("apps");
  apps.cgroup_glob = "/apps";
  apps.priority = 100;
  c.extended.rules.push_back(apps);
  const Ranking r = rank_of(b.scan(), c);
  EXPECT_EQ(order(r), (V{"p:10", "p:30", "p:20"}));
  EXPECT_EQ(r.entries[0].priority, 0);
  EXPECT_EQ(r.entries[0].reason, shm::Reason::kOomScoreAdj);
  EXPECT_EQ(r.entries[2].priority, 750);
}

TEST(Rank, TiesBrokenByRssThenPid) {
  ScanBuilder b;
  b.process("", {.pid = 40, .comm = "a", .rss_mib = 100});
  b.process("", {.pid = 30, .comm = "b", .rss_mib = 300});
  b.process("", {.pid = 20, .comm = "c", .rss_mib = 100});
  b.process("", {.pid = 10, .comm = "d", .rss_mib = 200});
  EXPECT_EQ(order(rank_of(b.scan(), test_config())), (V{"p:30", "p:10", "p:20", "p:40"}));
}

TEST(Rank, FastGrowingLeakerOutranksBiggerStaticProcess) {
  config::Config c = test_config();
  c.extended.growth_weight = 1.0;
  c.extended.growth_window_ms = 30000;
  GrowthTracker growth(c.extended.growth_window_ms);
  const std::uint64_t s = 1'000'000'000;
  auto scan_at = [&](std::uint64_t t, std::uint64_t leaker_mib) {
    ScanBuilder b;
    b.at(t);
    b.process("", {.pid = 10, .comm = "static", .rss_mib = 1024});
    b.process("", {.pid = 20, .comm = "leaker", .rss_mib = leaker_mib});
    return b;
  };
  // 40 MiB/s for 10 s: 450 MiB now, projected 450 + 40 * 30 = 1650 MiB > 1024 MiB.
  for (std::uint64_t t = 0; t <= 10; t += 2)
    growth.record(scan_at(100 * s + t * s, 50 + 40 * t).scan());
  ScanBuilder now = scan_at(110 * s, 450);
  const Ranking r = rank_of(now.scan(), c, {}, &growth);
  EXPECT_EQ(order(r), (V{"p:20", "p:10"}));
  EXPECT_EQ(r.entries[0].growth_bytes_per_s, static_cast<std::int64_t>(40 * kMiB));
  EXPECT_EQ(r.entries[0].rss_swap_bytes, 450 * kMiB);
  EXPECT_EQ(r.entries[0].badness, 1650 * kMiB);
  EXPECT_EQ(r.entries[1].growth_bytes_per_s, 0);
  // Growth ignored (weight 0): size alone decides.
  c.extended.growth_weight = 0;
  EXPECT_EQ(order(rank_of(now.scan(), c, {}, &growth)), (V{"p:10", "p:20"}));
}

// docs/benchmarks.md finding 2: the static process's cgroup was seen empty, then holding 250 MiB
// from the first second on; the leaker's cgroup grows 20 MiB/s. At 10 s the old estimate gave the
// static cgroup 25 MiB/s (badness 250 + 750 MiB, ahead of the leaker's 200 + 600 MiB) while its
// process, first seen at 250 MiB, was published with badness 250 MiB. Now the step reads 0.
TEST(Rank, StartupAllocationDoesNotOutrankASteadyLeaker) {
  config::Config c = test_config();
  c.extended.growth_weight = 1.0;
  c.extended.growth_window_ms = 30000;
  GrowthTracker growth(c.extended.growth_window_ms);
  auto scan_at = [](std::uint64_t t_s) {
    ScanBuilder b;
    b.at(t_s * 1'000'000'000).cgroup("static", t_s == 0 ? 0 : 250).cgroup("leak", 20 * t_s);
    if (t_s > 0) b.process("static", {.pid = 10, .comm = "static", .rss_mib = 250});
    b.process("leak", {.pid = 20, .comm = "leaker", .rss_mib = 20 * t_s});
    return b;
  };
  for (std::uint64_t t = 0; t < 10; ++t) growth.record(scan_at(t).scan());
  ScanBuilder now = scan_at(10);
  growth.record(now.scan());
  EXPECT_EQ(growth.cgroup_growth(now.scan().cgroups[now.index("static")].id), 0);
  const Ranking r = rank_of(now.scan(), c, {}, &growth);
  EXPECT_EQ(order(r), (V{"p:20", "p:10"}));
  EXPECT_EQ(r.entries[0].growth_bytes_per_s, static_cast<std::int64_t>(20 * kMiB));
  EXPECT_EQ(r.entries[0].badness, (200 + 20 * 30) * kMiB);
  EXPECT_EQ(r.entries[1].growth_bytes_per_s, 0);
  EXPECT_EQ(r.entries[1].badness, 250 * kMiB);
}

ScanBuilder group_tree(bool oom_group) {
  ScanBuilder b;
  b.cgroup("svc", 900, oom_group).cgroup("svc/inner", 500);
  b.process("svc", {.pid = 10, .comm = "main", .rss_mib = 400});
  b.process("svc/inner", {.pid = 11, .comm = "worker", .rss_mib = 500});
  b.cgroup("other", 100);
  b.process("other", {.pid = 20, .comm = "other", .rss_mib = 100});
  return b;
}

TEST(Rank, GroupAndProcessModes) {
  {  // process mode: descend; inside svc: cgroup inner (500) before main (400)
    ScanBuilder b = group_tree(false);
    EXPECT_EQ(order(rank_of(b.scan(), test_config())), (V{"p:11", "p:10", "p:20"}));
  }
  {  // memory.oom.group = 1
    ScanBuilder b = group_tree(true);
    const Ranking r = rank_of(b.scan(), test_config());
    EXPECT_EQ(order(r), (V{"c:/svc", "p:20"}));
    EXPECT_EQ(r.entries[0].kill_mode, shm::KillMode::kGroup);
    EXPECT_EQ(r.entries[0].pid, 0);
    EXPECT_EQ(r.entries[0].cgroup_id, b.scan().cgroups[b.index("svc")].id);
    EXPECT_EQ(r.entries[0].rss_swap_bytes, 900 * kMiB);
    EXPECT_EQ(r.entries[0].note, "memory.oom.group=1");
  }
  {  // rule kill = "group" (on a cgroup without memory.oom.group)
    ScanBuilder b = group_tree(false);
    config::Config c = test_config();
    config::Rule g = rule("svc as a whole");
    g.cgroup_glob = "/svc";
    g.kill_mode = config::KillMode::kGroup;
    c.extended.rules.push_back(g);
    const Ranking r = rank_of(b.scan(), c);
    EXPECT_EQ(order(r), (V{"c:/svc", "p:20"}));
    EXPECT_EQ(r.entries[0].rule_index, 1u);
    EXPECT_EQ(r.entries[0].rule_name, "svc as a whole");
    EXPECT_EQ(r.entries[0].reason, shm::Reason::kDefault);  // no priority in the rule
  }
}

TEST(Rank, ProcessRuleWithGroupKillBecomesItsCgroupOnce) {
  ScanBuilder b = group_tree(false);
  b.process("svc/inner", {.pid = 12, .comm = "worker", .rss_mib = 50});
  config::Config c = test_config();
  config::Rule w = rule("workers");
  w.comm_regex = "^worker$";
  w.action = config::RuleAction::kPrefer;
  w.kill_mode = config::KillMode::kGroup;
  c.extended.rules.push_back(w);
  const Ranking r = rank_of(b.scan(), c);
  EXPECT_EQ(order(r), (V{"c:/svc/inner", "p:10", "p:20"}));
  EXPECT_EQ(r.entries[0].priority, 0);
  EXPECT_EQ(r.entries[0].reason, shm::Reason::kRule);
}

TEST(Rank, ProtectedNeverAppear) {
  ScanBuilder b;
  b.cgroup("system.slice", 100).cgroup("system.slice/db", 100).cgroup("oomguard", 50);
  b.cgroup("keep", 10).cgroup("keep/sub", 10).cgroup("user", 900, /*oom_group=*/true);
  b.process("", {.pid = 1, .comm = "init", .rss_mib = 5000});
  b.process("", {.pid = 2, .comm = "kthreadd", .kernel_thread = true});
  b.process("", {.pid = 50, .comm = "kworker/0:1", .ppid = 2, .kernel_thread = true});
  b.process("oomguard", {.pid = 60, .comm = "oomguard-core", .rss_mib = 40});
  b.process("oomguard", {.pid = 61, .comm = "oomguard-extend", .rss_mib = 60, .ppid = 60});
  b.process("oomguard", {.pid = 62, .comm = "hook.sh", .rss_mib = 70, .ppid = 61});
  b.process("system.slice/db", {.pid = 70, .comm = "postgres", .rss_mib = 3000});
  b.process("", {.pid = 80, .comm = "sshd", .rss_mib = 4000});
  b.process("keep/sub", {.pid = 90, .comm = "precious", .rss_mib = 4000});
  b.process("user", {.pid = 100, .comm = "cc1", .rss_mib = 800});
  b.process("user", {.pid = 101, .comm = "secret-agent", .rss_mib = 100, .uid = 0});
  b.process("", {.pid = 110, .comm = "victim", .rss_mib = 10});
  config::Config c = test_config();
  c.core.protected_comms.push_back(config::Comm{});
  ASSERT_TRUE(c.core.protected_comms[0].assign("sshd"));
  c.core.protected_cgroups.push_back(config::Path{});
  ASSERT_TRUE(c.core.protected_cgroups[0].assign("/system.slice"));
  config::Rule keep = rule("keep");
  keep.cgroup_glob = "/keep";
  keep.action = config::RuleAction::kProtect;
  config::Rule root_procs = rule("root-owned agent");
  root_procs.uid = 0;
  root_procs.comm_regex = "agent";
  root_procs.action = config::RuleAction::kProtect;
  c.extended.rules = {keep, root_procs};
  const Ranking r = rank_of(b.scan(), c, OwnProcesses{.extended_pid = 61, .core_pid = 60});
  // "user" is a group (memory.oom.group) but holds a protected process: descended instead.
  EXPECT_EQ(order(r), (V{"p:100", "p:110"}));
  EXPECT_EQ(r.stats.demoted_groups, 1u);
  EXPECT_EQ(r.stats.protected_cgroups, 2u);    // /system.slice, /keep
  EXPECT_EQ(r.stats.protected_processes, 8u);  // 1, 2, 50, 60, 61, 62, 80, 101
}

TEST(Rank, ScopeIsRespected) {
  ScanBuilder b;
  b.cgroup("user.slice", 100).cgroup("user.slice/app", 100).cgroup("system.slice", 5000);
  b.process("user.slice/app", {.pid = 10, .comm = "app", .rss_mib = 100});
  b.process("system.slice", {.pid = 20, .comm = "big", .rss_mib = 5000});
  b.process("", {.pid = 30, .comm = "rootproc", .rss_mib = 5000});
  config::Config c = test_config();
  ASSERT_TRUE(c.core.scope.assign("user.slice"));
  EXPECT_EQ(order(rank_of(b.scan(), c)), (V{"p:10"}));
  ASSERT_TRUE(c.core.scope.assign("missing.slice"));
  EXPECT_TRUE(rank_of(b.scan(), c).entries.empty());
}

TEST(Rank, EmptyCgroupsAreSkippedAndOrderIsDeterministic) {
  ScanBuilder b;
  b.cgroup("empty", 4000, true).cgroup("b", 100).cgroup("a", 100);
  b.process("a", {.pid = 10, .comm = "x", .rss_mib = 100});
  b.process("b", {.pid = 20, .comm = "y", .rss_mib = 100});
  const Ranking r1 = rank_of(b.scan(), test_config());
  EXPECT_EQ(order(r1), (V{"p:10", "p:20"}));  // equal cgroups: by path
  EXPECT_EQ(order(rank_of(b.scan(), test_config())), order(r1));
}

}  // namespace
}  // namespace oomguard::extended

// Priority decisions (rules, xattr, oom_score_adj), growth tracking and explain: pure.
#include "extended/policy.h"

#include <gtest/gtest.h>

#include "extended/explain.h"
#include "extended/growth.h"
#include "extended/policy_test_util.h"

namespace oomguard::extended {
namespace {

using namespace oomguard::extended::testing;  // NOLINT(google-build-using-namespace)

TEST(Priority, OomScoreAdjMapping) {
  EXPECT_EQ(priority_from_oom_score_adj(1000), 0);
  EXPECT_EQ(priority_from_oom_score_adj(0), 500);
  EXPECT_EQ(priority_from_oom_score_adj(-1000), 1000);
  EXPECT_EQ(priority_from_oom_score_adj(-500), 750);
  EXPECT_EQ(priority_from_oom_score_adj(300), 350);
  EXPECT_EQ(priority_from_oom_score_adj(5000), 0);  // clamped
}

TEST(Priority, PathWithin) {
  EXPECT_TRUE(path_within("a/b", "a"));
  EXPECT_TRUE(path_within("a", "a"));
  EXPECT_TRUE(path_within("a", ""));
  EXPECT_FALSE(path_within("ab", "a"));
  EXPECT_FALSE(path_within("a", "a/b"));
}

TEST(Priority, CgroupSources) {
  config::Config c = test_config();
  config::Rule pref = rule("batch");
  pref.cgroup_glob = "/batch-*";
  pref.action = config::RuleAction::kPrefer;
  config::Rule mode_only = rule("mode only");
  mode_only.cgroup_glob = "/svc";
  mode_only.kill_mode = config::KillMode::kGroup;
  config::Rule proc_rule = rule("process rule");  // has a comm matcher: not for cgroups
  proc_rule.cgroup_glob = "/*";
  proc_rule.comm_regex = "x";
  proc_rule.priority = 1;
  c.extended.rules = {pref, mode_only, proc_rule};
  Policy p = compile_or_die(c);

  const Decision d1 = p.decide_cgroup(CgroupInfo{.path = "batch-7.service"});
  EXPECT_EQ(d1.priority, 0);
  EXPECT_EQ(d1.reason, shm::Reason::kRule);
  EXPECT_EQ(d1.rule_index, 1u);
  EXPECT_EQ(p.rule_name(1), "batch");

  const Decision d2 = p.decide_cgroup(CgroupInfo{.path = "svc", .xattr_priority = 200});
  EXPECT_EQ(d2.rule_index, 2u);
  EXPECT_EQ(d2.kill_mode, shm::KillMode::kGroup);
  EXPECT_EQ(d2.priority, 200);  // the rank rule has no priority: falls through to the xattr
  EXPECT_EQ(d2.reason, shm::Reason::kXattr);

  const Decision d3 = p.decide_cgroup(CgroupInfo{.path = "other"});
  EXPECT_EQ(d3.priority, 500);
  EXPECT_EQ(d3.reason, shm::Reason::kDefault);
  EXPECT_EQ(d3.rule_index, 0u);

  c.extended.priority_xattr = false;
  Policy no_xattr = compile_or_die(c);
  EXPECT_EQ(no_xattr.decide_cgroup(CgroupInfo{.path = "x", .xattr_priority = 200}).priority, 500);
  EXPECT_EQ(no_xattr.decide_cgroup(CgroupInfo{.path = "x", .oom_group = true}).kill_mode,
            shm::KillMode::kGroup);
}

TEST(Priority, ProcessRulesAllMatchersMustMatch) {
  config::Config c = test_config();
  config::Rule r1 = rule("compilers of uid 1000 in user.slice");
  r1.cgroup_glob = "/user.slice/*";
  r1.comm_regex = "^(cc1|cc1plus|rustc)$";
  r1.uid = 1000;
  r1.priority = 100;
  config::Rule r2 = rule("java");
  r2.cmdline_regex = "-jar [a-z]+\\.jar";
  r2.action = config::RuleAction::kAvoid;
  c.extended.rules = {r1, r2};
  Policy p = compile_or_die(c);
  const CgroupInfo user{.path = "user.slice/user-1000.slice/session-2.scope"};
  const CgroupInfo sys{.path = "system.slice"};
  ProcessInfo cc{.pid = 5, .uid = 1000, .oom_score_adj = 300, .comm = "cc1plus"};
  EXPECT_EQ(p.decide_process(cc, user).priority, 100);  // '*' crosses '/'
  EXPECT_EQ(p.decide_process(cc, user).rule_index, 1u);
  EXPECT_EQ(p.decide_process(cc, sys).priority, 350);  // glob fails: oom_score_adj 300
  EXPECT_EQ(p.decide_process(cc, sys).reason, shm::Reason::kOomScoreAdj);
  cc.uid = 0;
  EXPECT_EQ(p.decide_process(cc, user).rule_index, 0u);
  ProcessInfo java{.pid = 6, .comm = "java", .cmdline = "/usr/bin/java -jar app.jar"};
  EXPECT_EQ(p.decide_process(java, sys).priority, 1000);
  EXPECT_EQ(p.decide_process(java, sys).rule_index, 2u);
}

TEST(Priority, ProtectionAndBadRegex) {
  config::Config c = test_config();
  c.core.protected_comms.push_back(config::Comm{});
  ASSERT_TRUE(c.core.protected_comms[0].assign("sshd"));
  Policy p = compile_or_die(c);
  EXPECT_TRUE(p.decide_process(ProcessInfo{.comm = "sshd"}, CgroupInfo{}).is_protected);
  EXPECT_FALSE(p.decide_process(ProcessInfo{.comm = "sshd2"}, CgroupInfo{}).is_protected);

  config::Rule bad = rule("broken");
  bad.comm_regex = "(unclosed";
  c.extended.rules = {bad};
  auto compiled = Policy::compile(c.extended, c.core);
  ASSERT_FALSE(compiled);
  EXPECT_NE(compiled.error().message.find("rules[0] (broken): comm"), std::string::npos);
}

TEST(Growth, RateOverTheWindow) {
  GrowthTracker g(10000);  // 10 s
  const std::uint64_t s = 1'000'000'000;
  auto record = [&](std::uint64_t t_s, pid_t pid, std::uint64_t start, std::uint64_t mib) {
    ScanBuilder b;
    b.at(t_s * s).process("", {.pid = pid, .comm = "x", .rss_mib = mib, .start = start});
    g.record(b.scan());
  };
  record(1, 7, 70, 100);
  EXPECT_EQ(g.process_growth(7, 70), 0);  // one sample
  record(2, 7, 70, 110);
  EXPECT_EQ(g.process_growth(7, 70), static_cast<std::int64_t>(10 * kMiB));
  for (std::uint64_t t = 3; t <= 30; ++t) record(t, 7, 70, 110 + (t - 2) * 5);  // 5 MiB/s
  EXPECT_EQ(g.process_growth(7, 70), static_cast<std::int64_t>(5 * kMiB));      // old 10 MiB/s gone
  EXPECT_EQ(g.cgroup_growth(1), 0);  // the root cgroup has size 0 in this builder
  record(31, 7, 71, 500);            // pid reused by a new process: fresh history
  EXPECT_EQ(g.process_growth(7, 71), 0);
  EXPECT_EQ(g.process_growth(7, 70), 0);  // forgotten
  EXPECT_EQ(g.tracked(), 2u);             // the new process and the root cgroup
  record(33, 7, 71, 300);                 // shrinking: negative growth
  EXPECT_EQ(g.process_growth(7, 71), -static_cast<std::int64_t>(100 * kMiB));
}

// One process (pid 7) in one cgroup ("app"), both of `mib` MiB, scanned at chosen times.
class GrowthSeries {
 public:
  explicit GrowthSeries(std::uint32_t window_ms = 30000) : g_(window_ms) {}
  // Records a scan at t_ms; returns the process's growth in MiB/s (and checks the cgroup's).
  double scan(std::uint64_t t_ms, std::uint64_t mib) {
    ScanBuilder b;
    b.at(t_ms * 1'000'000)
        .cgroup("app", mib)
        .process("app", {.pid = 7, .comm = "x", .rss_mib = mib});
    g_.record(b.scan());
    const std::int64_t bytes_per_s = g_.process_growth(7, 70);
    EXPECT_EQ(g_.cgroup_growth(b.scan().cgroups[1].id), bytes_per_s) << "at " << t_ms << " ms";
    return static_cast<double>(bytes_per_s) / static_cast<double>(kMiB);
  }

 private:
  GrowthTracker g_;
};

// docs/benchmarks.md finding 2: 250 MiB allocated in the first second, then flat. The old
// (newest - oldest) / span read 83 MiB/s at 3 s and 25 MiB/s at 10 s; now it never shows, at
// 1 s scans or at 250 ms (pressure) scans: from 3 s (a tenth of the window) a sample taken after
// the step is already window/32 old.
TEST(Growth, StartupStepIsNotGrowth) {
  for (const std::uint64_t interval_ms : {1000u, 250u}) {
    GrowthSeries g;
    EXPECT_EQ(g.scan(0, 2), 0.0);
    for (std::uint64_t t = interval_ms; t <= 60000; t += interval_ms) {
      EXPECT_EQ(g.scan(t, 252), 0.0) << "at " << t << " ms, scans every " << interval_ms << " ms";
    }
  }
}

TEST(Growth, SteadyLeakReadsItsRate) {
  GrowthSeries g;
  for (std::uint64_t t = 0; t <= 60; ++t) {
    const double growth = g.scan(t * 1000, 20 * t);
    if (t < 3) {
      EXPECT_EQ(growth, 0.0) << "at " << t << " s: less than a tenth of the window";
    } else {
      EXPECT_NEAR(growth, 20, 2) << "at " << t << " s";
    }
  }
}

// 2 MiB every 100 ms (20 MiB/s) scanned every 250 ms: a 250 ms pair sees 2 or 3 chunks (16 or
// 24 MiB/s); baselines are at least window/32 (0.94 s) old, so the estimate stays within 10 %.
TEST(Growth, ChunkyLeakAtFastScans) {
  GrowthSeries g;
  for (std::uint64_t t = 0; t <= 40000; t += 250) {
    const double growth = g.scan(t, 2 * (t / 100));
    if (t >= 3000) {
      EXPECT_NEAR(growth, 20, 2) << "at " << t << " ms";
    }
  }
}

// 20 MiB/s until `stop_s`, then flat: 0 from 2 s after the last growing scan (1 s scans; both
// phases of the thinning: the last growing sample kept, or replaced by a later one).
TEST(Growth, StoppedLeakDecaysWithinTwoScans) {
  for (const std::uint64_t stop_s : {20u, 21u}) {
    GrowthSeries g;
    for (std::uint64_t t = 0; t <= 60; ++t) {
      const double growth = g.scan(t * 1000, 20 * std::min(t, stop_s));
      if (t >= 3 && t <= stop_s) {
        EXPECT_NEAR(growth, 20, 2) << "at " << t << " s";
      }
      if (t == stop_s + 1) {
        EXPECT_GE(growth, 0);
        EXPECT_LE(growth, 20);
      }
      if (t >= stop_s + 2) {
        EXPECT_EQ(growth, 0.0) << "at " << t << " s, stopped at " << stop_s;
      }
    }
  }
}

// Shrinking reads negative (ranking ignores it, explain shows it); a one-time free (between 9 s
// and 10 s) then flat reads 0 from 11 s, like a one-time allocation.
TEST(Growth, ShrinkingIsNegativeAOneTimeFreeIsNot) {
  GrowthSeries shrink;
  for (std::uint64_t t = 0; t <= 40; ++t) {
    const double growth = shrink.scan(t * 1000, 1000 - 10 * t);
    if (t >= 3) {
      EXPECT_NEAR(growth, -10, 1) << "at " << t << " s";
    }
  }
  GrowthSeries freed;
  for (std::uint64_t t = 0; t <= 40; ++t) {
    const double growth = freed.scan(t * 1000, t < 10 ? 500 : 300);
    if (t >= 11) {
      EXPECT_EQ(growth, 0.0) << "at " << t << " s";
    }
  }
}

// A long-running process that starts leaking at 60 s: its samples from before the leak lower
// the estimate until the window (30 s) holds none of them (from 89 s; the sample at 58 s stays
// until then).
TEST(Growth, NewLeakInAnOldProcessReachesItsRateWithinTheWindow) {
  GrowthSeries g;
  for (std::uint64_t t = 0; t <= 100; ++t) {
    const std::uint64_t leak_s = t > 60 ? t - 60 : 0;
    const double growth = g.scan(t * 1000, 300 + 20 * leak_s);
    if (t <= 60) {
      EXPECT_EQ(growth, 0.0) << "at " << t << " s";
    }
    if (t > 60 && t <= 88) {
      EXPECT_GT(growth, 0) << "at " << t << " s";
      EXPECT_LT(growth, 20) << "at " << t << " s";
    }
    if (t >= 89) {
      EXPECT_NEAR(growth, 20, 2) << "at " << t << " s";
    }
  }
}

TEST(Explain, TableCarriesReasons) {
  ScanBuilder b;
  b.cgroup("svc", 900, true);
  b.process("svc", {.pid = 10, .comm = "main", .rss_mib = 900});
  b.process("", {.pid = 20, .comm = "cc1plus", .rss_mib = 1536, .cmdline = "cc1plus -O2 a.cc"});
  config::Config c = test_config();
  config::Rule r = rule("compilers");
  r.comm_regex = "^cc1";
  r.priority = 100;
  c.extended.rules = {r};
  const Ranking ranking = rank_of(b.scan(), c);
  const std::string text = explain(ranking, ExplainOptions{.show_cmdline = true});
  EXPECT_NE(text.find("PRIO"), std::string::npos);
  EXPECT_NE(text.find("cc1plus"), std::string::npos);
  EXPECT_NE(text.find("#1 compilers"), std::string::npos);
  EXPECT_NE(text.find("1.5G"), std::string::npos);
  EXPECT_NE(text.find("memory.oom.group=1"), std::string::npos);
  EXPECT_NE(text.find("cmdline: cc1plus -O2 a.cc"), std::string::npos);
  EXPECT_NE(text.find("2 of 2 candidates"), std::string::npos);
  EXPECT_LT(text.find("cc1plus"), text.find("/svc"));  // priority 100 before 500
  EXPECT_EQ(format_bytes(512), "512");
  EXPECT_EQ(format_bytes(3 * kMiB / 2), "1.5M");
  EXPECT_STREQ(reason_name(shm::Reason::kOomScoreAdj), "adj");
}

}  // namespace
}  // namespace oomguard::extended

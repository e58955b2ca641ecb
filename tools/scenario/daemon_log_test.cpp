#include "tools/scenario/daemon_log.h"

#include <gtest/gtest.h>

namespace oomguard::scenario {
namespace {

TEST(CoreLine, ParsesAKill) {
  const CoreLine c = parse_core_line(
      "oomguard-core: kill #3: pid 4242 (victim) cgroup /oomguard-e2e-1-1/sb/work, 287 MiB "
      "rss+swap; ranking gen 17, priority 500; trigger sandbox_full: stall 135 ms in 1000 ms; "
      "decided +1.5 ms, SIGKILL sent, memory reaped");
  ASSERT_EQ(c.kind, CoreLine::Kind::kKill);
  EXPECT_EQ(c.kill.id, 3);
  EXPECT_FALSE(c.kill.dry_run);
  EXPECT_FALSE(c.kill.group);
  EXPECT_EQ(c.kill.pid, 4242);
  EXPECT_EQ(c.kill.comm, "victim");
  EXPECT_EQ(c.kill.cgroup, "/oomguard-e2e-1-1/sb/work");
  EXPECT_EQ(c.kill.rss_mib, 287);
  EXPECT_EQ(c.kill.source, "ranking gen 17");
  EXPECT_EQ(c.kill.priority, 500);
  EXPECT_EQ(c.kill.trigger, "sandbox_full");
  EXPECT_EQ(c.kill.stall_ms, 135);
  EXPECT_EQ(c.kill.window_ms, 1000);
  EXPECT_TRUE(c.kill.signal_sent);
}

TEST(CoreLine, ParsesADryRunAndAFailedSignal) {
  const CoreLine dry = parse_core_line(
      "oomguard-core: DRY RUN, would kill #2: group of 17 (hog) cgroup /a/b, 12 MiB rss+swap; "
      "fallback scan, priority 0; trigger t: stall 300 ms in 1000 ms; decided +0.4 ms, no signal "
      "sent");
  ASSERT_EQ(dry.kind, CoreLine::Kind::kKill);
  EXPECT_TRUE(dry.kill.dry_run);
  EXPECT_TRUE(dry.kill.group);
  EXPECT_EQ(dry.kill.source, "fallback scan");
  EXPECT_FALSE(dry.kill.signal_sent);
  const CoreLine failed = parse_core_line(
      "oomguard-core: kill #1: pid 5 (x y) cgroup /a, 1 MiB rss+swap; fallback scan, priority "
      "500; trigger t: stall 1 ms in 1000 ms; decided +0.1 ms, SIGKILL FAILED: No such process");
  ASSERT_EQ(failed.kind, CoreLine::Kind::kKill);
  EXPECT_EQ(failed.kill.comm, "x y");
  const CoreLine paren = parse_core_line(
      "oomguard-core: kill #9: pid 6 (a (b)) cgroup /c, 2 MiB rss+swap; fallback scan, priority "
      "500; trigger t: stall 1 ms in 1000 ms; decided +0.1 ms, SIGKILL sent");
  ASSERT_EQ(paren.kind, CoreLine::Kind::kKill);
  const CoreLine newer = parse_core_line(
      "oomguard-core: kill #3: pid 7 (hog) cgroup /c, 300 MiB rss+swap; newer than ranking gen 4, "
      "priority 0; trigger t: stall 100 ms in 1000 ms; decided +0.2 ms, SIGKILL sent");
  ASSERT_EQ(newer.kind, CoreLine::Kind::kKill);
  EXPECT_EQ(newer.kill.source, "newer than ranking gen 4");
  EXPECT_EQ(paren.kill.comm, "a (b)");
  EXPECT_EQ(paren.kill.cgroup, "/c");
  EXPECT_TRUE(paren.kill.signal_sent);
  // Truncated or foreign lines are not kills.
  EXPECT_EQ(parse_core_line("oomguard-core: kill #9: pid 6 (a) cgroup /c, 2 MiB").kind,
            CoreLine::Kind::kOther);
  EXPECT_EQ(parse_core_line("oomguard-core: kill #9: pid x (a) cgroup /c, 2 MiB rss+swap; "
                            "fallback scan, priority 5; trigger t: stall 1 ms in 2 ms; decided "
                            "+0.1 ms, SIGKILL sent")
                .kind,
            CoreLine::Kind::kOther);
  EXPECT_FALSE(failed.kill.signal_sent);
}

TEST(CoreLine, ParsesReleasesAndExtendedLifecycle) {
  const CoreLine r = parse_core_line(
      "oomguard-core: kill #1 released: 250 MiB freed, 1.7 ms after the signal, 3.3 ms after the "
      "trigger");
  ASSERT_EQ(r.kind, CoreLine::Kind::kRelease);
  EXPECT_EQ(r.release.id, 1);
  EXPECT_FALSE(r.release.timed_out);
  EXPECT_EQ(r.release.freed_mib, 250);
  EXPECT_DOUBLE_EQ(r.release.after_signal_ms, 1.7);
  EXPECT_DOUBLE_EQ(r.release.after_trigger_ms, 3.3);
  const CoreLine t = parse_core_line(
      "oomguard-core: kill #4 NOT released within the timeout: 0 MiB freed, 5000.0 ms after the "
      "signal, 5001.2 ms after the trigger");
  ASSERT_EQ(t.kind, CoreLine::Kind::kRelease);
  EXPECT_TRUE(t.release.timed_out);
  const CoreLine s =
      parse_core_line("oomguard-core: extended: started /b/oomguard-extended (pid 77)");
  ASSERT_EQ(s.kind, CoreLine::Kind::kExtendedStarted);
  EXPECT_EQ(s.extended_pid, 77);
  const CoreLine e = parse_core_line(
      "oomguard-core: WARNING: extended (pid 77) was killed by signal 9; restarting in 500 ms");
  ASSERT_EQ(e.kind, CoreLine::Kind::kExtendedExited);
  EXPECT_EQ(e.extended_pid, 77);
  EXPECT_EQ(parse_core_line("oomguard-core: steady state: 1 monitors").kind,
            CoreLine::Kind::kOther);
}

TEST(KillLog, ParsesARecord) {
  const auto r = parse_kill_log_line(
      R"({"time":"2026-01-01T00:00:00.000Z","kill_id":2,"complete":true,"phase":"released",)"
      R"("victim":{"pid":99,"comm":"low","cgroup":"x/sb/low","kind":"process",)"
      R"("kill_mode":"process","start_time_ticks":1,"cgroup_id":2},"source":"ranking",)"
      R"("reason":"rule","rule":"batch","priority":100,"ranking_generation":5,)"
      R"("trigger":{"index":0,"monitors":["sandbox_full","x"],"stall_us":1,"window_us":2},)"
      R"("durations_ms":{"time_to_relief":12.5},"dry_run":false})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kill_id, 2);
  EXPECT_TRUE(r->complete);
  EXPECT_EQ(r->pid, 99);
  EXPECT_EQ(r->comm, "low");
  EXPECT_EQ(r->cgroup, "x/sb/low");
  EXPECT_EQ(r->source, "ranking");
  EXPECT_EQ(r->reason, "rule");
  EXPECT_EQ(r->rule, "batch");
  EXPECT_EQ(r->priority, 100);
  EXPECT_FALSE(r->dry_run);
  EXPECT_EQ(r->monitors, "sandbox_full,x");
  ASSERT_TRUE(r->time_to_relief_ms);
  EXPECT_DOUBLE_EQ(*r->time_to_relief_ms, 12.5);
  EXPECT_FALSE(parse_kill_log_line("not json"));
}

TEST(KernelOom, ParsesTheOomKillLine) {
  const auto k = parse_kernel_oom_line(
      "6,1234,567890,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,"
      "mems_allowed=0,oom_memcg=/t/sb,task_memcg=/t/sb/session,task=session,pid=999,uid=0\n");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->pid, 999);
  EXPECT_EQ(k->comm, "session");
  EXPECT_EQ(k->task_memcg, "/t/sb/session");
  EXPECT_EQ(k->oom_memcg, "/t/sb");
  EXPECT_FALSE(parse_kernel_oom_line("6,1,2,-;Memory cgroup out of memory: Killed process 9"));
  EXPECT_FALSE(parse_kernel_oom_line("oom-kill:constraint=X,task=a,pid=zz"));
}

}  // namespace
}  // namespace oomguard::scenario

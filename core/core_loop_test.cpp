// The decision state machine end to end on a fake tree and a fake clock: monitors read the fake
// pressure file, the loop decides, the victim comes from a ranking or the fallback scan.
#include "core/core_loop.h"

#include <gtest/gtest.h>

#include <string>

#include "core/testing/core_harness.h"
#include "shm/events.h"

namespace oomguard::core {
namespace {

using testing::ChildProcess;
using testing::CoreHarness;
using testing::FakeProcess;

class CoreLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_fake_process(h_.tree(), {.pid = child_.pid(),
                                   .start_time_ticks = child_.start_time_ticks(),
                                   .comm = "hog",
                                   .cgroup = "sandbox",
                                   .rss_kb = 200 * 1024});
    h_.step(0);
  }
  // A real child described in the fake /proc, in the sandbox.
  void add(const ChildProcess& c, const char* comm, std::uint64_t rss_kb) {
    write_fake_process(h_.tree(), {.pid = c.pid(),
                                   .start_time_ticks = c.start_time_ticks(),
                                   .comm = comm,
                                   .cgroup = "sandbox",
                                   .rss_kb = rss_kb});
  }
  // The sandbox's memory.current, the scope usage the lingering rule compares.
  void set_usage_mib(int mib) {
    h_.tree().write("cgroup2/sandbox/memory.current", std::to_string(mib << 20) + "\n");
  }
  // The last kill's memory comes back; the loop sees it on its next wake-up.
  void release() {
    h_.killer().release_all(true);
    h_.step(10);
    h_.killer().release_all(false);
  }
  CoreHarness h_;
  ChildProcess child_;
};

TEST_F(CoreLoopTest, SpikeBelowTheThresholdNeverKills) {
  h_.run(3000, 10, 0);
  // 90 ms of stall at once: below the 100 ms threshold in any 1 s window.
  h_.set_pressure(h_.some_us() + 90'000);
  h_.run(5000, 10, 0);
  // Short repeated spikes, each window sees at most 50 ms.
  for (int i = 0; i < 10; ++i) {
    h_.set_pressure(h_.some_us() + 50'000);
    h_.run(1100, 10, 0);
  }
  EXPECT_EQ(h_.killer().count(), 0u);
}

TEST_F(CoreLoopTest, SustainedPressureKillsOnceUntilReleased) {
  h_.run(5000, 10, 50);  // 50 % stall, never released
  ASSERT_EQ(h_.killer().count(), 1u);
  EXPECT_EQ(h_.killer()[0].pid, child_.pid());
  EXPECT_EQ(h_.loop().decider().phase(), Decider::Phase::kAwaitingRelease);
}

TEST_F(CoreLoopTest, TheKillHappensWithinAWindowOfTheOnset) {
  h_.run(2000, 10, 0);
  const std::uint64_t onset = h_.clock().now_ns();
  for (int i = 0; i < 200 && h_.killer().count() == 0; ++i) h_.run(10, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  // 50 % stall crosses 100 ms after ~200 ms; the 1 s window needs one full window of history.
  EXPECT_LE(h_.killer()[0].at_ns - onset, 1100 * kNsPerMs);
}

TEST_F(CoreLoopTest, SecondKillOnlyAfterReleaseAndFreshPressure) {
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  h_.killer().release_all(true);
  h_.step(10);
  const std::uint64_t released = h_.clock().now_ns();
  EXPECT_EQ(h_.loop().decider().phase(), Decider::Phase::kHolding);
  h_.killer().release_all(false);
  // Pressure stops: no second kill however long we wait.
  h_.run(5000, 10, 0);
  EXPECT_EQ(h_.killer().count(), 1u);
  // Pressure resumes: a second kill, but never counting stall from before the release.
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);
  EXPECT_GE(h_.killer()[1].at_ns - released, 5000 * kNsPerMs);
}

TEST_F(CoreLoopTest, PressureThatPersistsAcrossTheReleaseNeedsAFreshWindow) {
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  h_.killer().release_all(true);
  h_.step(10);
  const std::uint64_t released = h_.clock().now_ns();
  h_.killer().release_all(false);
  h_.run(4000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);
  // Cooldown (1 s) and a full 1 s window after the release, whichever is later.
  EXPECT_GE(h_.killer()[1].at_ns - released, 1000 * kNsPerMs);
}

TEST_F(CoreLoopTest, ReleaseTimeoutAllowsTheNextKill) {
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  const std::uint64_t killed = h_.killer()[0].at_ns;
  // Never released: the 5 s timeout ends the wait, then the 1 s cooldown runs.
  while (h_.clock().now_ns() < killed + 5900 * kNsPerMs) h_.run(10, 10, 50);
  EXPECT_EQ(h_.killer().count(), 1u);
  h_.run(500, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);
  EXPECT_GE(h_.killer()[1].at_ns - killed, 6000 * kNsPerMs);
}

// A victim whose memory came back but that is still exiting after the timeout stalls in the
// kernel itself (seen in the guest: a killed leaker took 7 s to exit, and the pressure it showed
// got the next two kills wrong). While it lingers, another kill also needs the usage to grow
// again by half of what the kill freed; once it exits, pressure alone decides again.
TEST_F(CoreLoopTest, AVictimThatLingersAfterItsMemoryCameBackDoesNotCauseTheNextKill) {
  set_usage_mib(250);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  const std::uint64_t killed = h_.killer()[0].at_ns;
  set_usage_mib(60);  // 190 MiB freed of the victim's 200; it never exits
  while (h_.clock().now_ns() < killed + 15'000 * kNsPerMs) h_.run(10, 10, 50);
  EXPECT_EQ(h_.killer().count(), 1u) << "pressure alone killed again while the victim lingered";
  set_usage_mib(150);  // 60 + 95 MiB needed
  h_.run(2000, 10, 50);
  EXPECT_EQ(h_.killer().count(), 1u);
  set_usage_mib(160);
  h_.run(2000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);

  // The second victim lingers too, then exits: pressure alone decides again.
  set_usage_mib(20);
  const std::uint64_t second = h_.killer()[1].at_ns;
  while (h_.clock().now_ns() < second + 8000 * kNsPerMs) h_.run(10, 10, 50);
  EXPECT_EQ(h_.killer().count(), 2u);
  release();
  h_.run(2000, 10, 50);
  EXPECT_EQ(h_.killer().count(), 3u);
}

// In the guest the leaker, reaped but stalled in the kernel, exited 1.7 s after the release
// timeout; the window still held the stall of its last second, and 0.3 s after its exit the core
// killed the static service though the pressure had ended with it. Its exit is its release.
TEST_F(CoreLoopTest, TheStallOfALingeringVictimDoesNotCountAfterItExits) {
  set_usage_mib(250);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  const std::uint64_t killed = h_.killer()[0].at_ns;
  set_usage_mib(60);  // reaped, but it stays in the kernel, stalled
  while (h_.clock().now_ns() < killed + 7000 * kNsPerMs) h_.run(10, 10, 90);
  ASSERT_EQ(h_.killer().count(), 1u);
  release();  // it exits; its stall ends with it
  h_.run(5000, 10, 0);
  EXPECT_EQ(h_.killer().count(), 1u) << "killed for the stall of the victim that had exited";
  h_.run(3000, 10, 50);  // new pressure after its exit kills as usual
  EXPECT_EQ(h_.killer().count(), 2u);
}

TEST_F(CoreLoopTest, EventsCarryBothPhasesAndStageTimes) {
  shm::EventConsumer consumer(h_.region());
  h_.run(3000, 10, 50);
  h_.killer().release_all(true);
  h_.step(10);
  shm::KillEvent events[4];
  ASSERT_EQ(consumer.drain(events), 2u);
  EXPECT_EQ(events[0].phase, static_cast<std::uint8_t>(shm::EventPhase::kKilled));
  EXPECT_EQ(events[1].phase, static_cast<std::uint8_t>(shm::EventPhase::kReleased));
  EXPECT_EQ(events[0].kill_id, events[1].kill_id);
  EXPECT_EQ(events[1].pid, child_.pid());
  EXPECT_EQ(events[1].source, static_cast<std::uint8_t>(shm::VictimSource::kFallback));
  EXPECT_EQ(events[1].ranking_generation, 0u);
  EXPECT_STREQ(events[1].comm, "hog");
  EXPECT_STREQ(events[1].cgroup_path, "sandbox");
  EXPECT_GE(events[1].stall_us, 100'000u);
  EXPECT_EQ(events[1].window_us, 1'000'000u);
  EXPECT_GT(events[1].trigger_ns, 0u);
  EXPECT_LE(events[1].trigger_ns, events[1].decision_ns);
  EXPECT_LE(events[1].decision_ns, events[1].signal_ns);
  EXPECT_LE(events[1].signal_ns, events[1].released_ns);
  EXPECT_EQ(events[1].flags, 0u);
}

TEST_F(CoreLoopTest, FreshRankingIsUsedAStaleOneThatCannotTellNewerProcessesIsNot) {
  ChildProcess ranked;
  add(ranked, "ranked", 1024);
  const shm::RankingEntry entry =
      testing::process_entry(ranked.pid(), ranked.start_time_ticks(), "ranked", "sandbox");
  shm::EventConsumer consumer(h_.region());
  shm::KillEvent events[4];

  h_.publish(&entry, 1);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  EXPECT_EQ(h_.killer()[0].pid, ranked.pid());  // the ranking wins over the larger hog
  ASSERT_EQ(consumer.drain(events), 1u);
  EXPECT_EQ(events[0].source, static_cast<std::uint8_t>(shm::VictimSource::kRanking));
  EXPECT_EQ(events[0].ranking_generation, 1u);

  release();
  // Older than ranking_stale_ms, from an extended before ABI 1.1 (no last_pid).
  h_.publish(&entry, 1, /*age_ms=*/10'001, /*last_pid=*/-1);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);
  EXPECT_EQ(h_.killer()[1].pid, child_.pid());  // fallback: the largest in scope
}

// Extended slowed past ranking_stale_ms: its ranking still says who dies first, but the core
// re-reads the sizes of the entries that share the first one's cgroup and priority.
TEST_F(CoreLoopTest, AStaleRankingKeepsItsPrioritiesWithSizesReadNow) {
  ChildProcess first, grown, elsewhere;
  add(first, "first", 1024);
  add(grown, "grown", 100 * 1024);
  add(elsewhere, "elsewhere", 150 * 1024);
  shm::RankingEntry entries[] = {
      testing::process_entry(first.pid(), first.start_time_ticks(), "first", "sandbox", 100),
      testing::process_entry(grown.pid(), grown.start_time_ticks(), "grown", "sandbox", 100),
      testing::process_entry(elsewhere.pid(), elsewhere.start_time_ticks(), "elsewhere", "sandbox",
                             100),
      testing::process_entry(child_.pid(), child_.start_time_ticks(), "hog", "sandbox", 900)};
  entries[0].cgroup_id = entries[1].cgroup_id = 7;
  entries[2].cgroup_id = 8;  // another cgroup: ranked by extended's view of the hierarchy
  entries[3].cgroup_id = 7;
  shm::EventConsumer consumer(h_.region());
  shm::KillEvent events[4];

  h_.publish(entries, 4, /*age_ms=*/10'001);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  // Not the largest (hog, priority 900), nor a larger one in another cgroup.
  EXPECT_EQ(h_.killer()[0].pid, grown.pid());
  ASSERT_EQ(consumer.drain(events), 1u);
  EXPECT_EQ(events[0].source, static_cast<std::uint8_t>(shm::VictimSource::kRanking));
  EXPECT_EQ(events[0].ranking_generation, 1u);
  EXPECT_EQ(events[0].rss_swap_bytes, 100ull << 20);  // read now, not the entry's 64 MiB

  release();
  h_.tree().remove("proc/" + std::to_string(grown.pid()));  // it exited
  h_.publish(entries, 4, /*age_ms=*/10'001);
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 2u);
  EXPECT_EQ(h_.killer()[1].pid, first.pid());
}

// The ranking's first entry is valid, but a process started after its scan holds more: the
// newer process dies (the ranking cannot know it); a newer but smaller one does not.
TEST_F(CoreLoopTest, ALargerProcessNewerThanTheRankingIsChosenOverIt) {
  ChildProcess ranked;
  add(ranked, "ranked", 1024);
  const shm::RankingEntry entry =
      testing::process_entry(ranked.pid(), ranked.start_time_ticks(), "ranked", "sandbox");
  ChildProcess small, late;
  add(small, "small", 32 * 1024);  // < the entry's 64 MiB
  shm::EventConsumer consumer(h_.region());
  shm::KillEvent events[4];

  h_.publish(&entry, 1, 0, ranked.pid());  // `small` and `late` started after the scan
  h_.run(3000, 10, 50);
  ASSERT_EQ(h_.killer().count(), 1u);
  EXPECT_EQ(h_.killer()[0].pid, ranked.pid());  // newer, but smaller than the ranked choice

  release();
  add(late, "late", 300 * 1024);
  h_.publish(&entry, 1, 0, ranked.pid());
  ::testing::internal::CaptureStderr();
  h_.run(3000, 10, 50);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(h_.killer().count(), 2u);
  EXPECT_EQ(h_.killer()[1].pid, late.pid());  // not the older, larger hog either
  EXPECT_NE(log.find("(late) cgroup /sandbox, 300 MiB rss+swap; newer than ranking gen 2,"),
            std::string::npos)
      << log;
  ASSERT_EQ(consumer.drain(events), 3u);  // killed, released, killed
  EXPECT_EQ(events[0].source, static_cast<std::uint8_t>(shm::VictimSource::kRanking));
  EXPECT_EQ(events[2].source, static_cast<std::uint8_t>(shm::VictimSource::kFallback));
}

TEST(CoreLoopDryRun, ReportsWithoutKillingAndHolds) {
  CoreHarness h([](const testing::TempTree&, config::CoreConfig& c) { c.dry_run = true; });
  ChildProcess child;
  write_fake_process(h.tree(), {.pid = child.pid(),
                                .start_time_ticks = child.start_time_ticks(),
                                .comm = "hog",
                                .cgroup = "sandbox"});
  shm::EventConsumer consumer(h.region());
  h.run(3000, 10, 50);
  EXPECT_EQ(h.killer().count(), 0u);
  shm::KillEvent events[8];
  const std::size_t n = consumer.drain(events);
  ASSERT_GE(n, 2u);
  EXPECT_NE(events[0].flags & shm::kEventDryRun, 0u);
  EXPECT_EQ(events[0].pid, child.pid());
  EXPECT_EQ(events[0].signal_ns, 0u);
  // One would-be kill per cooldown + fresh window, not one per wake-up.
  EXPECT_LE(n, 4u);
}

}  // namespace
}  // namespace oomguard::core

namespace oomguard::core {
namespace {

// [[core.triggers]] all = ["sandbox_some", "available_low"]: pressure alone is not enough.
TEST(CoreLoopTriggers, AllMonitorsOfATriggerMustFire) {
  CoreHarness h([](const testing::TempTree&, config::CoreConfig& c) {
    config::MonitorConfig floor;
    floor.name.assign("available_low");
    floor.kind = config::MonitorKind::kMemAvailable;
    floor.percent = 10;
    c.monitors.push_back(floor);
    config::TriggerConfig both;
    both.monitors.push_back(0);
    both.monitors.push_back(1);
    c.triggers.push_back(both);
  });
  ChildProcess child;
  write_fake_process(h.tree(), {.pid = child.pid(),
                                .start_time_ticks = child.start_time_ticks(),
                                .comm = "hog",
                                .cgroup = "sandbox"});
  h.run(3000, 10, 50);  // MemAvailable is 50 %: the floor does not fire
  EXPECT_EQ(h.killer().count(), 0u);
  h.tree().write(
      "proc/meminfo",
      "MemTotal: 8388608 kB\nMemAvailable: 409600 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
  h.run(100, 10, 50);
  ASSERT_EQ(h.killer().count(), 1u);
  EXPECT_EQ(h.killer()[0].pid, child.pid());
}

}  // namespace
}  // namespace oomguard::core

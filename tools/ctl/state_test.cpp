#include "tools/ctl/state.h"

#include <gtest/gtest.h>

#include "tools/ctl/ctl_test_util.h"

namespace oomguard::ctl {
namespace {

using testing::FakeDaemons;
using testing::kNsPerMs;

bool mentions(const std::vector<std::string>& lines, const std::string& word) {
  for (const std::string& l : lines) {
    if (l.find(word) != std::string::npos) return true;
  }
  return false;
}

TEST(CtlState, ReadsHeaderAndRankingFromAReadOnlyMapping) {
  FakeDaemons d(4321);
  d.header().core_flags = shm::kFlagDryRun;
  const std::uint64_t generation = d.publish(testing::sample_ranking());
  shm::Region ro;
  ASSERT_EQ(shm::Region::attach(d.region().fd(), shm::Access::kReadOnly, &ro), 0);

  const RegionState s = read_region(ro);
  EXPECT_EQ(s.core_pid, getpid());
  EXPECT_EQ(s.extended_pid, 4321);
  EXPECT_EQ(s.flags, shm::kFlagDryRun);
  EXPECT_EQ(s.abi_major, shm::kAbiMajor);
  EXPECT_EQ(s.head_generation, generation);
  EXPECT_EQ(s.ranking_status, shm::ReadStatus::kNew);
  ASSERT_NE(s.ranking, nullptr);
  EXPECT_EQ(s.ranking->count, 3u);
  EXPECT_EQ(s.ranking->entries[0].pid, 4242);
  EXPECT_STREQ(s.ranking->entries[1].cgroup_path, "system.slice/batch.service");
  EXPECT_GT(s.core_heartbeat_ns, 0u);
}

TEST(CtlState, NoRankingYet) {
  FakeDaemons d;
  const RegionState s = read_region(d.region());
  EXPECT_EQ(s.head_generation, 0u);
  EXPECT_EQ(s.ranking, nullptr);
  EXPECT_EQ(s.ranking_status, shm::ReadStatus::kNone);
  const Health h = assess(s, {.core_alive = true, .extended_alive = true}, {}, testing::now_ns());
  EXPECT_TRUE(mentions(h.problems, "no ranking published yet"));
}

TEST(CtlState, HealthyPairHasNoProblemsOrWarnings) {
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  const RegionState s = read_region(d.region());
  const Health h = assess(s, {.core_alive = true, .extended_alive = true}, {}, testing::now_ns());
  EXPECT_TRUE(h.ok());
  EXPECT_TRUE(h.problems.empty());
  EXPECT_TRUE(h.warnings.empty());
}

TEST(CtlState, StaleHeartbeatsAndRankingAreProblems) {
  FakeDaemons d;
  d.publish(testing::sample_ranking(), 20'000);
  d.beat(20'000);
  const RegionState s = read_region(d.region());
  const Health h = assess(s, {.core_alive = true, .extended_alive = true}, {}, testing::now_ns());
  EXPECT_FALSE(h.ok());
  EXPECT_TRUE(mentions(h.problems, "oomguard-core heartbeat is 20.0 s old"));
  EXPECT_TRUE(mentions(h.problems, "oomguard-extended heartbeat is 20.0 s old"));
  EXPECT_TRUE(mentions(h.problems, "the ranking is 20.0 s old"));

  // Within wider limits (from a configuration) the same ages are fine.
  const Thresholds wide{.core_stale_ns = 30'000 * kNsPerMs, .extended_stale_ns = 30'000 * kNsPerMs};
  EXPECT_TRUE(assess(s, {true, true}, wide, testing::now_ns()).ok());
}

TEST(CtlState, DeadProcessesAreProblems) {
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  const RegionState s = read_region(d.region());
  Health h = assess(s, {.core_alive = false, .extended_alive = true}, {}, testing::now_ns());
  EXPECT_TRUE(
      mentions(h.problems, "oomguard-core (pid " + std::to_string(getpid()) + ") is not running"));
  h = assess(s, {.core_alive = true, .extended_alive = false}, {}, testing::now_ns());
  EXPECT_TRUE(mentions(h.problems, "oomguard-extended is not running"));
}

TEST(CtlState, NoExtendedIsAWarningNotAProblem) {
  FakeDaemons d(0);
  d.header().core_flags = shm::kFlagNoExtended;
  const RegionState s = read_region(d.region());
  const Health h = assess(s, {.core_alive = true, .extended_alive = false}, {}, testing::now_ns());
  EXPECT_TRUE(h.ok());
  EXPECT_TRUE(mentions(h.warnings, "extended is off"));
}

TEST(CtlState, MissingProtectionsDryRunAndDropsAreWarnings) {
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  d.header().core_protections = shm::kProtMlock | shm::kProtSchedFifo;
  d.header().core_flags = shm::kFlagDryRun;
  d.region().event_control().dropped.store(3);
  const RegionState s = read_region(d.region());
  const Health h = assess(s, {true, true}, {}, testing::now_ns());
  EXPECT_TRUE(h.ok());
  EXPECT_TRUE(mentions(h.warnings, "self-protections not achieved: memory_min, oom_score_adj"));
  EXPECT_TRUE(mentions(h.warnings, "PSI triggers not armed"));
  EXPECT_TRUE(mentions(h.warnings, "dry run"));
  EXPECT_TRUE(mentions(h.warnings, "3 kill events dropped"));
}

TEST(CtlState, ProtectionsTurnedOffByConfigurationAreNotWarnedAbout) {
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  d.header().core_protections = shm::kProtMlock | shm::kProtOomScoreAdj | shm::kProtPsiTriggers;
  const RegionState s = read_region(d.region());
  Thresholds limits;
  limits.expected_protections &= ~std::uint32_t{shm::kProtSchedFifo};
  Health h = assess(s, {true, true}, limits, testing::now_ns());
  EXPECT_TRUE(mentions(h.warnings, "self-protections not achieved: memory_min ("));
  limits.expected_protections &= ~std::uint32_t{shm::kProtMemoryMin};
  h = assess(s, {true, true}, limits, testing::now_ns());
  EXPECT_TRUE(h.warnings.empty());
}

TEST(CtlState, FormatAge) {
  EXPECT_EQ(format_age(350 * kNsPerMs), "350 ms");
  EXPECT_EQ(format_age(1500 * kNsPerMs), "1.5 s");
  EXPECT_EQ(format_age(600'000 * kNsPerMs), "10 min");
  EXPECT_EQ(format_age(3 * 3600'000 * kNsPerMs), "3.0 h");
  EXPECT_EQ(format_age(3 * 86'400'000 * kNsPerMs), "3.0 d");
}

}  // namespace
}  // namespace oomguard::ctl

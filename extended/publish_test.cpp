#include "extended/publish.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>

namespace oomguard::extended {
namespace {

RankedEntry process_entry(pid_t pid, std::string rule) {
  RankedEntry e;
  e.kind = shm::EntryKind::kProcess;
  e.kill_mode = shm::KillMode::kProcess;
  e.reason = rule.empty() ? shm::Reason::kDefault : shm::Reason::kRule;
  e.pid = pid;
  e.start_time_ticks = 1000u + static_cast<std::uint64_t>(pid);
  e.cgroup_id = 55;
  e.cgroup_path = "user.slice/app";
  e.priority = 300;
  e.rule_index = rule.empty() ? 0 : 2;
  e.rule_name = std::move(rule);
  e.badness = 1u << 20;
  e.rss_swap_bytes = 1u << 20;
  e.growth_bytes_per_s = -5;
  e.comm = "a-comm-longer-than-fifteen";
  return e;
}

TEST(Publish, TopKGoesToTheRegionAndRulesAreRemembered) {
  shm::Region region;
  ASSERT_EQ(shm::Region::create(getpid(), 1, &region), 0);
  Ranking ranking;
  ranking.entries.push_back(process_entry(101, "compilers"));
  RankedEntry too_long = process_entry(102, "");
  too_long.cgroup_path = std::string(shm::kCgroupPathBytes, 'x');  // no room for the NUL
  ranking.entries.push_back(too_long);
  ranking.entries.push_back(process_entry(103, ""));
  RankedEntry group;
  group.kind = shm::EntryKind::kCgroup;
  group.kill_mode = shm::KillMode::kGroup;
  group.cgroup_id = 99;
  group.cgroup_path = "batch.slice";
  group.rule_name = "batch";
  ranking.entries.push_back(group);
  ranking.entries.push_back(process_entry(104, ""));

  ranking.scan_last_pid = 4242;
  Publisher publisher(region);
  const Publisher::Published p = publisher.publish(ranking, 3, 777);
  EXPECT_EQ(p.generation, 1u);
  EXPECT_EQ(p.count, 3u);
  EXPECT_EQ(p.skipped, 1u);

  shm::RankingReader reader(region);
  ASSERT_EQ(reader.read(), shm::ReadStatus::kNew);
  const shm::Snapshot* s = reader.last_good();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->generation, 1u);
  EXPECT_EQ(s->created_ns, 777u);
  EXPECT_EQ(s->last_pid, 4242u);
  ASSERT_EQ(s->count, 3u);
  EXPECT_EQ(s->entries[0].pid, 101);
  EXPECT_EQ(s->entries[0].rule_index, 2u);
  EXPECT_EQ(s->entries[0].start_time_ticks, 1101u);
  EXPECT_EQ(s->entries[0].growth_bytes_per_s, -5);
  EXPECT_STREQ(s->entries[0].comm, "a-comm-longer-t");
  EXPECT_STREQ(s->entries[0].cgroup_path, "user.slice/app");
  EXPECT_EQ(s->entries[1].pid, 103);
  EXPECT_EQ(s->entries[2].kind, static_cast<std::uint8_t>(shm::EntryKind::kCgroup));
  EXPECT_STREQ(s->entries[2].cgroup_path, "batch.slice");

  shm::KillEvent e{};
  e.ranking_generation = 1;
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.pid = 101;
  e.start_time_ticks = 1101;
  EXPECT_EQ(publisher.rule_for(e), "compilers");
  e.start_time_ticks = 1;  // another process with a recycled pid
  EXPECT_EQ(publisher.rule_for(e), "");
  shm::KillEvent g{};
  g.ranking_generation = 1;
  g.kind = static_cast<std::uint8_t>(shm::EntryKind::kCgroup);
  g.cgroup_id = 99;
  EXPECT_EQ(publisher.rule_for(g), "batch");
  g.ranking_generation = 2;  // never published
  EXPECT_EQ(publisher.rule_for(g), "");
}

TEST(Publish, HistoryIsBounded) {
  shm::Region region;
  ASSERT_EQ(shm::Region::create(getpid(), 1, &region), 0);
  Publisher publisher(region);
  Ranking ranking;
  ranking.entries.push_back(process_entry(101, "r"));
  for (std::size_t i = 0; i < Publisher::kHistory + 3; ++i) publisher.publish(ranking, 8, i + 1);
  EXPECT_EQ(publisher.last_generation(), Publisher::kHistory + 3);
  shm::KillEvent e{};
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.pid = 101;
  e.start_time_ticks = 1101;
  e.ranking_generation = 1;
  EXPECT_EQ(publisher.rule_for(e), "") << "generation 1 fell out of the history";
  e.ranking_generation = Publisher::kHistory + 3;
  EXPECT_EQ(publisher.rule_for(e), "r");
}

}  // namespace
}  // namespace oomguard::extended

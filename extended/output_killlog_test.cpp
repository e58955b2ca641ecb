#include "extended/output_killlog.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "extended/output_json.h"

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

template <std::size_t N>
void set_text(char (&field)[N], const char* text) {
  std::memset(field, 0, N);
  std::strncpy(field, text, N - 1);
}

// A ranking kill of pid 4242 ("make") in build.slice, as core writes its two phases.
shm::KillEvent killed_event() {
  shm::KillEvent e{};
  e.kill_id = 7;
  e.phase = static_cast<std::uint8_t>(shm::EventPhase::kKilled);
  e.source = static_cast<std::uint8_t>(shm::VictimSource::kRanking);
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kProcess);
  e.trigger_index = 1;
  e.reason = static_cast<std::uint16_t>(shm::Reason::kRule);
  e.pid = 4242;
  e.monitor_mask = 0b110;
  e.start_time_ticks = 987654;
  e.cgroup_id = 1234;
  e.ranking_generation = 19;
  e.priority = 100;
  e.rss_swap_bytes = 3u << 30;
  e.stall_us = 350000;
  e.window_us = 1000000;
  e.trigger_ns = 1000 * kMs;
  e.decision_ns = 1002 * kMs;
  e.signal_ns = 1002 * kMs + 500'000;
  e.mrelease_ns = 1010 * kMs;
  set_text(e.comm, "make");
  set_text(e.cgroup_path, "build.slice/job-1");
  return e;
}

shm::KillEvent released_event() {
  shm::KillEvent e = killed_event();
  e.phase = static_cast<std::uint8_t>(shm::EventPhase::kReleased);
  e.released_ns = 1250 * kMs;
  e.freed_bytes = 2u << 30;
  return e;
}

TEST(KillTracker, PairsPhasesAndCompletesOnRelease) {
  KillTracker tracker;
  KillTracker::Step first = tracker.add(killed_event(), 5);
  EXPECT_TRUE(first.first_seen);
  EXPECT_FALSE(first.completed);
  EXPECT_EQ(tracker.pending(), 1u);
  shm::KillEvent released = released_event();
  released.mrelease_ns = 0;  // a stage only the first phase knew is kept
  KillTracker::Step second = tracker.add(released, 9);
  EXPECT_FALSE(second.first_seen);
  EXPECT_TRUE(second.completed);
  EXPECT_EQ(tracker.pending(), 0u);
  EXPECT_TRUE(second.record.killed_seen);
  EXPECT_TRUE(second.record.released_seen);
  EXPECT_EQ(second.record.event.mrelease_ns, 1010 * kMs);
  EXPECT_EQ(second.record.event.released_ns, 1250 * kMs);
  EXPECT_EQ(second.record.first_seen_ns, 5u);
}

TEST(KillTracker, ReleasedWithoutKilledIsCompleteAtOnce) {
  KillTracker tracker;
  const KillTracker::Step step = tracker.add(released_event(), 1);
  EXPECT_TRUE(step.first_seen);
  EXPECT_TRUE(step.completed);
  EXPECT_FALSE(step.record.killed_seen);
}

TEST(KillTracker, ExpiresOldIncompleteKillsAndTakesAll) {
  KillTracker tracker;
  tracker.add(killed_event(), 100);
  shm::KillEvent other = killed_event();
  other.kill_id = 8;
  tracker.add(other, 500);
  EXPECT_TRUE(tracker.expire(200, 1000).empty());
  const std::vector<KillRecord> old = tracker.expire(1200, 1000);
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].event.kill_id, 7u);
  EXPECT_FALSE(old[0].complete());
  const std::vector<KillRecord> rest = tracker.take_all();
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].event.kill_id, 8u);
  EXPECT_EQ(tracker.pending(), 0u);
}

TEST(KillLogFormat, PairOfEventsGivesTheExactLine) {
  KillTracker tracker;
  tracker.add(killed_event(), 1);
  const KillTracker::Step step = tracker.add(released_event(), 2);
  ASSERT_TRUE(step.completed);
  config::CoreConfig core{};
  for (const char* name : {"memory_full", "memory_some", "available_low"}) {
    config::MonitorConfig m{};
    m.name.assign(name);
    core.monitors.push_back(m);
  }
  KillContext context{.rule = "build-jobs",
                      .monitors = monitor_names(core, step.record.event.monitor_mask),
                      // 2024-05-01T12:00:00Z - 1 s, so the decision (1.002 s) is 12:00:00.002
                      .realtime_offset_ns = 1714564800LL * 1'000'000'000 - 1'000'000'000};
  const std::string expected =
      R"({"time":"2024-05-01T12:00:00.002Z","kill_id":7,"complete":true,"phase":"released",)"
      R"("victim":{"pid":4242,"comm":"make","cgroup":"build.slice/job-1","kind":"process",)"
      R"("kill_mode":"process","start_time_ticks":987654,"cgroup_id":1234},)"
      R"("source":"ranking","reason":"rule","rule":"build-jobs","priority":100,)"
      R"("ranking_generation":19,)"
      R"("trigger":{"index":1,"monitors":["memory_some","available_low"],"stall_us":350000,)"
      R"("window_us":1000000},)"
      R"("stages_ns":{"trigger":1000000000,"decision":1002000000,"signal":1002500000,)"
      R"("mrelease":1010000000,"released":1250000000},)"
      R"("durations_ms":{"trigger_to_decision":2.000,"decision_to_signal":0.500,)"
      R"("signal_to_mrelease":7.500,"signal_to_released":247.500,"time_to_relief":250.000},)"
      R"("rss_swap_bytes":3221225472,"freed_bytes":2147483648,"dry_run":false,)"
      R"("release_timed_out":false,"kill_failed":false,"kill_errno":0,"mrelease_errno":0})";
  EXPECT_EQ(format_kill_json(step.record, context), expected);
}

TEST(KillLogFormat, IncompleteFallbackKill) {
  shm::KillEvent e = killed_event();
  e.source = static_cast<std::uint8_t>(shm::VictimSource::kFallback);
  e.reason = 0;
  e.ranking_generation = 0;
  e.mrelease_ns = 0;
  e.flags = shm::kEventDryRun;
  e.monitor_mask = 1u << 20;  // not a configured monitor
  KillTracker tracker;
  const KillRecord record = tracker.add(e, 1).record;
  const KillContext context{.rule = "",
                            .monitors = monitor_names(config::CoreConfig{}, e.monitor_mask)};
  const std::string line = format_kill_json(record, context);
  EXPECT_NE(line.find(R"("complete":false,"phase":"killed")"), std::string::npos) << line;
  EXPECT_NE(line.find(R"("source":"fallback","reason":null,"rule":null)"), std::string::npos);
  EXPECT_NE(line.find(R"("ranking_generation":"fallback")"), std::string::npos);
  EXPECT_NE(line.find(R"("monitors":["monitor#20"])"), std::string::npos);
  EXPECT_NE(line.find(R"("signal_to_mrelease":null,"signal_to_released":null,)"
                      R"("time_to_relief":null})"),
            std::string::npos);
  EXPECT_NE(line.find(R"("dry_run":true)"), std::string::npos);
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(Json, EscapesControlQuotesAndInvalidUtf8) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01\x7f\xff\xc3\xa9", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\\u007f\\ufffd\xc3\xa9\"");
  JsonWriter json;
  json.begin_object().key("a").begin_array().integer(-1).unsigned_integer(2).null().end_array();
  json.key("b").fixed(1.23456, 2).key("c").boolean(true).end_object();
  EXPECT_EQ(json.text(), R"({"a":[-1,2,null],"b":1.23,"c":true})");
}

TEST(Iso8601, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(iso8601_utc(951782400LL * 1'000'000'000 + 999'999'999), "2000-02-29T00:00:00.999Z");
}

class KillLogFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-killlog-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(KillLogFileTest, CreatesDirectoryAndAppendsWholeLines) {
  const std::string path = dir_ + "/a/b/kills.jsonl";
  {
    KillLogFile log;
    ASSERT_EQ(log.open(path), 0);
    ASSERT_EQ(log.append(R"({"kill_id":1})"), 0);
  }
  KillLogFile again;  // a restarted extended appends, never truncates
  ASSERT_EQ(again.open(path), 0);
  ASSERT_EQ(again.append(R"({"kill_id":2})"), 0);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"kill_id\":1}\n{\"kill_id\":2}\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777 & ~0640u, 0u) << "not readable by others (umask may narrow it)";
}

TEST_F(KillLogFileTest, EmptyPathIsOff) {
  KillLogFile log;
  EXPECT_EQ(log.open(""), 0);
  EXPECT_FALSE(log.is_open());
  EXPECT_EQ(log.append("x"), -EBADF);
}

}  // namespace
}  // namespace oomguard::extended

#include "tools/ctl/render.h"

#include <gtest/gtest.h>

#include "tools/ctl/ctl_test_util.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {
namespace {

using testing::FakeDaemons;

// Runs of spaces collapsed to one, so expectations do not depend on column widths.
std::string squeeze(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' || out.empty() || out.back() != ' ') out += c;
  }
  return out;
}

hog::JsonValue parse(const std::string& text) {
  auto v = hog::parse_json(text);
  EXPECT_TRUE(v) << (v ? "" : v.error().message) << "\n" << text;
  return v ? *v : hog::JsonValue::null();
}

TEST(CtlRender, TableAlignsColumns) {
  Table t({"A", "NUM", "NAME"}, {false, true, false});
  t.add({"x", "5", "first"});
  t.add({"longer", "1234", ""});
  EXPECT_EQ(t.render(), "A        NUM  NAME\nx          5  first\nlonger  1234\n");
}

TEST(CtlRender, Units) {
  EXPECT_EQ(format_bytes(0), "0");
  EXPECT_EQ(format_bytes(1023), "1023");
  EXPECT_EQ(format_bytes(12 * 1024), "12.0K");
  EXPECT_EQ(format_bytes(1536 * testing::kMiB), "1.5G");
  EXPECT_EQ(format_growth(10 * static_cast<std::int64_t>(testing::kMiB)), "+10.0M");
  EXPECT_EQ(format_growth(-2048), "-2.0K");
  EXPECT_EQ(format_growth(0), "0");
  EXPECT_EQ(format_utc(std::int64_t{1714564800} * 1'000'000'000), "2024-05-01 12:00:00");
}

TEST(CtlRender, RankTextShowsReasonsAndRuleNames) {
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  const RegionState s = read_region(d.region());
  RankView v{.state = &s, .now_ns = testing::now_ns(), .rule_names = {"editors", "compilers"}};
  const std::string text = squeeze(render_rank_text(v));
  EXPECT_NE(text.find("3 entries (first is killed first)"), std::string::npos) << text;
  EXPECT_NE(text.find("# KIND PID COMM CGROUP PRIO REASON RULE KILL SIZE GROWTH/s BADNESS\n"
                      "1 process 4242 cc1plus /user.slice/build 100 rule #2 compilers process "
                      "1.5G +10.0M 1.8G\n"
                      "2 cgroup - - /system.slice/batch.service 300 xattr - group 800.0M 0 "
                      "800.0M\n"
                      "3 process 77 python3 /user.slice 500 oom_score_adj - process 300.0M -1.0K "
                      "300.0M\n"),
            std::string::npos)
      << text;

  v.limit = 1;
  EXPECT_NE(render_rank_text(v).find("(2 more; --limit 0 shows all)"), std::string::npos);
  v.rule_names.clear();  // no configuration: the index only
  EXPECT_NE(render_rank_text(v).find(" #2 "), std::string::npos);
}

TEST(CtlRender, RankJsonCarriesEveryEntryField) {
  FakeDaemons d;
  const std::uint64_t generation = d.publish(testing::sample_ranking());
  const RegionState s = read_region(d.region());
  const hog::JsonValue j = parse(render_rank_json(
      {.state = &s, .now_ns = testing::now_ns(), .rule_names = {"editors", "compilers"}}));
  EXPECT_EQ(j.find("generation")->as_number(), static_cast<double>(generation));
  ASSERT_EQ(j.find("entries")->items().size(), 3u);
  const hog::JsonValue& e = j.find("entries")->items()[0];
  EXPECT_EQ(e.find("rank")->as_number(), 1);
  EXPECT_EQ(e.find("pid")->as_number(), 4242);
  EXPECT_EQ(e.find("comm")->as_string(), "cc1plus");
  EXPECT_EQ(e.find("cgroup")->as_string(), "/user.slice/build");
  EXPECT_EQ(e.find("priority")->as_number(), 100);
  EXPECT_EQ(e.find("reason")->as_string(), "rule");
  EXPECT_EQ(e.find("rule_index")->as_number(), 2);
  EXPECT_EQ(e.find("rule")->as_string(), "compilers");
  EXPECT_EQ(e.find("kill_mode")->as_string(), "process");
  EXPECT_EQ(e.find("rss_swap_bytes")->as_number(), 1536.0 * testing::kMiB);
  EXPECT_EQ(e.find("growth_bytes_per_s")->as_number(), 10.0 * testing::kMiB);
  EXPECT_GT(e.find("badness")->as_number(), e.find("rss_swap_bytes")->as_number());
  const hog::JsonValue& g = j.find("entries")->items()[1];
  EXPECT_EQ(g.find("kind")->as_string(), "cgroup");
  EXPECT_EQ(g.find("kill_mode")->as_string(), "group");
  EXPECT_TRUE(g.find("rule")->is_null());
}

TEST(CtlRender, RankWithoutRanking) {
  FakeDaemons d;
  const RegionState s = read_region(d.region());
  EXPECT_EQ(render_rank_text({.state = &s}),
            "no ranking published yet (oomguard-extended publishes one per scan)\n");
  const hog::JsonValue j = parse(render_rank_json({.state = &s}));
  EXPECT_TRUE(j.find("generation")->is_null());
  EXPECT_TRUE(j.find("entries")->items().empty());
}

StatusView status_of(const RegionState& s, const std::vector<KillEntry>& kills) {
  StatusView v{.pid = getpid(), .state = &s, .now_ns = testing::now_ns()};
  v.live = {.core_alive = true, .extended_alive = true};
  v.health = assess(s, v.live, {}, v.now_ns);
  v.config_path = "/etc/oomguard/oomguard.toml";
  v.kill_log_path = "/var/log/oomguard/kills.jsonl";
  v.last_kills = kills;
  v.total_kills = 17;
  return v;
}

TEST(CtlRender, StatusTextAndJson) {
  FakeDaemons d(4321);
  d.header().core_protections = shm::kProtMlock | shm::kProtSchedFifo | shm::kProtPsiTriggers;
  d.publish(testing::sample_ranking());
  const RegionState s = read_region(d.region());
  auto kill = parse_kill_line(
      R"({"time":"2024-05-01T12:00:00.002Z","kill_id":7,"complete":true,"victim":{"pid":4242,)"
      R"("comm":"make","cgroup":"build.slice/job-1"},"source":"ranking","reason":"rule",)"
      R"("rule":"build-jobs","priority":100,"durations_ms":{"time_to_relief":250.0},)"
      R"("rss_swap_bytes":3221225472,"freed_bytes":2147483648})");
  ASSERT_TRUE(kill);
  StatusView v = status_of(s, {*kill});
  v.expected_protections = ~std::uint32_t{shm::kProtOomScoreAdj};
  v.live.extended_alive = false;
  v.health = assess(s, v.live, {}, v.now_ns);

  const std::string text = squeeze(render_status_text(v));
  EXPECT_NE(text.find("oomguard: DEGRADED"), std::string::npos) << text;
  EXPECT_NE(text.find("core pid " + std::to_string(getpid())), std::string::npos) << text;
  EXPECT_NE(
      text.find("mlock yes, memory_min no, sched_fifo yes, oom_score_adj off, psi_triggers yes"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("extended pid 4321 (gone)"), std::string::npos) << text;
  EXPECT_NE(text.find("ranking generation 1, 3 entries"), std::string::npos) << text;
  EXPECT_NE(text.find("kill log /var/log/oomguard/kills.jsonl: 17 kills"), std::string::npos);
  EXPECT_NE(text.find("oomguard-extended is not running"), std::string::npos) << text;
  EXPECT_NE(text.find("last kills:\n TIME (UTC) ID PID COMM"), std::string::npos) << text;
  EXPECT_NE(text.find(" 2024-05-01 12:00:00 7 4242 make /build.slice/job-1 ranking rule build-jobs "
                      "100 3.0G 2.0G 250 ms -\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("250 ms"), std::string::npos) << text;

  const hog::JsonValue j = parse(render_status_json(v));
  EXPECT_EQ(j.find("health")->as_string(), "degraded");
  EXPECT_EQ(j.find("core")->find("pid")->as_number(), getpid());
  EXPECT_TRUE(j.find("core")->find("protections")->find("mlock")->as_bool());
  EXPECT_FALSE(j.find("core")->find("protections")->find("memory_min")->as_bool());
  ASSERT_EQ(j.find("core")->find("protections_off")->items().size(), 1u);
  EXPECT_EQ(j.find("core")->find("protections_off")->items()[0].as_string(), "oom_score_adj");
  EXPECT_LT(j.find("core")->find("heartbeat_age_ms")->as_number(), 10000);
  EXPECT_EQ(j.find("extended")->find("pid")->as_number(), 4321);
  EXPECT_FALSE(j.find("extended")->find("running")->as_bool());
  EXPECT_EQ(j.find("ranking")->find("entries")->as_number(), 3);
  EXPECT_EQ(j.find("kill_log")->find("kills")->as_number(), 17);
  ASSERT_EQ(j.find("last_kills")->items().size(), 1u);
  EXPECT_EQ(j.find("last_kills")->items()[0].find("kill_id")->as_number(), 7);
  EXPECT_FALSE(j.find("problems")->items().empty());
}

TEST(CtlRender, KillsTableNotes) {
  auto log = read_kill_log(std::string(OOMGUARD_CTL_TESTDATA) + "/kills.jsonl");
  ASSERT_TRUE(log);
  const std::string text = render_kills_text(log->entries);
  EXPECT_NE(text.find("TIME (UTC)"), std::string::npos);
  EXPECT_NE(text.find("dry-run,incomplete"), std::string::npos) << text;
  EXPECT_NE(text.find("release-timeout"), std::string::npos) << text;
  EXPECT_NE(text.find("fallback"), std::string::npos) << text;
  const hog::JsonValue j = parse(render_kills_json(*log, "/x/kills.jsonl", log->entries));
  EXPECT_EQ(j.find("bad_lines")->as_number(), 1);
  EXPECT_EQ(j.find("kills")->items().size(), 4u);
  EXPECT_EQ(j.find("kills")->items()[3].find("mrelease_errno")->as_number(), 3);
}

}  // namespace
}  // namespace oomguard::ctl

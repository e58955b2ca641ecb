#include "tools/ctl/killlog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace oomguard::ctl {
namespace {

const std::string kSample = std::string(OOMGUARD_CTL_TESTDATA) + "/kills.jsonl";
constexpr std::int64_t kNsPerS = 1'000'000'000;

TEST(CtlKillLog, ParsesEveryFieldShown) {
  auto log = read_kill_log(kSample);
  ASSERT_TRUE(log) << log.error().message;
  ASSERT_EQ(log->entries.size(), 4u);
  EXPECT_EQ(log->bad_lines, 1u);  // the line cut short
  const KillEntry& k = log->entries[0];
  EXPECT_EQ(k.kill_id, 7u);
  EXPECT_EQ(k.time, "2024-05-01T12:00:00.002Z");
  EXPECT_EQ(k.time_ns, std::int64_t{1714564800} * kNsPerS + 2'000'000);
  EXPECT_EQ(k.pid, 4242);
  EXPECT_EQ(k.comm, "make");
  EXPECT_EQ(k.cgroup, "build.slice/job-1");
  EXPECT_EQ(k.kind, "process");
  EXPECT_EQ(k.source, "ranking");
  EXPECT_EQ(k.reason, "rule");
  EXPECT_EQ(k.rule, "build-jobs");
  EXPECT_EQ(k.priority, 100);
  EXPECT_EQ(k.generation, "19");
  EXPECT_EQ(k.rss_swap_bytes, 3221225472u);
  EXPECT_EQ(k.freed_bytes, 2147483648u);
  EXPECT_EQ(k.time_to_relief_ms, 250.0);
  EXPECT_TRUE(k.complete);
  EXPECT_FALSE(k.dry_run);

  const KillEntry& fallback = log->entries[2];
  EXPECT_EQ(fallback.source, "fallback");
  EXPECT_EQ(fallback.reason, "");
  EXPECT_EQ(fallback.generation, "fallback");
  EXPECT_FALSE(fallback.time_to_relief_ms.has_value());
  EXPECT_FALSE(fallback.complete);
  EXPECT_TRUE(fallback.dry_run);
  EXPECT_TRUE(log->entries[3].release_timed_out);
  EXPECT_EQ(log->entries[1].kill_mode, "group");
}

TEST(CtlKillLog, RawLineIsKeptForJson) {
  auto entry = parse_kill_line(R"({"kill_id":3,"time":"2024-01-01T00:00:00Z"})");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->raw, R"({"kill_id":3,"time":"2024-01-01T00:00:00Z"})");
  EXPECT_FALSE(parse_kill_line("[1,2]"));
  EXPECT_FALSE(parse_kill_line(R"({"time":"x"})"));
  EXPECT_FALSE(parse_kill_line(R"({"kill_id":1)"));
}

TEST(CtlKillLog, SinceFiltersByTime) {
  const auto since = parse_iso8601_utc("2024-05-01T12:30:00Z");
  ASSERT_TRUE(since);
  auto log = read_kill_log(kSample, since);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->entries.size(), 3u);
  EXPECT_EQ(log->entries[0].kill_id, 8u);
}

TEST(CtlKillLog, ReadsTheFirstRotationBeforeTheCurrentFile) {
  char tmpl[] = "/tmp/oomguardctl-log-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl, path = dir + "/kills.jsonl";
  std::ofstream(path + ".1") << R"({"kill_id":1,"time":"2024-01-01T00:00:00Z"})"
                             << "\n";
  std::ofstream(path) << R"({"kill_id":2,"time":"2024-01-02T00:00:00Z"})"
                      << "\n\n";
  auto log = read_kill_log(path);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->entries.size(), 2u);
  EXPECT_EQ(log->entries[0].kill_id, 1u);
  EXPECT_EQ(log->entries[1].kill_id, 2u);
  EXPECT_EQ(log->files.size(), 2u);
  EXPECT_EQ(log->bad_lines, 0u);
}

TEST(CtlKillLog, MissingFileIsAnErrorNamingThePath) {
  auto log = read_kill_log("/nonexistent/oomguard/kills.jsonl");
  ASSERT_FALSE(log);
  EXPECT_NE(log.error().message.find("/nonexistent/oomguard/kills.jsonl does not exist"),
            std::string::npos);
}

TEST(CtlKillLog, Iso8601Forms) {
  const std::int64_t day = std::int64_t{1714521600} * kNsPerS;  // 2024-05-01T00:00:00Z
  EXPECT_EQ(parse_iso8601_utc("2024-05-01"), day);
  EXPECT_EQ(parse_iso8601_utc("2024-05-01 00:00"), day);
  EXPECT_EQ(parse_iso8601_utc("2024-05-01T12:00:00Z"), day + 12 * 3600 * kNsPerS);
  EXPECT_EQ(parse_iso8601_utc("2024-05-01T12:00:00.25Z"), day + 12 * 3600 * kNsPerS + 250'000'000);
  EXPECT_FALSE(parse_iso8601_utc("2024-13-01"));
  EXPECT_FALSE(parse_iso8601_utc("2024-05-01T25:00"));
  EXPECT_FALSE(parse_iso8601_utc("2024-05-01T12:00:00+02:00"));
  EXPECT_FALSE(parse_iso8601_utc("yesterday"));
}

TEST(CtlKillLog, SinceDurationsAndTimes) {
  const std::int64_t now = std::int64_t{1714564800} * kNsPerS;
  auto ago = [&](std::string_view text) {
    auto t = parse_since(text, now);
    EXPECT_TRUE(t) << text;
    return t ? (now - *t) / 1'000'000 : -1;  // ms
  };
  EXPECT_EQ(ago("90s"), 90'000);
  EXPECT_EQ(ago("90"), 90'000);
  EXPECT_EQ(ago("10m"), 600'000);
  EXPECT_EQ(ago("10min"), 600'000);
  EXPECT_EQ(ago("2h"), 7'200'000);
  EXPECT_EQ(ago("1h30m"), 5'400'000);
  EXPECT_EQ(ago("7d"), 604'800'000);
  EXPECT_EQ(ago("1w"), 604'800'000);
  EXPECT_EQ(ago("500ms"), 500);
  EXPECT_EQ(ago("1.5h"), 5'400'000);
  auto at = parse_since("@1714521600", now);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, std::int64_t{1714521600} * kNsPerS);
  at = parse_since("2024-05-01", now);
  ASSERT_TRUE(at);
  EXPECT_EQ(*at, std::int64_t{1714521600} * kNsPerS);
  for (const char* bad : {"", "10x", "h", "-5m", "1h 30m", "5 10", "@", "@-1", "10m5"}) {
    auto t = parse_since(bad, now);
    EXPECT_FALSE(t) << bad;
    if (!t) {
      EXPECT_NE(t.error().message.find("--since"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace oomguard::ctl

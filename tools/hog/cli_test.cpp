#include "tools/hog/cli.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace oomguard::hog {
namespace {

Result<Invocation> parse(std::vector<std::string_view> args) { return parse_command_line(args); }

template <typename T>
const T& mode_at(const Invocation& inv, std::size_t i) {
  return std::get<T>(inv.modes.at(i));
}

TEST(HogCli, AnonWithDefaults) {
  auto inv = parse({"anon", "--total-mib", "800"});
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  ASSERT_EQ(inv->modes.size(), 1u);
  const auto& a = mode_at<AnonSpec>(*inv, 0);
  EXPECT_EQ(a.total_mib, 800u);
  EXPECT_EQ(a.rate_mib_s, 0);
  EXPECT_FALSE(a.retouch);
  EXPECT_FALSE(a.hold_s.has_value());
  EXPECT_FALSE(inv->common.json);
  EXPECT_EQ(inv->common.interval_ms, 1000u);
}

TEST(HogCli, CommonOptionsAndSeveralModes) {
  auto inv = parse({"--cgroup", "a", "--cgroup=/sys/fs/cgroup/unified/b", "--comm", "hogx",
                    "--json", "anon", "--total-mib=64", "--rate-mib", "12.5", "--retouch",
                    "--hold-s", "3", "canary", "--period-ms", "5", "--quiet"});
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_EQ(inv->common.cgroups, (std::vector<std::string>{"a", "/sys/fs/cgroup/unified/b"}));
  EXPECT_EQ(inv->common.comm, "hogx");
  EXPECT_TRUE(inv->common.json);
  EXPECT_TRUE(inv->common.quiet);  // common options are accepted after a mode too
  ASSERT_EQ(inv->modes.size(), 2u);
  const auto& a = mode_at<AnonSpec>(*inv, 0);
  EXPECT_EQ(a.total_mib, 64u);
  EXPECT_DOUBLE_EQ(a.rate_mib_s, 12.5);
  EXPECT_TRUE(a.retouch);
  ASSERT_TRUE(a.hold_s.has_value());
  EXPECT_DOUBLE_EQ(*a.hold_s, 3.0);
  EXPECT_EQ(mode_at<CanarySpec>(*inv, 1).period_ms, 5u);
  EXPECT_EQ(mode_name(inv->modes[1]), "canary");
}

TEST(HogCli, AValueThatLooksLikeAModeIsAValue) {
  auto inv = parse({"fanout", "--workers", "3", "--worker-mib", "10", "--worker-comm", "leak"});
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  ASSERT_EQ(inv->modes.size(), 1u);
  EXPECT_EQ(mode_at<FanoutSpec>(*inv, 0).worker_comm, "leak");
}

TEST(HogCli, EveryModeParses) {
  auto inv = parse({"thrash",   "--file",       "/tmp/x",     "--file-mib", "100",
                    "--random", "--remove",     "--passes",   "7",          "--duration-s",
                    "0.5",      "leak",         "--rate-mib", "0.25",       "spike",
                    "--mib",    "50",           "--hold-ms",  "200",        "--repeat",
                    "4",        "--every-ms",   "1000",       "fanout",     "--workers",
                    "20",       "--worker-mib", "30",         "--hold-s",   "1"});
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  ASSERT_EQ(inv->modes.size(), 4u);
  const auto& t = mode_at<ThrashSpec>(*inv, 0);
  EXPECT_EQ(t.file, "/tmp/x");
  EXPECT_EQ(t.file_mib, 100u);
  EXPECT_TRUE(t.random);
  EXPECT_TRUE(t.remove);
  EXPECT_EQ(t.passes, 7u);
  EXPECT_DOUBLE_EQ(*t.duration_s, 0.5);
  EXPECT_DOUBLE_EQ(mode_at<LeakSpec>(*inv, 1).rate_mib_s, 0.25);
  const auto& s = mode_at<SpikeSpec>(*inv, 2);
  EXPECT_EQ(s.mib, 50u);
  EXPECT_EQ(s.hold_ms, 200u);
  EXPECT_EQ(s.repeat, 4u);
  EXPECT_EQ(s.every_ms, 1000u);
  const auto& f = mode_at<FanoutSpec>(*inv, 3);
  EXPECT_EQ(f.workers, 20u);
  EXPECT_EQ(f.worker_mib, 30u);
  EXPECT_EQ(f.worker_comm, "hog-worker");
}

TEST(HogCli, HelpWinsOverErrors) {
  auto inv = parse({"anon", "--bogus", "--help"});
  ASSERT_TRUE(inv.ok());
  EXPECT_TRUE(inv->help);
  EXPECT_NE(usage_text().find("usage: hog"), std::string_view::npos);
}

void expect_usage_error(std::vector<std::string_view> args, std::string_view fragment) {
  auto inv = parse(args);
  ASSERT_FALSE(inv.ok()) << "accepted: " << (args.empty() ? "" : args[0]);
  EXPECT_NE(inv.error().message.find(fragment), std::string::npos) << inv.error().message;
}

TEST(HogCli, UsageErrors) {
  expect_usage_error({}, "no mode");
  expect_usage_error({"--json"}, "no mode");
  expect_usage_error({"bogus"}, "unexpected argument 'bogus'");
  expect_usage_error({"anon"}, "--total-mib N is required");
  expect_usage_error({"anon", "--total-mib", "0"}, "--total-mib N is required");
  expect_usage_error({"anon", "--total-mib", "x"}, "expected a non-negative integer");
  expect_usage_error({"anon", "--total-mib", "-5"}, "expected a non-negative integer");
  expect_usage_error({"anon", "--total-mib", "5", "--rate-mib", "-1"}, "non-negative number");
  expect_usage_error({"anon", "--total-mib", "5", "--rate-mib", "inf"}, "non-negative number");
  expect_usage_error({"anon", "--total-mib"}, "needs a value");
  expect_usage_error({"anon", "--total-mib", "5", "--file-mib", "3"},
                     "unknown option '--file-mib'");
  expect_usage_error({"anon", "--total-mib", "5", "--retouch=yes"}, "takes no value");
  expect_usage_error({"--comm", "a-name-longer-than-15", "leak"}, "1..15 bytes");
  expect_usage_error({"leak", "--rate-mib", "0"}, "--rate-mib must be > 0");
  expect_usage_error({"spike", "--mib", "5", "--repeat", "0"}, "--repeat must be >= 1");
  expect_usage_error({"fanout", "--workers", "5"}, "--worker-mib");
  expect_usage_error({"fanout", "--worker-mib", "5", "--workers", "5000"}, "1..4096");
  expect_usage_error({"fanout", "--workers", "99999999999", "--worker-mib", "5"}, "too large");
  expect_usage_error({"canary", "--period-ms", "0"}, "--period-ms must be >= 1");
  expect_usage_error({"canary", "--ws-kib", "1"}, "--ws-kib must be >= 4");
  expect_usage_error({"thrash"}, "--file-mib N is required");
  expect_usage_error({"--interval-ms", "0", "leak"}, "--interval-ms");
  // Validation of a mode happens before the next mode starts.
  expect_usage_error({"anon", "leak"}, "anon: --total-mib");
}

TEST(HogCli, WorkerArgsRoundTrip) {
  FanoutSpec spec{.workers = 4,
                  .worker_mib = 25,
                  .worker_comm = "cc1plus",
                  .rate_mib_s = 12.5,
                  .retouch = true,
                  .hold_s = 2.0};
  std::vector<std::string> args = anon_worker_args(spec);
  std::vector<std::string_view> views(args.begin(), args.end());
  auto inv = parse_command_line(views);
  ASSERT_TRUE(inv.ok()) << inv.error().message;
  EXPECT_EQ(inv->common.comm, "cc1plus");
  EXPECT_TRUE(inv->common.quiet);
  const auto& a = mode_at<AnonSpec>(*inv, 0);
  EXPECT_EQ(a.total_mib, 25u);
  EXPECT_DOUBLE_EQ(a.rate_mib_s, 12.5);
  EXPECT_TRUE(a.retouch);
  EXPECT_DOUBLE_EQ(a.hold_s.value_or(-1), 2.0);

  spec.hold_s.reset();
  spec.retouch = false;
  args = anon_worker_args(spec);
  views.assign(args.begin(), args.end());
  auto inv2 = parse_command_line(views);
  ASSERT_TRUE(inv2.ok());
  EXPECT_FALSE(mode_at<AnonSpec>(*inv2, 0).hold_s.has_value());
  EXPECT_FALSE(mode_at<AnonSpec>(*inv2, 0).retouch);
}

}  // namespace
}  // namespace oomguard::hog

#include "tools/scenario/stats.h"

#include <gtest/gtest.h>

namespace oomguard::scenario {
namespace {

RunResult run(std::optional<double> ttd, double full_ms, int kills, const char* role) {
  RunResult r;
  r.key = "thrash";
  r.ttd_s = ttd;
  r.full_stall_ms = full_ms;
  r.canary_worst_ms = full_ms / 10;
  r.outcome = kills > 0 ? "killed" : "exited by itself";
  for (int i = 0; i < kills; ++i) {
    VictimInfo v;
    v.pid = 1;
    v.comm = role;
    v.role = role;
    v.killer = "oomguard";
    r.victims.push_back(v);
  }
  return r;
}

TEST(Stats, MedianAndRangeSkipMissingValues) {
  const Stat s = stat_of({3.0, std::nullopt, 1.0, 2.0, 10.0});
  EXPECT_EQ(s.n, 4);
  EXPECT_DOUBLE_EQ(s.median, 2.5);
  EXPECT_DOUBLE_EQ(s.min, 1.0);
  EXPECT_DOUBLE_EQ(s.max, 10.0);
  EXPECT_EQ(format_stat(s, 1), "2.5 (1.0-10.0)");
  EXPECT_EQ(format_stat(stat_of({std::nullopt}), 1), "n/a");
  EXPECT_EQ(format_stat(stat_of({4.0}), 2), "4.00");
  EXPECT_EQ(format_ratio(stat_of({3.0}), stat_of({1.5})), "2.00x");
  EXPECT_EQ(format_ratio(stat_of({3.0}), stat_of({})), "n/a");
}

TEST(Stats, BenchTableHasRatiosAgainstOomguard) {
  std::vector<BenchCell> cells = {
      {.key = "thrash", .mode = Mode::kKernel, .runs = {run(std::nullopt, 20000, 0, "x")}},
      {.key = "thrash",
       .mode = Mode::kOomguard,
       .runs = {run(1.0, 1000, 1, "thrash"), run(2.0, 3000, 1, "thrash")}}};
  const std::string table = bench_table(cells);
  EXPECT_NE(table.find("kernel"), std::string::npos) << table;
  EXPECT_NE(table.find("20.00"), std::string::npos) << table;   // kernel's full stall, s
  EXPECT_NE(table.find("10.00x"), std::string::npos) << table;  // 20 s vs median 2 s
  EXPECT_NE(table.find("1.50 (1.00-2.00)"), std::string::npos) << table;
  EXPECT_NE(table.find("thrash:thrash (2/2)"), std::string::npos) << table;
  EXPECT_NE(table.find("exited by itself (1/1)"), std::string::npos) << table;
}

TEST(Stats, SummaryLinesRoundTripIntoATable) {
  RunResult r = run(1.25, 2500, 2, "make");
  r.scenario = 2;
  r.key = "build-storm";
  const std::string line = summary_line(r, "PASS");
  EXPECT_EQ(line, "2\tbuild-storm\toomguard\tPASS\tkilled\t1.25\t2.50\t250\t2\tmake:makex2");
  const std::string table = summary_table({line});
  EXPECT_NE(table.find("build-storm"), std::string::npos) << table;
  EXPECT_NE(table.find("make:makex2"), std::string::npos) << table;
}

}  // namespace
}  // namespace oomguard::scenario

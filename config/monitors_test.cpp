// [[core.monitors]] and [[core.triggers]]: replacement of the defaults, implicit triggers, and
// their error classes.
#include <gtest/gtest.h>

#include "config/load.h"
#include "config/load_test_util.h"

namespace oomguard::config {
namespace {

using testing::has_error;
using testing::load;

std::string pressure_monitor(std::string_view name) {
  return "[[core.monitors]]\nname = \"" + std::string(name) +
         "\"\nkind = \"pressure\"\nstall = \"some\"\nthreshold_ms = 100\nwindow_ms = 1000\n";
}

TEST(Monitors, DefaultMonitorsAndTriggers) {
  const CoreConfig core = defaults().core;
  ASSERT_EQ(core.monitors.size(), 3u);
  EXPECT_EQ(core.monitors[0].name.view(), "memory_full");
  EXPECT_EQ(core.monitors[0].stall, StallKind::kFull);
  EXPECT_EQ(core.monitors[1].threshold_ms, 300u);
  EXPECT_EQ(core.monitors[2].kind, MonitorKind::kMemAvailable);
  EXPECT_EQ(core.monitors[2].percent, 5.0);
  ASSERT_EQ(core.triggers.size(), 2u);
  ASSERT_EQ(core.triggers[0].monitors.size(), 1u);
  EXPECT_EQ(core.triggers[0].monitors[0], 0);
  ASSERT_EQ(core.triggers[1].monitors.size(), 2u);
  EXPECT_EQ(core.triggers[1].monitors[0], 1);
  EXPECT_EQ(core.triggers[1].monitors[1], 2);
}

TEST(Monitors, GivenMonitorsReplaceDefaultsAndEachIsItsOwnTrigger) {
  const LoadResult result = load(
      "[[core.monitors]]\n"
      "name = \"io\"\n"
      "kind = \"pressure\"\n"
      "resource = \"io\"\n"
      "stall = \"full\"\n"
      "threshold_ms = 500\n"
      "window_ms = 2000\n"
      "cgroup = \"/system.slice/\"\n"
      "[[core.monitors]]\n"
      "name = \"build-limit\"\n"
      "kind = \"cgroup_usage\"\n"
      "cgroup = \"user.slice/build\"\n"
      "percent = 97.5\n"
      "[[core.monitors]]\n"
      "name = \"swap\"\n"
      "kind = \"swap_free\"\n"
      "percent = 10\n");
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  const CoreConfig& core = result.config->core;
  ASSERT_EQ(core.monitors.size(), 3u);
  EXPECT_EQ(core.monitors[0].resource, PressureResource::kIo);
  EXPECT_EQ(core.monitors[0].stall, StallKind::kFull);
  EXPECT_EQ(core.monitors[0].threshold_ms, 500u);
  EXPECT_EQ(core.monitors[0].window_ms, 2000u);
  EXPECT_EQ(core.monitors[0].cgroup.view(), "system.slice");
  EXPECT_EQ(core.monitors[1].kind, MonitorKind::kCgroupUsage);
  EXPECT_EQ(core.monitors[1].cgroup.view(), "user.slice/build");
  EXPECT_EQ(core.monitors[1].percent, 97.5);
  EXPECT_EQ(core.monitors[2].kind, MonitorKind::kSwapFree);
  EXPECT_EQ(core.monitors[2].percent, 10.0);
  ASSERT_EQ(core.triggers.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(core.triggers[i].monitors.size(), 1u);
    EXPECT_EQ(core.triggers[i].monitors[0], i);
  }
}

TEST(Monitors, TriggersAloneResolveAgainstDefaultMonitors) {
  const LoadResult result = load("[[core.triggers]]\nall = [\"available_low\", \"memory_full\"]\n");
  ASSERT_TRUE(result.config) << testing::all_errors(result);
  const CoreConfig& core = result.config->core;
  EXPECT_EQ(core.monitors, defaults().core.monitors);
  ASSERT_EQ(core.triggers.size(), 1u);
  ASSERT_EQ(core.triggers[0].monitors.size(), 2u);
  EXPECT_EQ(core.triggers[0].monitors[0], 2);
  EXPECT_EQ(core.triggers[0].monitors[1], 0);
}

TEST(Monitors, ThresholdMustBeBelowWindow) {
  const LoadResult result = load(
      "[[core.monitors]]\n"
      "name = \"m\"\n"
      "kind = \"pressure\"\n"
      "stall = \"some\"\n"
      "threshold_ms = 1000\n"
      "window_ms = 1000\n");
  EXPECT_TRUE(has_error(result, 5, 16, "core.monitors[0].threshold_ms",
                        "must be less than window_ms (1000), got 1000"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, MissingRequiredKeys) {
  const LoadResult result = load(
      "[core]\n"
      "[[core.monitors]]\n"
      "kind = \"pressure\"\n"
      "[[core.monitors]]\n"
      "name = \"u\"\n"
      "kind = \"cgroup_usage\"\n"
      "[[core.monitors]]\n"
      "name = \"k\"\n"
      "[[core.triggers]]\n"
      "any = [\"u\"]\n");
  EXPECT_TRUE(has_error(result, 2, 1, "core.monitors[0].name", "required key is missing"));
  EXPECT_TRUE(has_error(result, 2, 1, "core.monitors[0].stall", "required key is missing"));
  EXPECT_TRUE(has_error(result, 2, 1, "core.monitors[0].window_ms", "required key is missing"));
  EXPECT_TRUE(has_error(result, 2, 1, "core.monitors[0].threshold_ms", "required key is missing"));
  EXPECT_TRUE(has_error(result, 4, 1, "core.monitors[1].cgroup", "required key is missing"));
  EXPECT_TRUE(has_error(result, 4, 1, "core.monitors[1].percent", "required key is missing"));
  EXPECT_TRUE(has_error(result, 7, 1, "core.monitors[2].kind", "required key is missing"));
  EXPECT_TRUE(has_error(result, 9, 1, "core.triggers[0].all", "required key is missing"));
  EXPECT_TRUE(has_error(result, 10, 1, "core.triggers[0].any", "unknown key 'any'"));
  EXPECT_EQ(result.errors.size(), 9u) << testing::all_errors(result);
}

TEST(Monitors, KeysThatDoNotApplyToTheKind) {
  const LoadResult result = load(
      "[[core.monitors]]\n"
      "name = \"p\"\n"
      "kind = \"pressure\"\n"
      "stall = \"full\"\n"
      "threshold_ms = 10\n"
      "window_ms = 1000\n"
      "percent = 5\n"
      "[[core.monitors]]\n"
      "name = \"a\"\n"
      "kind = \"mem_available\"\n"
      "percent = 5\n"
      "cgroup = \"/x\"\n"
      "window_ms = 1000\n");
  EXPECT_TRUE(has_error(result, 7, 11, "core.monitors[0].percent",
                        "does not apply to a monitor of kind \"pressure\" (only to mem_available, "
                        "swap_free and cgroup_usage)"));
  EXPECT_TRUE(has_error(result, 12, 10, "core.monitors[1].cgroup",
                        "does not apply to a monitor of kind \"mem_available\""));
  EXPECT_TRUE(has_error(result, 13, 13, "core.monitors[1].window_ms", "(only to pressure)"));
  EXPECT_EQ(result.errors.size(), 3u) << testing::all_errors(result);
}

TEST(Monitors, InvalidValues) {
  const LoadResult result = load(
      "[[core.monitors]]\n"
      "name = \"bad name!\"\n"
      "kind = \"presure\"\n"
      "window_ms = 100\n"
      "[[core.monitors]]\n"
      "name = \"a\"\n"
      "kind = \"mem_available\"\n"
      "percent = 0\n"
      "[[core.monitors]]\n"
      "name = \"u\"\n"
      "kind = \"cgroup_usage\"\n"
      "cgroup = \"/\"\n"
      "percent = 100.5\n");
  EXPECT_TRUE(has_error(result, 2, 8, "core.monitors[0].name",
                        "may contain only letters, digits, '_' and '-', got \"bad name!\""));
  EXPECT_TRUE(has_error(result, 3, 8, "core.monitors[0].kind", "(did you mean \"pressure\"?)"));
  // Kind unknown: present keys are still checked.
  EXPECT_TRUE(
      has_error(result, 4, 13, "core.monitors[0].window_ms", "must be between 500 and 10000"));
  EXPECT_TRUE(has_error(result, 8, 11, "core.monitors[1].percent",
                        "must be greater than 0 and at most 100 (percent), got 0"));
  EXPECT_TRUE(has_error(result, 12, 10, "core.monitors[2].cgroup", "the root has no memory limit"));
  EXPECT_TRUE(has_error(result, 13, 11, "core.monitors[2].percent", "got 100.5"));
  EXPECT_EQ(result.errors.size(), 6u) << testing::all_errors(result);
}

TEST(Monitors, DuplicateNames) {
  const LoadResult result = load(pressure_monitor("dup") + pressure_monitor("dup"));
  EXPECT_TRUE(has_error(result, 8, 8, "core.monitors[1].name",
                        "duplicate monitor name \"dup\" (first defined at line 1)"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, UnknownAndRepeatedTriggerTerms) {
  const LoadResult result = load(pressure_monitor("memory_a") + pressure_monitor("memory_b") +
                                 "[[core.triggers]]\n"
                                 "all = [\"memory_c\", \"xyz\"]\n"
                                 "[[core.triggers]]\n"
                                 "all = [\"memory_a\", \"memory_a\"]\n"
                                 "[[core.triggers]]\n"
                                 "all = []\n");
  EXPECT_TRUE(has_error(result, 14, 8, "core.triggers[0].all[0]",
                        "unknown monitor \"memory_c\" (did you mean \"memory_a\"?)"));
  EXPECT_TRUE(has_error(result, 14, 20, "core.triggers[0].all[1]", "unknown monitor \"xyz\""));
  EXPECT_TRUE(has_error(result, 16, 20, "core.triggers[1].all[1]", "listed twice"));
  EXPECT_TRUE(has_error(result, 18, 7, "core.triggers[2].all", "must name 1 to 4 monitors"));
  EXPECT_EQ(result.errors.size(), 4u) << testing::all_errors(result);
}

TEST(Monitors, TooManyTriggerTerms) {
  std::string text;
  for (int i = 0; i < 5; ++i) text += pressure_monitor("m" + std::to_string(i));
  text += "[[core.triggers]]\nall = [\"m0\", \"m1\", \"m2\", \"m3\", \"m4\"]\n";
  const LoadResult result = load(text);
  EXPECT_TRUE(has_error(result, 32, 7, "core.triggers[0].all",
                        "must name 1 to 4 monitors (all must fire), got 5"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, TooManyMonitors) {
  std::string text;
  for (int i = 0; i < 17; ++i) text += pressure_monitor("m" + std::to_string(i));
  text += "[[core.triggers]]\nall = [\"m0\"]\n";
  const LoadResult result = load(text);
  EXPECT_TRUE(has_error(result, 16 * 6 + 1, 1, "core.monitors[16]",
                        "too many monitors: at most 16, got 17"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, TooManyTriggers) {
  std::string text = pressure_monitor("m");
  for (int i = 0; i < 9; ++i) text += "[[core.triggers]]\nall = [\"m\"]\n";
  const LoadResult result = load(text);
  EXPECT_TRUE(
      has_error(result, 6 + 8 * 2 + 1, 1, "core.triggers[8]", "too many triggers: at most 8"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, NineMonitorsNeedExplicitTriggers) {
  std::string text;
  for (int i = 0; i < 9; ++i) text += pressure_monitor("m" + std::to_string(i));
  const LoadResult result = load(text);
  EXPECT_TRUE(has_error(result, 1, 1, "core.triggers", "required with more than 8 monitors"));
  EXPECT_EQ(result.errors.size(), 1u) << testing::all_errors(result);
}

TEST(Monitors, EmptyArraysAreRefused) {
  const LoadResult result = load("[core]\nmonitors = []\ntriggers = []\n");
  EXPECT_TRUE(has_error(result, 2, 12, "core.monitors", "at least one monitor is required"));
  EXPECT_TRUE(has_error(result, 3, 12, "core.triggers", "at least one trigger is required"));
}

}  // namespace
}  // namespace oomguard::config

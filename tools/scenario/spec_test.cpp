#include "tools/scenario/spec.h"

#include <gtest/gtest.h>

namespace oomguard::scenario {
namespace {

TEST(Spec, TenScenariosWithTargetsAndSafeLimits) {
  for (int n = 1; n <= 11; ++n) {
    const std::optional<ScenarioSpec> s = scenario(n);
    ASSERT_TRUE(s) << n;
    EXPECT_EQ(s->number, n);
    EXPECT_GT(s->limit_mib, 0u);
    EXPECT_LE(s->limit_mib + s->swap_mib, 1536u) << "sandbox + daemon headroom <= 2 GiB";
    int targets = 0;
    for (const RoleSpec& r : s->roles) {
      targets += r.target;
      bool cgroup_known = false;
      for (const CgroupSpec& c : s->cgroups) cgroup_known = cgroup_known || c.name == r.cgroup;
      EXPECT_TRUE(cgroup_known) << s->key << " role " << r.name;
    }
    EXPECT_GE(targets, 1) << s->key;
    EXPECT_EQ(s->swap_mib > 0, s->zram.has_value()) << "swap only with a zram device";
  }
  EXPECT_FALSE(scenario(0));
  EXPECT_FALSE(scenario(12));
  EXPECT_EQ(scenario(5)->mode, Mode::kExtendedStopped);
  EXPECT_EQ(scenario(8)->mode, Mode::kDryRun);
  EXPECT_EQ(scenario_by_key("swap-thrash")->number, 9);
}

TEST(Spec, ModeNamesRoundTrip) {
  for (Mode m : {Mode::kKernel, Mode::kOomguard, Mode::kExtendedStopped, Mode::kExtendedKilled,
                 Mode::kExtendedThrashing, Mode::kCoreAlone, Mode::kDryRun}) {
    EXPECT_EQ(parse_mode(mode_name(m)), m);
  }
  EXPECT_FALSE(parse_mode("nope"));
  EXPECT_FALSE(mode_runs_daemon(Mode::kKernel));
  EXPECT_FALSE(mode_runs_extended(Mode::kCoreAlone));
  EXPECT_TRUE(mode_runs_extended(Mode::kExtendedStopped));
}

TEST(Spec, RendersTheConfigWithTheSandboxPath) {
  const ScenarioSpec s = *scenario(2);
  const std::string toml = render_config(
      {.spec = &s, .mode = Mode::kOomguard, .sandbox_cgroup = "/t-1-1/sb", .kill_log_path = "/k"});
  EXPECT_NE(toml.find("scope = \"/t-1-1/sb\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("protected_cgroups = [\"/t-1-1/sb/session\"]"), std::string::npos) << toml;
  EXPECT_NE(toml.find("kind = \"cgroup_usage\""), std::string::npos) << toml;
  EXPECT_NE(toml.find("kill_log = \"/k\""), std::string::npos) << toml;
  EXPECT_EQ(toml.find("{sb}"), std::string::npos) << toml;
  EXPECT_EQ(toml.find("cgroup = \"/t-1-1/sb/work\""), std::string::npos) << toml;
  const std::string thrashing = render_config({.spec = &s,
                                               .mode = Mode::kExtendedThrashing,
                                               .sandbox_cgroup = "/t",
                                               .kill_log_path = "/k"});
  EXPECT_NE(thrashing.find("[extended]\ncgroup = \"/t/work\""), std::string::npos) << thrashing;
}

TEST(Spec, Substitute) {
  EXPECT_EQ(substitute("{run}/a {run}", "run", "/x"), "/x/a /x");
  EXPECT_EQ(substitute("none", "run", "/x"), "none");
}

}  // namespace
}  // namespace oomguard::scenario

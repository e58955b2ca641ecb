// Pure validators of single values (validate.h).
#include "config/validate.h"

#include <gtest/gtest.h>

namespace oomguard::config::internal {
namespace {

TEST(Validate, CgroupPathsAreNormalized) {
  EXPECT_EQ(normalize_cgroup_path("/").path, "");
  EXPECT_EQ(normalize_cgroup_path("").path, "");
  EXPECT_EQ(normalize_cgroup_path("/a/b/").path, "a/b");
  EXPECT_EQ(normalize_cgroup_path("a/b").path, "a/b");
  EXPECT_EQ(normalize_cgroup_path("/system.slice/x.service").path, "system.slice/x.service");
  EXPECT_EQ(normalize_cgroup_path("/a/b").error, "");
}

TEST(Validate, BadCgroupPaths) {
  EXPECT_NE(normalize_cgroup_path("/a//b").error.find("empty path component"), std::string::npos);
  EXPECT_NE(normalize_cgroup_path("/a/..").error.find("'..'"), std::string::npos);
  EXPECT_NE(normalize_cgroup_path("./a").error.find("'.'"), std::string::npos);
  EXPECT_NE(normalize_cgroup_path(std::string_view("a\0b", 3)).error.find("NUL"),
            std::string::npos);
  EXPECT_EQ(normalize_cgroup_path("/a/..b").error, "");  // a name, not a component
}

TEST(Validate, MonitorNames) {
  EXPECT_EQ(check_monitor_name("memory_full-2"), "");
  EXPECT_EQ(check_monitor_name(std::string(31, 'a')), "");
  EXPECT_EQ(check_monitor_name(std::string(32, 'a')), "must be at most 31 bytes, got 32");
  EXPECT_EQ(check_monitor_name(""), "must not be empty");
  EXPECT_NE(check_monitor_name("a b"), "");
  EXPECT_NE(check_monitor_name("a.b"), "");
}

TEST(Validate, Globs) {
  EXPECT_EQ(check_cgroup_glob("/system.slice/*"), "");
  EXPECT_EQ(check_cgroup_glob("*/docker-*.scope"), "");
  EXPECT_EQ(check_cgroup_glob("/a/[!x]b/[]]/[[:alpha:]]"), "");
  EXPECT_EQ(check_cgroup_glob("/a/\\[literal"), "");
  EXPECT_NE(check_cgroup_glob("/a/[bc").find("unbalanced '[' at offset 3"), std::string::npos);
  EXPECT_NE(check_cgroup_glob("/a/[[:alpha:]").find("unbalanced '['"), std::string::npos);
  EXPECT_NE(check_cgroup_glob("/a/[[:alpha]").find("unbalanced '['"), std::string::npos);
  EXPECT_NE(check_cgroup_glob("/a\\").find("unescaped"), std::string::npos);
  EXPECT_NE(check_cgroup_glob("user.slice").find("must start with '/'"), std::string::npos);
  EXPECT_EQ(check_cgroup_glob(""), "must not be empty");
}

TEST(Validate, Regexes) {
  EXPECT_EQ(check_regex("^(cc1|cc1plus)$"), "");
  EXPECT_EQ(check_regex("java.*-Xmx[0-9]+g"), "");
  EXPECT_NE(check_regex("(a").find("invalid regular expression"), std::string::npos);
  EXPECT_NE(check_regex("[a").find("invalid regular expression"), std::string::npos);
  EXPECT_NE(check_regex("").find("must not be empty"), std::string::npos);
}

TEST(Validate, RootPaths) {
  EXPECT_EQ(check_root_path("auto", false), "");
  EXPECT_EQ(check_root_path("/proc", false), "");
  EXPECT_NE(check_root_path("none", false), "");
  EXPECT_EQ(check_root_path("none", true), "");
  EXPECT_NE(check_root_path("", true), "");
  EXPECT_NE(check_root_path("proc", false), "");
}

}  // namespace
}  // namespace oomguard::config::internal

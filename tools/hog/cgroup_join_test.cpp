#include "tools/hog/cgroup_join.h"

#include <gtest/gtest.h>

namespace oomguard::hog {
namespace {

const CgroupHierarchies kHybrid{.v1_memory = "/sys/fs/cgroup/memory",
                                .v2 = "/sys/fs/cgroup/unified"};
const CgroupHierarchies kPureV2{.v1_memory = "", .v2 = "/sys/fs/cgroup"};

TEST(HogCgroupTargets, RelativeNameJoinsEveryHierarchy) {
  auto t = cgroup_targets("oomguard-test/a", kHybrid);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, (std::vector<std::string>{"/sys/fs/cgroup/memory/oomguard-test/a",
                                          "/sys/fs/cgroup/unified/oomguard-test/a"}));
  auto v2 = cgroup_targets("x/", kPureV2);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(*v2, (std::vector<std::string>{"/sys/fs/cgroup/x"}));
}

TEST(HogCgroupTargets, AbsolutePathIsExact) {
  auto t = cgroup_targets("/sys/fs/cgroup/unified/only-v2//", kHybrid);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, (std::vector<std::string>{"/sys/fs/cgroup/unified/only-v2"}));
  auto none = cgroup_targets("/somewhere", CgroupHierarchies{});
  ASSERT_TRUE(none.ok());  // absolute paths need no detected hierarchy
}

TEST(HogCgroupTargets, Errors) {
  EXPECT_FALSE(cgroup_targets("", kHybrid).ok());
  EXPECT_FALSE(cgroup_targets("..", kHybrid).ok());
  EXPECT_FALSE(cgroup_targets("a/../../etc", kHybrid).ok());
  EXPECT_FALSE(cgroup_targets("./a", kHybrid).ok());
  EXPECT_FALSE(cgroup_targets("a//b", kHybrid).ok());
  auto none = cgroup_targets("name", CgroupHierarchies{});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no cgroup"), std::string::npos);
}

TEST(HogCgroupJoin, MissingDirectoryFailsClearly) {
  auto r = join_cgroups({"/nonexistent-oomguard-hog-test"}, kHybrid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent-oomguard-hog-test"), std::string::npos);
  EXPECT_NE(r.error().message.find("No such file"), std::string::npos) << r.error().message;
}

TEST(HogCgroupJoin, NonCgroupDirectoryIsRefused) {
  auto r = join_cgroups({"/tmp"}, kHybrid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("not on a cgroup filesystem"), std::string::npos);
}

TEST(HogCgroupDetect, MissingRootHasNoHierarchies) {
  CgroupHierarchies h = detect_cgroup_hierarchies("/nonexistent-oomguard-root");
  EXPECT_TRUE(h.v1_memory.empty());
  EXPECT_TRUE(h.v2.empty());
}

}  // namespace
}  // namespace oomguard::hog

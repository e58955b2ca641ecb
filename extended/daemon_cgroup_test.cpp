#include "extended/daemon_cgroup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace oomguard::extended {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class OwnCgroupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-cg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    v2_ = dir_ + "/unified";
    v1_ = dir_ + "/memory";
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  // A fake cgroup directory: control files are plain files here.
  void make_cgroup(const std::string& path, std::initializer_list<const char*> files) {
    std::system(("mkdir -p " + path).c_str());
    for (const char* f : files) std::ofstream(path + "/" + f) << "";
  }
  std::string dir_, v2_, v1_;
};

TEST_F(OwnCgroupTest, HybridJoinsBothAndSetsV1Limits) {
  make_cgroup(v2_ + "/oomguard/extended", {"cgroup.procs"});  // no memory controller on v2
  make_cgroup(v1_ + "/oomguard/extended",
              {"cgroup.procs", "memory.soft_limit_in_bytes", "memory.limit_in_bytes"});
  const OwnCgroupReport report =
      join_own_cgroup({.roots = {.proc = "/proc", .cgroup2 = v2_, .memcg_v1 = v1_},
                       .own_cgroup = "oomguard/extended",
                       .memory_high_bytes = 64u << 20,
                       .pid = 12345});
  EXPECT_TRUE(report.ok) << report.line;
  EXPECT_EQ(read_text(v2_ + "/oomguard/extended/cgroup.procs"), "12345");
  EXPECT_EQ(read_text(v1_ + "/oomguard/extended/cgroup.procs"), "12345");
  EXPECT_EQ(read_text(v1_ + "/oomguard/extended/memory.soft_limit_in_bytes"), "67108864");
  EXPECT_EQ(read_text(v1_ + "/oomguard/extended/memory.limit_in_bytes"), "134217728");
  EXPECT_NE(report.line.find("memory.high n/a"), std::string::npos) << report.line;
  EXPECT_EQ(report.line.find('\n'), std::string::npos);
}

TEST_F(OwnCgroupTest, V2SetsMemoryHigh) {
  make_cgroup(v2_ + "/ext", {"cgroup.procs", "memory.high"});
  const OwnCgroupReport report =
      join_own_cgroup({.roots = {.proc = "/proc", .cgroup2 = v2_, .memcg_v1 = ""},
                       .own_cgroup = "ext",
                       .memory_high_bytes = 1u << 20,
                       .pid = 77});
  EXPECT_TRUE(report.ok) << report.line;
  EXPECT_EQ(read_text(v2_ + "/ext/memory.high"), "1048576");
  EXPECT_EQ(read_text(v2_ + "/ext/cgroup.procs"), "77");
}

TEST_F(OwnCgroupTest, FailuresAreReportedNotFatal) {
  // The directory gets created, but a fake tree has no kernel to supply the control files.
  const OwnCgroupReport report =
      join_own_cgroup({.roots = {.proc = "/proc", .cgroup2 = v2_, .memcg_v1 = ""},
                       .own_cgroup = "new/child",
                       .memory_high_bytes = 1u << 20,
                       .pid = 77});
  EXPECT_FALSE(report.ok);
  EXPECT_NE(report.line.find("FAILED"), std::string::npos) << report.line;
  struct stat st {};
  EXPECT_EQ(stat((v2_ + "/new/child").c_str(), &st), 0);

  const OwnCgroupReport off =
      join_own_cgroup({.roots = {}, .own_cgroup = "", .memory_high_bytes = 0, .pid = 1});
  EXPECT_TRUE(off.ok);
  EXPECT_NE(off.line.find("not configured"), std::string::npos);
}

TEST(KernelRoots, ExplicitPathsAndPressureFile) {
  config::CoreConfig core{};
  core.proc_root.assign("/fake/proc");
  core.cgroup2_root.assign("/fake/cg2");
  core.memcg_v1_root.assign("none");
  const KernelRoots roots = resolve_roots(core);
  EXPECT_EQ(roots.proc, "/fake/proc");
  EXPECT_EQ(roots.cgroup2, "/fake/cg2");
  EXPECT_EQ(roots.memcg_v1, "");
  EXPECT_EQ(memory_pressure_path(roots, ""), "/fake/proc/pressure/memory");
  EXPECT_EQ(memory_pressure_path(roots, "user.slice"), "/fake/cg2/user.slice/memory.pressure");
}

}  // namespace
}  // namespace oomguard::extended

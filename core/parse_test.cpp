#include "core/parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace oomguard::core {
namespace {

std::string captured(const char* name) {
  std::ifstream in(std::string(OOMGUARD_CORE_TESTDATA) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ParsePsi, CapturedThrashTotals) {
  PsiTotals t;
  ASSERT_TRUE(parse_psi(captured("memory.pressure.thrash.6.18"), &t));
  EXPECT_EQ(t.some_us, 896784u);
  EXPECT_EQ(t.full_us, 896784u);
  EXPECT_TRUE(t.has_full);
  ASSERT_TRUE(parse_psi(captured("pressure.io.6.18"), &t));
  EXPECT_TRUE(t.has_full);
}

TEST(ParsePsi, SomeOnlyAndMalformed) {
  PsiTotals t;
  ASSERT_TRUE(parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=42\n", &t));
  EXPECT_EQ(t.some_us, 42u);
  EXPECT_FALSE(t.has_full);
  EXPECT_FALSE(parse_psi("", &t));
  EXPECT_FALSE(parse_psi("full avg10=0.00 avg60=0.00 avg300=0.00 total=1\n", &t));
  EXPECT_FALSE(parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=\n", &t));
  EXPECT_FALSE(parse_psi("some avg10=0.00 avg60=0.00 avg300=0.00 total=12x\n", &t));
  EXPECT_FALSE(parse_psi("some avg10=0.00 avg60=0.00 av", &t));  // truncated
}

TEST(ParseMeminfo, Captured) {
  MemInfo m;
  ASSERT_TRUE(parse_meminfo(captured("meminfo.6.18"), &m));
  EXPECT_GT(m.total, 1ull << 30);
  EXPECT_GT(m.available, 0u);
  EXPECT_LE(m.available, m.total);
  EXPECT_EQ(m.swap_total, 0u);  // the dev host has no swap
}

TEST(ParseMeminfo, MissingFieldOrUnitIsAnError) {
  MemInfo m;
  const std::string ok =
      "MemTotal:       1000 kB\nMemAvailable:    500 kB\nSwapTotal:       0 kB\nSwapFree: 0 kB\n";
  ASSERT_TRUE(parse_meminfo(ok, &m));
  EXPECT_EQ(m.total, 1000u * 1024);
  EXPECT_EQ(m.available, 500u * 1024);
  EXPECT_FALSE(parse_meminfo("MemTotal:       1000 kB\n", &m));
  EXPECT_FALSE(parse_meminfo(
      "MemTotal: 1000 MB\nMemAvailable: 500 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n", &m));
  EXPECT_FALSE(parse_meminfo(ok.substr(0, 40), &m));  // truncated
}

TEST(ParseU64, NumbersAndMax) {
  std::uint64_t v = 0;
  ASSERT_TRUE(parse_u64_or_max("268435456\n", &v));
  EXPECT_EQ(v, 268435456u);
  ASSERT_TRUE(parse_u64_or_max("max\n", &v));
  EXPECT_EQ(v, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(parse_u64_or_max("", &v));
  EXPECT_FALSE(parse_u64_or_max("-1\n", &v));
  EXPECT_FALSE(parse_u64_or_max("12 34\n", &v));
  EXPECT_FALSE(parse_u64_or_max("99999999999999999999999\n", &v));
}

TEST(ParseKeyed, MemoryStatAndEvents) {
  std::uint64_t v = 0;
  ASSERT_TRUE(parse_keyed_u64(captured("memory.stat.v1.6.18"), "total_inactive_file", &v));
  ASSERT_TRUE(parse_keyed_u64(captured("memory.stat.v2.6.1"), "inactive_file", &v));
  EXPECT_EQ(v, 4096u);
  // A key that is a prefix of another key must not match it.
  EXPECT_FALSE(parse_keyed_u64("inactive_file_x 5\n", "inactive_file", &v));
  ASSERT_TRUE(parse_keyed_u64(captured("cgroup.events.6.18"), "populated", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_FALSE(parse_keyed_u64("populated\n", "populated", &v));
}

TEST(ParseProcStat, CommWithParenthesesAndSpaces) {
  ProcStat s;
  const std::string text = captured("stat.comm-with-paren.6.18");
  ASSERT_TRUE(parse_proc_stat(text, &s));
  EXPECT_EQ(s.pid, 26903);
  EXPECT_EQ(s.comm, "a) b (c");
  EXPECT_EQ(s.state, 'R');
  EXPECT_EQ(s.ppid, 26896);
  EXPECT_EQ(s.start_time_ticks, 129834u);
  EXPECT_EQ(s.rss_pages, 3411u);
  EXPECT_EQ(s.flags & kPfKthread, 0u);
}

TEST(ParseProcStat, KernelThreadAndTruncation) {
  ProcStat s;
  const std::string kthread = captured("stat.kthread.6.18");
  ASSERT_TRUE(parse_proc_stat(kthread, &s));
  EXPECT_EQ(s.pid, 2);
  EXPECT_NE(s.flags & kPfKthread, 0u);
  const std::string line = captured("stat.comm-with-paren.6.18");
  // Cut anywhere up to and including the rss field (24), the line is rejected.
  const std::size_t rss_end = line.find(" 3411 ") + 5;
  for (std::size_t cut : {0ul, 5ul, 20ul, 60ul, rss_end - 2, rss_end}) {
    EXPECT_FALSE(parse_proc_stat(line.substr(0, cut), &s)) << cut;
  }
  EXPECT_TRUE(parse_proc_stat(line.substr(0, rss_end + 3), &s));
  EXPECT_FALSE(parse_proc_stat("0 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0", &s));
}

TEST(ParseStatus, RssPlusSwap) {
  std::uint64_t bytes = 0;
  ASSERT_TRUE(parse_status_rss_swap(captured("status.6.18"), &bytes));
  EXPECT_GT(bytes, 0u);
  ASSERT_TRUE(parse_status_rss_swap("VmRSS:\t 100 kB\nVmSwap:\t  20 kB\n", &bytes));
  EXPECT_EQ(bytes, 120u * 1024);
  EXPECT_FALSE(parse_status_rss_swap("Name:\tkthreadd\nState:\tS\n", &bytes));
}

TEST(ParseLoadavg, LastPid) {
  std::int32_t pid = 0;
  ASSERT_TRUE(parse_loadavg_last_pid("0.52 0.58 0.59 2/245 8123\n", &pid));
  EXPECT_EQ(pid, 8123);
  ASSERT_TRUE(parse_loadavg_last_pid("12.00 3.10 1.00 17/4000 4194303", &pid));
  EXPECT_EQ(pid, 4194303);
  pid = 7;
  EXPECT_FALSE(parse_loadavg_last_pid("", &pid));
  EXPECT_FALSE(parse_loadavg_last_pid("8123\n", &pid));
  EXPECT_FALSE(parse_loadavg_last_pid("0.52 0.58 0.59 2/245 81x\n", &pid));
  EXPECT_FALSE(parse_loadavg_last_pid("0.52 0.58 0.59 2/245 -4\n", &pid));
  EXPECT_FALSE(parse_loadavg_last_pid("0.52 0.58 0.59 2/245 0\n", &pid));
  EXPECT_EQ(pid, 7);
}

TEST(ParseCgroup, HybridAndV2) {
  std::string_view path;
  ASSERT_TRUE(parse_cgroup_v2_path(captured("cgroup.hybrid.6.18"), &path));
  EXPECT_EQ(path, "");
  ASSERT_TRUE(parse_cgroup_v2_path("4:memory:/a\n0::/sandbox/work\n", &path));
  EXPECT_EQ(path, "sandbox/work");
  EXPECT_FALSE(parse_cgroup_v2_path("4:memory:/a\n", &path));
}

TEST(CgroupPath, Within) {
  EXPECT_TRUE(cgroup_path_within("a/b", ""));
  EXPECT_TRUE(cgroup_path_within("a/b", "a"));
  EXPECT_TRUE(cgroup_path_within("a", "a"));
  EXPECT_FALSE(cgroup_path_within("ab", "a"));
  EXPECT_FALSE(cgroup_path_within("a", "a/b"));
  EXPECT_FALSE(cgroup_path_within("", "a"));
}

}  // namespace
}  // namespace oomguard::core

// Parsers fed captured kernel text (testdata/6.18: this dev machine, kernel 6.18, hybrid
// cgroups) and hand-written cgroup v2 samples in the 6.1 format (testdata/v2_6.1), plus malformed
// and truncated variants.
#include "extended/scan_parse.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

namespace oomguard::extended {
namespace {

std::string testdata(const std::string& rel) {
  std::ifstream in(std::string(OOMGUARD_EXTENDED_TESTDATA) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(in.good()) << rel;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(ParseStat, CapturedSleep) {
  auto s = parse_stat(testdata("6.18/proc_sleep_stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "sleep");
  EXPECT_EQ(s->state, 'S');
  EXPECT_GT(s->pid, 0);
  EXPECT_GT(s->ppid, 0);
  EXPECT_EQ(s->flags & kPfKthread, 0u);
  EXPECT_GT(s->start_time_ticks, 0u);
  EXPECT_GT(s->rss_pages, 0u);
}

TEST(ParseStat, CommWithSpacesAndParens) {
  auto s = parse_stat(testdata("6.18/proc_parens_stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "a) b (c");
  EXPECT_EQ(s->state, 'S');
  EXPECT_EQ(s->pid, 6086);
  EXPECT_EQ(s->ppid, 6083);
  EXPECT_EQ(s->start_time_ticks, 87852u);
  EXPECT_EQ(s->rss_pages, 428u);
}

TEST(ParseStat, KernelThreadFlag) {
  auto s = parse_stat(testdata("6.18/proc_kworker_stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "kworker/0:0H-kblockd");
  EXPECT_EQ(s->ppid, 2);
  EXPECT_NE(s->flags & kPfKthread, 0u);
  auto kthreadd = parse_stat(testdata("6.18/proc_kthreadd_stat"));
  ASSERT_TRUE(kthreadd);
  EXPECT_EQ(kthreadd->pid, 2);
}

TEST(ParseStat, HandWritten61) {
  auto s = parse_stat(testdata("v2_6.1/proc_stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->comm, "make");
  EXPECT_EQ(s->pid, 4242);
  EXPECT_EQ(s->ppid, 4100);
  EXPECT_EQ(s->start_time_ticks, 123456u);
  EXPECT_EQ(s->rss_pages, 12800u);
}

TEST(ParseStat, MalformedAndTruncated) {
  const std::string full = testdata("6.18/proc_sleep_stat");
  // Cut before field 24: not enough fields.
  const auto cut = full.find(' ', full.find(')') + 1 + 2 * 20);
  EXPECT_FALSE(parse_stat(full.substr(0, cut)));
  EXPECT_FALSE(parse_stat(""));
  EXPECT_FALSE(parse_stat("12 (x"));
  EXPECT_FALSE(parse_stat("abc (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5 0 0"));
  EXPECT_FALSE(parse_stat("12 (x) S one 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5 0 0"));
  EXPECT_FALSE(parse_stat("12 (x) SS 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5 0 0"));
  EXPECT_TRUE(parse_stat("12 (x) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 0 0 1 0 5 0 0\n"));
}

TEST(ParseStatus, CapturedSleep) {
  auto s = parse_status(testdata("6.18/proc_sleep_status"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->has_vm);
  EXPECT_EQ(s->uid, 0u);
  EXPECT_EQ(s->rss_kb, 1784u);
  EXPECT_EQ(s->rss_anon_kb, 108u);
  EXPECT_EQ(s->rss_file_kb, 1676u);
  EXPECT_EQ(s->rss_shmem_kb, 0u);
  EXPECT_EQ(s->rss_anon_kb + s->rss_file_kb + s->rss_shmem_kb, s->rss_kb);
  ASSERT_TRUE(s->kthread);
  EXPECT_FALSE(*s->kthread);
}

TEST(ParseStatus, CapturedKernelThread) {
  auto s = parse_status(testdata("6.18/proc_kworker_status"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->has_vm);
  EXPECT_EQ(s->rss_kb, 0u);
  ASSERT_TRUE(s->kthread);
  EXPECT_TRUE(*s->kthread);
}

TEST(ParseStatus, HandWritten61) {
  auto s = parse_status(testdata("v2_6.1/proc_status"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->uid, 1000u);
  EXPECT_EQ(s->rss_kb, 51200u);
  EXPECT_EQ(s->rss_anon_kb, 40960u);
  EXPECT_EQ(s->rss_shmem_kb, 1024u);
  EXPECT_EQ(s->swap_kb, 2048u);
  EXPECT_FALSE(s->kthread);  // 6.1 has no Kthread line
}

TEST(ParseStatus, TruncatedLineIgnored) {
  const std::string full = testdata("v2_6.1/proc_status");
  // Cut in the middle of the VmRSS value: "VmRSS:\t   512" must not be read as 512 kB.
  const auto at = full.find("VmRSS:");
  const std::string cut = full.substr(0, at + 13);
  auto s = parse_status(cut);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->has_vm);
  EXPECT_EQ(s->rss_kb, 0u);
  // Cut before Uid: unusable.
  EXPECT_FALSE(parse_status(full.substr(0, full.find("Uid:"))));
  EXPECT_FALSE(parse_status("garbage without colon\n"));
}

TEST(ParseSmall, OomScoreAdj) {
  EXPECT_EQ(parse_oom_score_adj(testdata("6.18/proc_oom_score_adj")), 0);
  EXPECT_EQ(parse_oom_score_adj("-1000\n"), -1000);
  EXPECT_EQ(parse_oom_score_adj("1000"), 1000);
  EXPECT_FALSE(parse_oom_score_adj("1001\n"));
  EXPECT_FALSE(parse_oom_score_adj(""));
  EXPECT_FALSE(parse_oom_score_adj("12x\n"));
}

TEST(ParseSmall, Cmdline) {
  EXPECT_EQ(parse_cmdline(testdata("6.18/proc_sleep_cmdline")), "sleep 1000");
  EXPECT_EQ(parse_cmdline(std::string("a\0b c\0\0", 7)), "a b c");
  EXPECT_EQ(parse_cmdline(""), "");
}

TEST(ParseSmall, NumbersAndLimits) {
  EXPECT_EQ(parse_u64(testdata("v2_6.1/memory.current")), 957349888u);
  EXPECT_EQ(parse_u64(testdata("6.18/v1_memory_usage_in_bytes")).has_value(), true);
  EXPECT_EQ(parse_limit(testdata("v2_6.1/memory.max")), kNoLimit);
  EXPECT_EQ(parse_limit(testdata("6.18/v1_memory_limit_in_bytes")), kNoLimit);
  EXPECT_EQ(parse_limit("1073741824\n"), 1073741824u);
  EXPECT_FALSE(parse_limit("maximum\n"));
  EXPECT_FALSE(parse_u64("-5\n"));
  EXPECT_FALSE(parse_u64(""));
  EXPECT_EQ(parse_u64(testdata("v2_6.1/memory.oom.group")), 1u);
  EXPECT_EQ(parse_priority_xattr("100"), 100);
  EXPECT_EQ(parse_priority_xattr("0\n"), 0);
  EXPECT_FALSE(parse_priority_xattr("1001"));
  EXPECT_FALSE(parse_priority_xattr("-1"));
  EXPECT_FALSE(parse_priority_xattr("low"));
}

TEST(ParseCgroupFile, HybridCaptured) {
  auto c = parse_proc_cgroup(testdata("6.18/proc_cgroup_hybrid"));
  ASSERT_TRUE(c.v2_path);
  EXPECT_EQ(*c.v2_path, "");
  ASSERT_TRUE(c.memcg_v1_path);
  EXPECT_EQ(*c.memcg_v1_path, "process_api/771a990737caba341567745a23444c4d");
}

TEST(ParseCgroupFile, V2AndOddLines) {
  auto c = parse_proc_cgroup(testdata("v2_6.1/proc_cgroup"));
  ASSERT_TRUE(c.v2_path);
  EXPECT_EQ(*c.v2_path, "user.slice/user-1000.slice/session-2.scope");
  EXPECT_FALSE(c.memcg_v1_path);
  auto co = parse_proc_cgroup("3:cpu,memory:/a/b/\nnonsense\n7::relative\n");
  EXPECT_FALSE(co.v2_path);
  ASSERT_TRUE(co.memcg_v1_path);
  EXPECT_EQ(*co.memcg_v1_path, "a/b");
  // Truncated last line is ignored.
  auto t = parse_proc_cgroup("4:memory:/x\n0::/long/pa");
  EXPECT_FALSE(t.v2_path);
  EXPECT_EQ(t.memcg_v1_path, "x");
}

TEST(ParseMemoryStat, V1Captured) {
  auto s = parse_memory_stat(testdata("6.18/v1_memory_stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->anon_bytes, 9330688u);
  EXPECT_EQ(s->file_bytes, 91729920u);
  EXPECT_EQ(s->inactive_file_bytes, 40902656u);
  EXPECT_EQ(s->swap_bytes, 0u);
}

TEST(ParseMemoryStat, V2HandWritten) {
  auto s = parse_memory_stat(testdata("v2_6.1/memory.stat"));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->anon_bytes, 734003200u);
  EXPECT_EQ(s->file_bytes, 209715200u);
  EXPECT_EQ(s->shmem_bytes, 4194304u);
  EXPECT_EQ(s->inactive_file_bytes, 104857600u);
  EXPECT_EQ(s->workingset_refault_file, 2048u);
  EXPECT_FALSE(parse_memory_stat("garbage\n"));
  EXPECT_FALSE(parse_memory_stat("anon 12"));  // unterminated: cut off
}

TEST(ParseMemoryEvents, V2HandWritten) {
  auto e = parse_memory_events(testdata("v2_6.1/memory.events"));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->max, 37u);
  EXPECT_EQ(e->oom, 2u);
  EXPECT_EQ(e->oom_kill, 2u);
  EXPECT_FALSE(parse_memory_events(""));
}

TEST(ParsePidList, CapturedAndMalformed) {
  auto p = parse_pid_list(testdata("6.18/v2_root_cgroup_procs"));
  ASSERT_TRUE(p);
  ASSERT_FALSE(p->empty());
  EXPECT_EQ((*p)[0], 1);
  auto empty = parse_pid_list("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_FALSE(parse_pid_list("12\nx3\n"));
  EXPECT_FALSE(parse_pid_list("0\n"));
  auto cut = parse_pid_list("12\n34\n5");  // unterminated fragment dropped
  ASSERT_TRUE(cut);
  EXPECT_EQ(cut->size(), 2u);
}

}  // namespace
}  // namespace oomguard::extended

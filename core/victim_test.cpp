// Victim validation: ranking entries are never trusted (pid reuse, protected, self, scope,
// malformed), group victims are checked by cgroup inode, and the fallback scan picks the
// largest process in scope. Real child processes stand in for victims.
#include "core/victim.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "core/testing/core_harness.h"
#include "core/testing/fake_kernel.h"
#include "shm/rankings.h"

namespace oomguard::core {
namespace {

using testing::ChildProcess;
using testing::FakeProcess;
using testing::process_entry;
using testing::TempTree;

class VictimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.write("proc/meminfo", "MemTotal: 1 kB\n");
    tree_.mkdirs("cgroup2/sandbox/work");
    tree_.mkdirs("cgroup2/other");
    tree_.write("cgroup2/sandbox/work/cgroup.events", "populated 1\nfrozen 0\n");
    ASSERT_EQ(open_proc_root(tree_.path("proc").c_str(), &proc_), 0);
    ASSERT_EQ(open_cgroup_root(tree_.path("cgroup2").c_str(), "none", &cgroup_), 0);
    protected_comms_[0].assign("sshd");
    protected_cgroups_[0].assign("sandbox/keep");
    guard_.self_pid = getpid();
    guard_.scope = "sandbox";
    guard_.protected_comms = protected_comms_;
    guard_.protected_cgroups = protected_cgroups_;
  }
  void TearDown() override { close_roots(&proc_, &cgroup_); }

  // A real child, described in the fake /proc.
  FakeProcess add(const ChildProcess& c, const char* comm, const char* cgroup,
                  std::uint64_t rss_mib = 10) {
    FakeProcess p{.pid = c.pid(),
                  .start_time_ticks = c.start_time_ticks(),
                  .comm = comm,
                  .cgroup = cgroup,
                  .rss_kb = rss_mib * 1024};
    write_fake_process(tree_, p);
    return p;
  }
  Reject check(const shm::RankingEntry& e) {
    Victim v;
    Reject r = finder_.check_entry(e, guard_, &v);
    close_victim(&v);
    return r;
  }
  std::uint64_t inode(const std::string& rel) {
    struct stat st {};
    EXPECT_EQ(stat(tree_.path(rel).c_str(), &st), 0);
    return st.st_ino;
  }

  TempTree tree_;
  ProcRoot proc_;
  CgroupRoot cgroup_;
  VictimFinder finder_{proc_, cgroup_};
  config::Comm protected_comms_[1];
  config::Path protected_cgroups_[1];
  Guard guard_;
};

TEST_F(VictimTest, AcceptsAMatchingProcessAndPinsItWithAPidfd) {
  ChildProcess c;
  add(c, "hog", "sandbox/work");
  Victim v;
  ASSERT_EQ(finder_.check_entry(process_entry(c.pid(), c.start_time_ticks(), "hog", "sandbox/work"),
                                guard_, &v),
            Reject::kNone);
  EXPECT_EQ(v.pid, c.pid());
  EXPECT_GE(v.pidfd, 0);
  EXPECT_STREQ(v.comm.c_str(), "hog");
  EXPECT_STREQ(v.cgroup_path.c_str(), "sandbox/work");
  close_victim(&v);
  EXPECT_EQ(v.pidfd, -1);
}

TEST_F(VictimTest, RejectsPidReuseSelfInitAndTheGone) {
  ChildProcess c;
  add(c, "hog", "sandbox/work");
  EXPECT_EQ(check(process_entry(c.pid(), c.start_time_ticks() + 1, "hog", "sandbox/work")),
            Reject::kIdentity);
  EXPECT_EQ(check(process_entry(1, 1, "init", "")), Reject::kInit);
  EXPECT_EQ(check(process_entry(getpid(), 1, "self", "")), Reject::kSelf);
  guard_.extended_pid = c.pid();
  EXPECT_EQ(check(process_entry(c.pid(), c.start_time_ticks(), "hog", "sandbox/work")),
            Reject::kSupervised);
  guard_.extended_pid = 0;
  pid_t gone = 0;
  {
    ChildProcess short_lived;
    gone = short_lived.pid();
  }
  EXPECT_EQ(check(process_entry(gone, 1, "gone", "sandbox")), Reject::kGone);
}

TEST_F(VictimTest, RejectsProtectedUnkillableKernelThreadsAndOutOfScope) {
  ChildProcess a, b, d, e, f;
  add(a, "sshd", "sandbox/work");
  add(b, "hog", "sandbox/keep/inner");
  add(d, "hog", "other");
  FakeProcess p = add(e, "hog", "sandbox/work");
  p.oom_score_adj = -1000;
  write_fake_process(tree_, p);
  FakeProcess k = add(f, "kworker/0:1", "sandbox/work");
  k.kernel_thread = true;
  write_fake_process(tree_, k);
  EXPECT_EQ(check(process_entry(a.pid(), a.start_time_ticks(), "sshd", "")),
            Reject::kProtectedComm);
  EXPECT_EQ(check(process_entry(b.pid(), b.start_time_ticks(), "hog", "")),
            Reject::kProtectedCgroup);
  EXPECT_EQ(check(process_entry(d.pid(), d.start_time_ticks(), "hog", "")), Reject::kOutOfScope);
  EXPECT_EQ(check(process_entry(e.pid(), e.start_time_ticks(), "hog", "")), Reject::kUnkillable);
  EXPECT_EQ(check(process_entry(f.pid(), f.start_time_ticks(), "kworker", "")),
            Reject::kKernelThread);
}

TEST_F(VictimTest, RejectsMalformedEntries) {
  ChildProcess c;
  add(c, "hog", "sandbox/work");
  shm::RankingEntry e = process_entry(c.pid(), c.start_time_ticks(), "hog", "sandbox/work");
  std::memset(e.comm, 'x', sizeof e.comm);  // no NUL
  EXPECT_EQ(check(e), Reject::kMalformed);
  e = process_entry(c.pid(), c.start_time_ticks(), "hog", "sandbox/work");
  e.kind = 7;
  EXPECT_EQ(check(e), Reject::kMalformed);
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kCgroup);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kProcess);
  EXPECT_EQ(check(e), Reject::kMalformed);
}

TEST_F(VictimTest, GroupVictimsAreCheckedByCgroupInode) {
  shm::RankingEntry e{};
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kCgroup);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kGroup);
  std::strcpy(e.cgroup_path, "sandbox/work");
  e.cgroup_id = inode("cgroup2/sandbox/work");
  Victim v;
  ASSERT_EQ(finder_.check_entry(e, guard_, &v), Reject::kNone);
  EXPECT_GE(v.cgroup_fd, 0);
  EXPECT_GE(v.events_fd, 0);
  EXPECT_EQ(v.kind, shm::EntryKind::kCgroup);
  close_victim(&v);

  e.cgroup_id += 1;  // the cgroup was removed and recreated
  EXPECT_EQ(check(e), Reject::kIdentity);
  e.cgroup_id -= 1;
  tree_.write("cgroup2/sandbox/work/cgroup.events", "populated 0\nfrozen 0\n");
  EXPECT_EQ(check(e), Reject::kEmpty);
  for (const char* bad : {"sandbox/../etc", "/sandbox/work", "sandbox//work", "", "sandbox/."}) {
    std::strcpy(e.cgroup_path, bad);
    EXPECT_EQ(check(e), Reject::kMalformed) << bad;
  }
  std::strcpy(e.cgroup_path, "other");
  EXPECT_EQ(check(e), Reject::kOutOfScope);
  std::strcpy(e.cgroup_path, "sandbox");  // holds the protected sandbox/keep
  EXPECT_EQ(check(e), Reject::kProtectedCgroup);
}

TEST_F(VictimTest, SnapshotTakesTheFirstAcceptableEntryInRankOrder) {
  ChildProcess a, b;
  add(a, "sshd", "sandbox/work");
  add(b, "hog", "sandbox/work");
  shm::Snapshot snap{};
  snap.generation = 7;
  snap.count = 3;
  snap.entries[0] = process_entry(a.pid(), a.start_time_ticks(), "sshd", "sandbox/work");
  snap.entries[1] = process_entry(b.pid(), b.start_time_ticks() + 5, "hog", "sandbox/work");
  snap.entries[2] = process_entry(b.pid(), b.start_time_ticks(), "hog", "sandbox/work", 42);
  Victim v;
  ASSERT_TRUE(finder_.from_snapshot(snap, guard_, &v));
  EXPECT_EQ(v.pid, b.pid());
  EXPECT_EQ(v.priority, 42);
  EXPECT_EQ(v.generation, 7u);
  EXPECT_EQ(finder_.rejected(Reject::kProtectedComm), 1u);
  EXPECT_EQ(finder_.rejected(Reject::kIdentity), 1u);
  close_victim(&v);
}

TEST_F(VictimTest, FallbackPicksTheLargestInScopeAndSkipsTheRest) {
  ChildProcess small, big, outside, shielded, sshd;
  add(small, "small", "sandbox/work", 10);
  add(big, "big", "sandbox/work", 300);
  add(outside, "outside", "other", 900);
  add(shielded, "shielded", "sandbox/keep", 800);
  add(sshd, "sshd", "sandbox/work", 700);
  FakeProcess kthread{.pid = 2,
                      .start_time_ticks = 1,
                      .comm = "kthreadd",
                      .cgroup = "sandbox",
                      .rss_kb = 0,
                      .kernel_thread = true};
  write_fake_process(tree_, kthread);
  Victim v;
  ASSERT_TRUE(finder_.fallback(guard_, config::FallbackPolicy::kLargest, 1000, &v));
  EXPECT_EQ(v.pid, big.pid());
  EXPECT_EQ(v.source, shm::VictimSource::kFallback);
  EXPECT_EQ(v.rss_swap_bytes, 300ull << 20);
  close_victim(&v);
}

TEST_F(VictimTest, FallbackByOomScoreAndBoundedScan) {
  ChildProcess a, b;
  FakeProcess pa = add(a, "a", "sandbox/work", 500);
  FakeProcess pb = add(b, "b", "sandbox/work", 10);
  pa.oom_score = 100;
  pb.oom_score = 900;
  write_fake_process(tree_, pa);
  write_fake_process(tree_, pb);
  Victim v;
  ASSERT_TRUE(finder_.fallback(guard_, config::FallbackPolicy::kOomScore, 1000, &v));
  EXPECT_EQ(v.pid, b.pid());
  close_victim(&v);
  // A scan bounded to zero processes finds nothing.
  EXPECT_FALSE(finder_.fallback(guard_, config::FallbackPolicy::kLargest, 0, &v));
}

TEST_F(VictimTest, FallbackRechecksItsChoiceAndMovesOn) {
  ChildProcess c;
  add(c, "hog", "sandbox/work", 100);
  pid_t gone = 0;
  {
    ChildProcess short_lived;
    gone = short_lived.pid();
  }
  // The largest candidate exited between the scan and the check: its pidfd cannot be opened.
  write_fake_process(tree_, {.pid = gone,
                             .start_time_ticks = 1,
                             .comm = "ghost",
                             .cgroup = "sandbox/work",
                             .rss_kb = 900 * 1024});
  Victim v;
  ASSERT_TRUE(finder_.fallback(guard_, config::FallbackPolicy::kLargest, 1000, &v));
  EXPECT_EQ(v.pid, c.pid());
  EXPECT_EQ(finder_.rejected(Reject::kGone), 1u);
  close_victim(&v);
}

// newer_and_larger: pids after the snapshot's last_pid (up to /proc/loadavg's newest, cyclic)
// are processes the ranking cannot know; the largest of them wins when it is larger.
TEST_F(VictimTest, NewerAndLargerFindsWhatTheRankingCannotKnow) {
  ChildProcess ranked, older_big, newer_small, newer_big;
  add(ranked, "ranked", "sandbox/work", 10);
  add(older_big, "old", "sandbox/work", 900);
  add(newer_small, "small", "sandbox/work", 5);
  add(newer_big, "new", "sandbox/other", 200);
  tree_.mkdirs("cgroup2/sandbox/other");
  const auto loadavg = [&](pid_t newest) {
    tree_.write("proc/loadavg", "0.1 0.2 0.3 1/99 " + std::to_string(newest) + "\n");
  };
  shm::Snapshot snap{};
  snap.generation = 3;
  snap.last_pid = static_cast<std::uint64_t>(older_big.pid());
  Victim chosen;
  chosen.pid = ranked.pid();
  chosen.rss_swap_bytes = 10ull << 20;
  Victim v;
  loadavg(newer_big.pid());
  ASSERT_TRUE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));
  EXPECT_EQ(v.pid, newer_big.pid());
  EXPECT_EQ(v.rss_swap_bytes, 200ull << 20);
  EXPECT_EQ(v.source, shm::VictimSource::kFallback);
  EXPECT_GE(v.pidfd, 0);
  close_victim(&v);

  // Nothing started since the scan; or the ranked choice is larger; or it is a group holding
  // the newer process; or the ranking does not say (last_pid 0): no.
  snap.last_pid = static_cast<std::uint64_t>(newer_big.pid());
  EXPECT_FALSE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));
  snap.last_pid = static_cast<std::uint64_t>(older_big.pid());
  chosen.rss_swap_bytes = 300ull << 20;
  EXPECT_FALSE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));
  chosen.rss_swap_bytes = 10ull << 20;
  chosen.mode = shm::KillMode::kGroup;
  chosen.cgroup_path.assign("sandbox");
  EXPECT_FALSE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));
  chosen.mode = shm::KillMode::kProcess;
  snap.last_pid = 0;
  EXPECT_FALSE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));

  // Wrapped past pid_max: the new pids are those above last_pid and those up to the newest.
  snap.last_pid = 4'000'000;
  loadavg(newer_small.pid());  // older_big < newer_small < newer_big: only the first two are new
  ASSERT_TRUE(finder_.newer_and_larger(snap, guard_, chosen, 1000, &v));
  EXPECT_EQ(v.pid, older_big.pid());
  close_victim(&v);
}

// tick() records the kernel threads on a calm tick; the fallback then does not read them again
// until the pid counter wraps (a pid could then belong to a new process).
TEST_F(VictimTest, FallbackSkipsKnownKernelThreadsUntilThePidCounterWraps) {
  ChildProcess worker, was_kthread;
  add(worker, "worker", "sandbox/work", 100);
  FakeProcess k{.pid = was_kthread.pid(),
                .start_time_ticks = was_kthread.start_time_ticks(),
                .comm = "kworker/0:1",
                .cgroup = "sandbox/work",
                .rss_kb = 0,
                .kernel_thread = true};
  write_fake_process(tree_, k);
  const auto loadavg = [&](int newest) {
    tree_.write("proc/loadavg", "0.1 0.2 0.3 1/99 " + std::to_string(newest) + "\n");
  };
  loadavg(5000);
  finder_.tick(false, 1000);  // not calm: nothing recorded
  EXPECT_EQ(finder_.kernel_threads_known(), 0u);
  finder_.tick(true, 1000);
  EXPECT_EQ(finder_.kernel_threads_known(), 1u);

  // Were the pid reused without a wrap (it cannot be), the fallback would not even read it.
  k.kernel_thread = false;
  k.comm = "big";
  k.rss_kb = 900 * 1024;
  write_fake_process(tree_, k);
  Victim v;
  ASSERT_TRUE(finder_.fallback(guard_, config::FallbackPolicy::kLargest, 1000, &v));
  EXPECT_EQ(v.pid, worker.pid());
  close_victim(&v);

  loadavg(6000);
  finder_.tick(false, 1000);
  EXPECT_EQ(finder_.kernel_threads_known(), 1u);
  loadavg(301);  // wrapped past pid_max
  finder_.tick(false, 1000);
  EXPECT_EQ(finder_.kernel_threads_known(), 0u);
  ASSERT_TRUE(finder_.fallback(guard_, config::FallbackPolicy::kLargest, 1000, &v));
  EXPECT_EQ(v.pid, was_kthread.pid());  // read again: now the largest process
  close_victim(&v);
  finder_.tick(true, 1000);  // recorded afresh: no kernel thread now
  EXPECT_EQ(finder_.kernel_threads_known(), 0u);
}

}  // namespace
}  // namespace oomguard::core

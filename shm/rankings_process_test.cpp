// Two processes: a forked writer publishes in a tight loop and is SIGKILLed at a random point,
// 1 000 times, a new writer each time (continuing the generations). The reader, in the parent,
// must always hold either a snapshot exactly as published or its previous good one.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

#include "shm/rankings.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

constexpr int kKills = 1000;
constexpr std::uint64_t kMaxDelayUs = 2000;
constexpr std::uint64_t kStartupTimeoutUs = 10'000'000;

std::uint64_t now_us() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

[[noreturn]] void writer_child(Region& region, pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(3);
  RankingWriter w(region);
  static std::array<RankingEntry, kRankingCapacity> scratch;
  for (;;) {
    const std::uint64_t g = w.last_generation() + 1;
    w.publish(testing::make_entries(g, scratch), testing::created_for(g), testing::last_pid_for(g));
  }
}

struct Stats {
  std::uint64_t reads = 0, news = 0, torn = 0, invalid = 0, mismatches = 0, backwards = 0;
  std::uint64_t last_generation = 0;
  // Per kill.
  int odd_after_kill = 0, after_kill_not_head = 0, bad_exit = 0, startup_timeouts = 0;
  int kills_after_publishing = 0, head_went_back = 0;
  std::uint64_t head = 0;
};

void check_read(RankingReader& reader, Stats& st) {
  ++st.reads;
  const ReadStatus status = reader.read();
  if (status == ReadStatus::kInvalid) ++st.invalid;
  if (status == ReadStatus::kTorn) ++st.torn;
  const Snapshot* s = reader.last_good();
  if (s == nullptr) return;
  // Whatever the status, what the reader holds must be a published snapshot, intact.
  if (testing::snapshot_mismatch(*s) != nullptr) ++st.mismatches;
  if (s->generation < st.last_generation) ++st.backwards;
  if (status == ReadStatus::kNew) ++st.news;
  st.last_generation = s->generation;
}

// Reads while the writer runs, until the first publish (half the rounds, so half the kills land
// in steady state) and then for a random 0-2 ms.
void read_while_writing(const Region& region, RankingReader& reader, std::mt19937_64& rng,
                        Stats& st) {
  const std::uint64_t head_before = region.ranking_control().head_generation.load();
  if (rng() % 2 == 0) {
    const std::uint64_t give_up = now_us() + kStartupTimeoutUs;
    while (region.ranking_control().head_generation.load() == head_before) {
      check_read(reader, st);
      if (now_us() > give_up) {
        ++st.startup_timeouts;
        break;
      }
    }
  }
  const std::uint64_t deadline = now_us() + rng() % kMaxDelayUs;
  while (now_us() < deadline) check_read(reader, st);
}

// One round: fork a writer, read while it writes, SIGKILL it, check what it left behind.
void kill_round(Region& region, RankingReader& reader, std::mt19937_64& rng, Stats& st) {
  const std::uint64_t head_before = region.ranking_control().head_generation.load();
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) writer_child(region, parent);
  read_while_writing(region, reader, rng, st);
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) ++st.bad_exit;

  for (std::uint32_t i = 0; i < kRankingSlots; ++i) {
    if ((region.slot(i).header.sequence.load() & 1) != 0) ++st.odd_after_kill;
  }
  const std::uint64_t head = region.ranking_control().head_generation.load();
  if (head < st.head) ++st.head_went_back;
  if (head > head_before) ++st.kills_after_publishing;
  st.head = head;
  // With the writer dead, the reader must land exactly on head (or hold nothing if the very
  // first writers never finished one).
  check_read(reader, st);
  const Snapshot* s = reader.last_good();
  if (head != 0 && (s == nullptr || s->generation != head)) ++st.after_kill_not_head;
}

TEST(RankingsProcesses, SigkillTheWriterAtRandomPoints) {
  Region region;
  ASSERT_EQ(Region::create(::getpid(), 1, &region), 0);
  auto reader = std::make_unique<RankingReader>(region);
  const auto seed = static_cast<std::uint64_t>(now_us());
  std::mt19937_64 rng(seed);
  Stats st;
  for (int i = 0; i < kKills && !HasFatalFailure(); ++i) kill_round(region, *reader, rng, st);

  std::printf(
      "seed %llu: %d kills (%d after the writer published), head %llu, reads %llu (new %llu, "
      "torn %llu), slots left mid-write %d\n",
      static_cast<unsigned long long>(seed), kKills, st.kills_after_publishing,
      static_cast<unsigned long long>(st.head), static_cast<unsigned long long>(st.reads),
      static_cast<unsigned long long>(st.news), static_cast<unsigned long long>(st.torn),
      st.odd_after_kill);
  EXPECT_EQ(st.bad_exit, 0);
  EXPECT_EQ(st.invalid, 0u);
  EXPECT_EQ(reader->invalid_count(), 0u);
  EXPECT_EQ(st.mismatches, 0u) << "the reader held garbage";
  EXPECT_EQ(st.backwards, 0u);
  EXPECT_EQ(st.head_went_back, 0) << "a restarted writer reused or lost generations";
  EXPECT_EQ(st.after_kill_not_head, 0);
  // The test did what it claims: writers published, and were killed in the middle of writes.
  EXPECT_EQ(st.startup_timeouts, 0);
  EXPECT_GE(st.kills_after_publishing, kKills / 4);  // about half wait for a first publish
  EXPECT_GT(st.odd_after_kill, 0);
}

}  // namespace
}  // namespace oomguard::shm

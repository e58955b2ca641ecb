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
    w.publish(testing::make_entries(g, scratch), testing::created_for(g));
  }
}

struct Stats {
  std::uint64_t reads = 0, news = 0, torn = 0, invalid = 0, mismatches = 0, backwards = 0;
  std::uint64_t last_generation = 0;
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

TEST(RankingsProcesses, SigkillTheWriterAtRandomPoints) {
  Region region;
  ASSERT_EQ(Region::create(::getpid(), 1, &region), 0);
  auto reader = std::make_unique<RankingReader>(region);
  const auto seed = static_cast<std::uint64_t>(now_us());
  std::mt19937_64 rng(seed);
  Stats st;
  int odd_after_kill = 0, after_kill_not_head = 0, bad_exit = 0, startup_timeouts = 0;
  int kills_after_publishing = 0;
  std::uint64_t prev_head = 0, head_went_back = 0;

  for (int i = 0; i < kKills; ++i) {
    const pid_t parent = ::getpid();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) writer_child(region, parent);
    const std::uint64_t head_before = region.ranking_control().head_generation.load();
    if (rng() % 2 == 0) {
      // Half the kills land in steady state: let this writer publish once first.
      const std::uint64_t give_up = now_us() + kStartupTimeoutUs;
      while (region.ranking_control().head_generation.load() == head_before) {
        check_read(*reader, st);
        if (now_us() > give_up) {
          ++startup_timeouts;
          break;
        }
      }
    }
    const std::uint64_t deadline = now_us() + rng() % kMaxDelayUs;
    while (now_us() < deadline) check_read(*reader, st);
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) ++bad_exit;

    for (std::uint32_t s = 0; s < kRankingSlots; ++s) {
      if ((region.slot(s).header.sequence.load() & 1) != 0) ++odd_after_kill;
    }
    const std::uint64_t head = region.ranking_control().head_generation.load();
    if (head < prev_head) ++head_went_back;
    if (head > head_before) ++kills_after_publishing;
    prev_head = head;
    // With the writer dead, the reader must land exactly on head (or hold nothing if the very
    // first writers never finished one).
    check_read(*reader, st);
    const Snapshot* s = reader->last_good();
    if (head != 0 && (s == nullptr || s->generation != head)) ++after_kill_not_head;
  }

  std::printf(
      "seed %llu: %d kills (%d after the writer published), head %llu, reads %llu (new %llu, "
      "torn %llu), slots left mid-write %d\n",
      static_cast<unsigned long long>(seed), kKills, kills_after_publishing,
      static_cast<unsigned long long>(prev_head), static_cast<unsigned long long>(st.reads),
      static_cast<unsigned long long>(st.news), static_cast<unsigned long long>(st.torn),
      odd_after_kill);
  EXPECT_EQ(bad_exit, 0);
  EXPECT_EQ(st.invalid, 0u);
  EXPECT_EQ(reader->invalid_count(), 0u);
  EXPECT_EQ(st.mismatches, 0u) << "the reader held garbage";
  EXPECT_EQ(st.backwards, 0u);
  EXPECT_EQ(head_went_back, 0u) << "a restarted writer reused or lost generations";
  EXPECT_EQ(after_kill_not_head, 0);
  // The test did what it claims: writers published, and were killed in the middle of writes.
  EXPECT_EQ(startup_timeouts, 0);
  EXPECT_GE(kills_after_publishing, kKills / 2);
  EXPECT_GT(odd_after_kill, 0);
}

}  // namespace
}  // namespace oomguard::shm

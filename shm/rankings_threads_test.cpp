// Two threads on one region: a writer publishing as fast as it can, a reader reading as fast as
// it can. The reader must never accept a torn or CRC-failing snapshot (every field of every
// accepted snapshot is checked against the pattern of its generation) and must see generations
// only increase. Run under the tsan preset too.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <thread>

#include "shm/rankings.h"
#include "shm/sanitizer_scale.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

// 2 M snapshots; under TSan 2 M / 20 = 100 k (each atomic word is a TSan runtime call there).
constexpr std::uint64_t kFullPublishes = 2'000'000;
constexpr std::uint64_t kPublishes = testing::scaled(kFullPublishes, 20);

struct ReaderStats {
  std::uint64_t news = 0, unchanged = 0, none = 0, torn = 0, invalid = 0;
  std::uint64_t mismatches = 0, not_increasing = 0, last_generation = 0;
};

// Nothing new yet: back off briefly but stay on the CPU (a yield would mostly stop the reader
// from overlapping the writer on a loaded machine; a bare spin floods TSan's sync object for
// head_generation).
void relax() {
  for (int i = 0; i < 32; ++i) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
}

void check_read(RankingReader& reader, ReaderStats& st) {
  switch (reader.read()) {
    case ReadStatus::kNew: {
      ++st.news;
      const Snapshot& s = *reader.last_good();
      if (testing::snapshot_mismatch(s) != nullptr) ++st.mismatches;
      if (s.generation <= st.last_generation) ++st.not_increasing;
      st.last_generation = s.generation;
      break;
    }
    case ReadStatus::kUnchanged:
      ++st.unchanged;
      relax();
      break;
    case ReadStatus::kNone:
      ++st.none;
      relax();
      break;
    case ReadStatus::kTorn:
      ++st.torn;
      break;
    case ReadStatus::kInvalid:
      ++st.invalid;
      break;
  }
}

void run(std::uint32_t max_retries, std::uint64_t publishes) {
  auto buf = testing::make_region_buffer();
  Region region = Region::view(buf->bytes, kRegionBytes);
  auto reader = std::make_unique<RankingReader>(region, max_retries);
  std::atomic<bool> done{false};
  std::uint64_t wrong_generation = 0;  // written by the writer thread, read after join

  std::thread writer([&] {
    RankingWriter w(region);
    auto scratch = std::make_unique<std::array<RankingEntry, kRankingCapacity>>();
    for (std::uint64_t g = 1; g <= publishes; ++g) {
      if (w.publish(testing::make_entries(g, *scratch), testing::created_for(g),
                    testing::last_pid_for(g)) != g) {
        ++wrong_generation;
      }
    }
    done.store(true, std::memory_order_release);
  });

  ReaderStats st;
  for (bool finished = false; !finished;) {
    finished = done.load(std::memory_order_acquire);
    check_read(*reader, st);  // one more full read after the writer finished
  }
  writer.join();

  std::printf(
      "publishes %llu, max_retries %u: new %llu unchanged %llu none %llu torn %llu "
      "invalid %llu, lapped attempts %llu\n",
      static_cast<unsigned long long>(publishes), max_retries,
      static_cast<unsigned long long>(st.news), static_cast<unsigned long long>(st.unchanged),
      static_cast<unsigned long long>(st.none), static_cast<unsigned long long>(st.torn),
      static_cast<unsigned long long>(st.invalid),
      static_cast<unsigned long long>(reader->retry_count()));
  EXPECT_EQ(wrong_generation, 0u);
  EXPECT_EQ(st.mismatches, 0u) << "accepted a snapshot that is not what was published";
  EXPECT_EQ(st.not_increasing, 0u);
  EXPECT_EQ(st.invalid, 0u);
  EXPECT_EQ(reader->invalid_count(), 0u);
  EXPECT_EQ(reader->torn_count(), st.torn);
  ASSERT_NE(reader->last_good(), nullptr);
  EXPECT_EQ(reader->last_good()->generation, publishes);
  // The two threads really overlapped: the reader accepted many distinct generations.
  EXPECT_GE(st.news, 100u);
}

TEST(RankingsThreads, ReaderNeverAcceptsATornSnapshot) { run(8, kPublishes); }

// Without retries every lapped copy surfaces as kTorn: the most exposed configuration.
TEST(RankingsThreads, ReaderWithoutRetriesNeverAcceptsATornSnapshot) { run(0, kPublishes / 4); }

}  // namespace
}  // namespace oomguard::shm

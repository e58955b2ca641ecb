// The read/write paths core uses after init never allocate: malloc and friends are interposed
// (operator new goes through malloc) and counted while RankingWriter::publish,
// RankingReader::read, EventProducer::push, EventConsumer::drain and the heartbeats run in a
// loop — including their first calls (CRC32C's one-time CPU check).
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <memory>

#include "shm/events.h"
#include "shm/heartbeat.h"
#include "shm/rankings.h"
#include "shm/region.h"
#include "shm/test_support.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define OOMGUARD_SHM_SANITIZED 1  // the sanitizers own malloc: no interposing here
#endif

#ifndef OOMGUARD_SHM_SANITIZED
namespace {
std::atomic<bool> g_counting{false};
std::atomic<std::uint64_t> g_allocations{0};

void count() {
  if (g_counting.load(std::memory_order_relaxed)) {
    g_allocations.fetch_add(1, std::memory_order_relaxed);
  }
}
}  // namespace

extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

void* malloc(std::size_t n) {
  count();
  return __libc_malloc(n);
}
void* calloc(std::size_t n, std::size_t size) {
  count();
  return __libc_calloc(n, size);
}
void* realloc(void* p, std::size_t n) {
  count();
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t alignment, std::size_t n) {
  count();
  return __libc_memalign(alignment, n);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t n) {
  count();
  *out = __libc_memalign(alignment, n);
  return *out != nullptr ? 0 : ENOMEM;
}
}
#endif

namespace oomguard::shm {
namespace {

TEST(NoAlloc, SteadyStatePathsNeverAllocate) {
#ifdef OOMGUARD_SHM_SANITIZED
  GTEST_SKIP() << "sanitizer builds replace malloc; this test runs in the plain builds";
#else
  // The interposer itself works.
  g_counting = true;
  void* volatile probe = std::malloc(16);
  g_counting = false;
  std::free(probe);
  ASSERT_EQ(g_allocations.exchange(0), 1u);

  Region region;
  ASSERT_EQ(Region::create(1, 1, &region), 0);
  auto entries = std::make_unique<std::array<RankingEntry, kRankingCapacity> >();
  auto reader = std::make_unique<RankingReader>(region);
  RankingWriter writer(region);
  EventProducer producer(region);
  EventConsumer consumer(region);
  const KillEvent event = testing::make_event(1);
  std::array<KillEvent, 4> out{};
  std::uint64_t news = 0, unchanged = 0, drained = 0, beats_seen = 0;

  g_counting = true;
  for (std::uint64_t g = 1; g <= 5000; ++g) {
    writer.publish(testing::make_entries(g, *entries), testing::created_for(g),
                   testing::last_pid_for(g));
    if (reader->read() == ReadStatus::kNew) ++news;
    if (reader->read() == ReadStatus::kUnchanged) ++unchanged;
    producer.push(event);
    drained += consumer.drain(out);
    beat_extended(region, g);
    beat_core(region, g);
    if (extended_heartbeat_ns(region) == g && core_heartbeat_ns(region) == g) ++beats_seen;
  }
  g_counting = false;
  EXPECT_EQ(g_allocations.load(), 0u);
  // The loop really did the work.
  EXPECT_EQ(news, 5000u);
  EXPECT_EQ(unchanged, 5000u);
  EXPECT_EQ(drained, 5000u);
  EXPECT_EQ(beats_seen, 5000u);
#endif
}

}  // namespace
}  // namespace oomguard::shm

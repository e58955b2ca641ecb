#include "shm/events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "shm/sanitizer_scale.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

using testing::make_event;

bool same(const KillEvent& a, const KillEvent& b) { return std::memcmp(&a, &b, sizeof a) == 0; }

class EventsTest : public ::testing::Test {
 protected:
  std::unique_ptr<testing::RegionBuffer> buf_ = testing::make_region_buffer();
  Region region_ = Region::view(buf_->bytes, kRegionBytes);
  std::vector<KillEvent> out_ = std::vector<KillEvent>(kEventCapacity * 2);
};

TEST_F(EventsTest, RecordsArriveInOrder) {
  EventProducer p(region_);
  EventConsumer c(region_);
  EXPECT_EQ(c.drain(out_), 0u);
  for (std::uint64_t id = 1; id <= 5; ++id) ASSERT_TRUE(p.push(make_event(id)));
  ASSERT_EQ(c.drain(std::span(out_).first(2)), 2u);
  EXPECT_TRUE(same(out_[0], make_event(1)));
  EXPECT_TRUE(same(out_[1], make_event(2)));
  ASSERT_EQ(c.drain(out_), 3u);
  for (std::uint64_t id = 3; id <= 5; ++id) EXPECT_TRUE(same(out_[id - 3], make_event(id)));
  EXPECT_EQ(c.drain(out_), 0u);
  EXPECT_EQ(region_.event_control().tail.load(), 5u);
  EXPECT_EQ(region_.event_control().head.load(), 5u);
}

TEST_F(EventsTest, OverflowIsCountedExactly) {
  EventProducer p(region_);
  EventConsumer c(region_);
  for (std::uint64_t id = 1; id <= kEventCapacity; ++id) ASSERT_TRUE(p.push(make_event(id)));
  for (std::uint64_t id = 0; id < 37; ++id) EXPECT_FALSE(p.push(make_event(1000 + id)));
  EXPECT_EQ(p.dropped(), 37u);
  EXPECT_EQ(c.dropped(), 37u);
  ASSERT_EQ(c.drain(out_), kEventCapacity);  // the first 256, untouched by the dropped pushes
  for (std::uint64_t id = 1; id <= kEventCapacity; ++id) {
    EXPECT_TRUE(same(out_[id - 1], make_event(id))) << id;
  }
  EXPECT_TRUE(p.push(make_event(5000)));
  EXPECT_EQ(p.dropped(), 37u);
  ASSERT_EQ(c.drain(out_), 1u);
  EXPECT_TRUE(same(out_[0], make_event(5000)));
}

TEST_F(EventsTest, WrapsAroundManyTimes) {
  EventProducer p(region_);
  EventConsumer c(region_);
  std::uint64_t next_push = 1, next_pop = 1;
  std::mt19937 rng(7);
  while (next_pop < 20 * kEventCapacity) {
    const std::uint64_t n = rng() % 100;
    for (std::uint64_t i = 0; i < n; ++i) {
      if (p.push(make_event(next_push))) ++next_push;
    }
    const std::size_t got = c.drain(std::span(out_).first(rng() % 120));
    for (std::size_t i = 0; i < got; ++i) ASSERT_TRUE(same(out_[i], make_event(next_pop++)));
  }
  EXPECT_EQ(c.drain(out_) + next_pop - 1, next_push - 1);
}

TEST_F(EventsTest, RestartedSidesContinue) {
  {
    EventProducer p(region_);
    for (std::uint64_t id = 1; id <= kEventCapacity + 3; ++id) p.push(make_event(id));
    EventConsumer c(region_);
    ASSERT_EQ(c.drain(std::span(out_).first(10)), 10u);
  }
  EventProducer p(region_);
  EXPECT_EQ(p.dropped(), 3u);
  EventConsumer c(region_);  // continues after record 10
  ASSERT_TRUE(p.push(make_event(999)));
  ASSERT_EQ(c.drain(out_), kEventCapacity - 10 + 1);
  EXPECT_TRUE(same(out_[0], make_event(11)));
  EXPECT_TRUE(same(out_[kEventCapacity - 10], make_event(999)));
}

// A tail the consumer should never write: ahead of head, or more than a ring behind, or wild.
// The producer must neither write (anywhere) nor block: it drops and counts.
TEST(EventsHostile, ImplausibleTailsAreDroppedAndCounted) {
  struct alignas(64) Padded {
    std::byte region[kRegionBytes];
    std::byte guard[4096];
  };
  auto buf = std::make_unique<Padded>();
  std::memset(buf.get(), 0x5A, sizeof(Padded));
  std::memset(buf->region, 0, kRegionBytes);
  Region region = Region::view(buf->region, kRegionBytes);
  EventControl& ctl = region.event_control();
  ctl.head.store(1000);  // as if 1000 records went through
  ctl.tail.store(1000);
  EventProducer p(region);
  auto records_before = std::make_unique<Padded>();
  std::memcpy(records_before.get(), buf.get(), sizeof(Padded));

  const std::uint64_t hostile[] = {
      1001, 1000 + kEventCapacity, ~0ull, 1000 - kEventCapacity, 0, 1ull << 63};
  std::uint64_t expected_drops = 0;
  for (const std::uint64_t tail : hostile) {
    ctl.tail.store(tail);
    EXPECT_FALSE(p.push(make_event(1))) << "tail " << tail;
    ++expected_drops;
    EXPECT_EQ(p.dropped(), expected_drops);
    EXPECT_EQ(ctl.head.load(), 1000u);
  }
  EXPECT_EQ(ctl.dropped.load(), expected_drops);
  // Nothing but the counters changed: no record, nothing past the region.
  ctl.tail.store(1000);
  ctl.dropped.store(0);
  EXPECT_EQ(std::memcmp(records_before.get(), buf.get(), sizeof(Padded)), 0);
  // A plausible tail (a full ring behind minus one) works again.
  ctl.tail.store(1000 - kEventCapacity + 1);
  EXPECT_TRUE(p.push(make_event(2)));
  EXPECT_FALSE(p.push(make_event(3)));  // and now it is full
}

TEST(EventsHostile, ImplausibleHeadMakesTheConsumerResync) {
  auto buf = testing::make_region_buffer();
  Region region = Region::view(buf->bytes, kRegionBytes);
  EventControl& ctl = region.event_control();
  std::vector<KillEvent> out(kEventCapacity);
  for (const std::uint64_t head :
       {std::uint64_t{kEventCapacity} + 1, ~std::uint64_t{0}, std::uint64_t{1} << 40}) {
    ctl.tail.store(0);
    EventConsumer c(region);
    ctl.head.store(head);
    EXPECT_EQ(c.drain(out), 0u) << head;
    EXPECT_EQ(c.resync_count(), 1u);
    EXPECT_EQ(ctl.tail.load(), head);
  }
  // Head behind tail.
  ctl.head.store(5);
  ctl.tail.store(10);
  EventConsumer c(region);
  EXPECT_EQ(c.drain(out), 0u);
  EXPECT_EQ(c.resync_count(), 1u);
  EXPECT_EQ(ctl.tail.load(), 5u);
}

// 10 M records (1 M under TSan) through the ring, the consumer sometimes slow: every record
// pushed successfully arrives exactly once and in order, every failed push is counted (by the
// producer and in the region) exactly once.
constexpr std::uint64_t kFullRecords = 10'000'000;
constexpr std::uint64_t kRecords = testing::scaled(kFullRecords, 10);

struct ProducerResult {
  std::vector<std::uint8_t> pushed;  // [id] = 1 if push(id) succeeded
  std::uint64_t failed = 0;          // failed push() calls
  std::uint64_t dropped = 0;         // EventProducer::dropped() at the end
};

void produce(Region& region, ProducerResult& r, std::atomic<bool>& done) {
  EventProducer p(region);
  for (std::uint64_t id = 1; id <= kRecords; ++id) {
    const KillEvent e = make_event(id);
    // A failed push is a drop. Most records are offered again until they fit (so most of the
    // run flows through); every 4th is given up at its first failure, as core would.
    for (;;) {
      if (p.push(e)) {
        r.pushed[id] = 1;
        break;
      }
      ++r.failed;
      if (id % 4 == 0) break;
      std::this_thread::yield();
    }
  }
  r.dropped = p.dropped();
  done.store(true, std::memory_order_release);
}

struct ConsumerResult {
  std::vector<std::uint8_t> received;  // [id] = times received
  std::uint64_t got = 0, out_of_order = 0, corrupt = 0, slow_pauses = 0, dropped = 0;
};

void consume(Region& region, ConsumerResult& r, const std::atomic<bool>& done) {
  EventConsumer c(region);
  std::vector<KillEvent> out(64);
  std::mt19937 rng(42);
  std::uint64_t last_id = 0;
  for (bool finished = false; !finished;) {
    finished = done.load(std::memory_order_acquire);
    const std::size_t n = c.drain(std::span(out).first(1 + rng() % 64));
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t id = out[i].kill_id;
      if (id <= last_id || id > kRecords) {
        ++r.out_of_order;
        continue;
      }
      last_id = id;
      if (!same(out[i], make_event(id))) ++r.corrupt;
      ++r.received[id];
      ++r.got;
    }
    if (n > 0) finished = false;  // after the producer is done, drain until empty
    if (rng() % 1024 == 0) {      // sometimes slow
      ++r.slow_pauses;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  r.dropped = c.dropped();
}

TEST(EventsThreads, NoLostOrDuplicatedRecord) {
  auto buf = testing::make_region_buffer();
  Region region = Region::view(buf->bytes, kRegionBytes);
  ProducerResult p{.pushed = std::vector<std::uint8_t>(kRecords + 1, 0)};
  ConsumerResult c{.received = std::vector<std::uint8_t>(kRecords + 1, 0)};
  std::atomic<bool> done{false};
  std::thread producer([&] { produce(region, p, done); });
  consume(region, c, done);
  producer.join();

  std::uint64_t lost = 0, phantom = 0, pushed_count = 0;
  for (std::uint64_t id = 1; id <= kRecords; ++id) {
    pushed_count += p.pushed[id];
    if (p.pushed[id] == 1 && c.received[id] != 1) ++lost;
    if (p.pushed[id] == 0 && c.received[id] != 0) ++phantom;
  }
  std::printf("records %llu: delivered %llu, failed pushes (drops) %llu, consumer pauses %llu\n",
              static_cast<unsigned long long>(kRecords), static_cast<unsigned long long>(c.got),
              static_cast<unsigned long long>(p.failed),
              static_cast<unsigned long long>(c.slow_pauses));
  EXPECT_EQ(c.out_of_order, 0u) << "a duplicated or reordered record";
  EXPECT_EQ(c.corrupt, 0u);
  EXPECT_EQ(lost, 0u);
  EXPECT_EQ(phantom, 0u);
  EXPECT_EQ(c.got, pushed_count);
  EXPECT_GT(c.got, kRecords * 3 / 4);  // everything but some of every 4th record
  EXPECT_EQ(p.dropped, p.failed) << "overflow not counted exactly";
  EXPECT_EQ(c.dropped, p.failed);
  // Both paths really ran: records flowed, and the slow consumer made the ring overflow.
  EXPECT_GT(p.failed, 0u);
}

}  // namespace
}  // namespace oomguard::shm

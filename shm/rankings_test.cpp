#include "shm/rankings.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <vector>

#include "shm/crc32c.h"
#include "shm/test_support.h"

namespace oomguard::shm {
namespace {

using testing::make_entries;
using testing::make_entry;

class RankingsTest : public ::testing::Test {
 protected:
  std::uint64_t publish_pattern(RankingWriter& w) {
    const std::uint64_t g = w.last_generation() + 1;
    return w.publish(make_entries(g, scratch_), testing::created_for(g), testing::last_pid_for(g));
  }
  std::byte* slot_bytes(std::uint64_t g) {
    return reinterpret_cast<std::byte*>(
        &region_.slot(static_cast<std::uint32_t>(g % kRankingSlots)));
  }

  std::unique_ptr<testing::RegionBuffer> buf_ = testing::make_region_buffer();
  Region region_ = Region::view(buf_->bytes, kRegionBytes);
  std::array<RankingEntry, kRankingCapacity> scratch_{};
  std::unique_ptr<RankingReader> reader_ = std::make_unique<RankingReader>(region_);
};

TEST_F(RankingsTest, NothingPublishedIsNone) {
  EXPECT_EQ(reader_->read(), ReadStatus::kNone);
  EXPECT_EQ(reader_->last_good(), nullptr);
}

TEST_F(RankingsTest, PublishThenReadRoundTripsEveryField) {
  RankingWriter w(region_);
  for (std::uint64_t g = 1; g <= 40; ++g) {
    ASSERT_EQ(publish_pattern(w), g);
    ASSERT_EQ(reader_->read(), ReadStatus::kNew) << g;
    ASSERT_NE(reader_->last_good(), nullptr);
    EXPECT_EQ(reader_->last_good()->generation, g);
    EXPECT_EQ(testing::snapshot_mismatch(*reader_->last_good()), nullptr) << g;
    EXPECT_EQ(reader_->read(), ReadStatus::kUnchanged);
  }
  // Covered: empty, small and full snapshots.
  EXPECT_EQ(testing::count_for(13), 0u);
  EXPECT_EQ(testing::count_for(16), kRankingCapacity);
  EXPECT_EQ(reader_->invalid_count(), 0u);
  EXPECT_EQ(reader_->torn_count(), 0u);
}

TEST_F(RankingsTest, ReaderSkipsToTheNewestGeneration) {
  RankingWriter w(region_);
  for (int i = 0; i < 5; ++i) publish_pattern(w);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  EXPECT_EQ(reader_->last_good()->generation, 5u);
}

TEST_F(RankingsTest, OverCapacityPublishesNothing) {
  RankingWriter w(region_);
  publish_pattern(w);
  std::vector<RankingEntry> too_many(kRankingCapacity + 1, make_entry(1, 0));
  EXPECT_EQ(w.publish(too_many, 1), 0u);
  EXPECT_EQ(region_.ranking_control().head_generation.load(), 1u);
  EXPECT_EQ(w.last_generation(), 1u);
  EXPECT_EQ(publish_pattern(w), 2u);
}

TEST_F(RankingsTest, ARestartedWriterContinuesGenerations) {
  {
    RankingWriter first(region_);
    for (int i = 0; i < 7; ++i) publish_pattern(first);
  }
  RankingWriter second(region_);
  EXPECT_EQ(second.last_generation(), 7u);
  EXPECT_EQ(publish_pattern(second), 8u);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  EXPECT_EQ(reader_->last_good()->generation, 8u);
}

TEST_F(RankingsTest, AWriterDeadMidWriteLeavesTheLastCompleteGeneration) {
  RankingWriter w(region_);
  publish_pattern(w);
  publish_pattern(w);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  // Generation 3 started (W1) and died halfway through its payload: odd sequence, head at 2.
  RankingSlot& s3 = region_.slot(3 % kRankingSlots);
  s3.header.sequence.store(2 * 3 - 1);
  std::memset(reinterpret_cast<std::byte*>(s3.entries), 0xAB, sizeof(RankingEntry) * 10);
  EXPECT_EQ(reader_->read(), ReadStatus::kUnchanged);
  EXPECT_EQ(reader_->last_good()->generation, 2u);
  EXPECT_EQ(testing::snapshot_mismatch(*reader_->last_good()), nullptr);
  // A new writer takes generation 3 over and completes it.
  RankingWriter again(region_);
  EXPECT_EQ(publish_pattern(again), 3u);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  EXPECT_EQ(testing::snapshot_mismatch(*reader_->last_good()), nullptr);
}

TEST_F(RankingsTest, ASlotThatNeverSettlesIsTornAfterTheRetries) {
  RankingWriter w(region_);
  publish_pattern(w);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  region_.ranking_control().head_generation.store(2);  // head says 2, slot still being written
  region_.slot(0).header.sequence.store(3);
  EXPECT_EQ(reader_->read(), ReadStatus::kTorn);
  EXPECT_EQ(reader_->torn_count(), 1u);
  EXPECT_EQ(reader_->retry_count(), 9u);  // 1 + max_retries attempts, all lapped
  EXPECT_EQ(reader_->last_good()->generation, 1u);

  RankingReader no_retries(region_, 0);
  EXPECT_EQ(no_retries.read(), ReadStatus::kTorn);
  EXPECT_EQ(no_retries.retry_count(), 1u);
  EXPECT_EQ(no_retries.last_good(), nullptr);
}

TEST_F(RankingsTest, CorruptPayloadIsInvalidAndTheLastGoodStays) {
  RankingWriter w(region_);
  ASSERT_EQ(publish_pattern(w), 1u);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  ASSERT_EQ(publish_pattern(w), 2u);
  ASSERT_GE(testing::count_for(2), 1u);
  // Damage generation 2's first entry without touching its sequence: only the CRC can tell.
  slot_bytes(2)[sizeof(SnapshotHeader) + 100] ^= std::byte{0x10};
  EXPECT_EQ(reader_->read(), ReadStatus::kInvalid);
  EXPECT_EQ(reader_->invalid_count(), 1u);
  EXPECT_EQ(reader_->last_good()->generation, 1u);
  EXPECT_EQ(testing::snapshot_mismatch(*reader_->last_good()), nullptr);
}

TEST_F(RankingsTest, EachSlotHeaderFieldIsChecked) {
  RankingWriter w(region_);
  const std::uint64_t g = w.publish(make_entries(16, scratch_).first(3), 55);
  ASSERT_EQ(g, 1u);
  std::byte* s = slot_bytes(g);
  for (std::size_t off :
       {offsetof(SnapshotHeader, generation), offsetof(SnapshotHeader, created_ns),
        offsetof(SnapshotHeader, count), offsetof(SnapshotHeader, crc32c)}) {
    s[off] ^= std::byte{0x04};
    RankingReader r(region_);
    EXPECT_EQ(r.read(), ReadStatus::kInvalid) << "field at " << off;
    s[off] ^= std::byte{0x04};
  }
  RankingReader r(region_);
  EXPECT_EQ(r.read(), ReadStatus::kNew);
}

TEST_F(RankingsTest, HugeCountIsInvalidNotAnOverrun) {
  RankingWriter w(region_);
  ASSERT_EQ(publish_pattern(w), 1u);
  std::uint32_t huge = 0xFFFFFFFFu;
  std::memcpy(slot_bytes(1) + offsetof(SnapshotHeader, count), &huge, 4);
  EXPECT_EQ(reader_->read(), ReadStatus::kInvalid);
  EXPECT_EQ(reader_->last_good(), nullptr);
}

TEST_F(RankingsTest, IllFormedEntriesWithAValidCrcAreInvalid) {
  RankingWriter w(region_);
  RankingEntry e = make_entry(1, 0);
  e.kind = 9;  // the writer does not validate; the reader must
  ASSERT_EQ(w.publish({&e, 1}, 1), 1u);
  EXPECT_EQ(reader_->read(), ReadStatus::kInvalid);
  EXPECT_EQ(reader_->last_good(), nullptr);
}

TEST_F(RankingsTest, HeadGoingBackwardsIsInvalid) {
  RankingWriter w(region_);
  publish_pattern(w);
  publish_pattern(w);
  ASSERT_EQ(reader_->read(), ReadStatus::kNew);
  region_.ranking_control().head_generation.store(1);
  EXPECT_EQ(reader_->read(), ReadStatus::kInvalid);
  region_.ranking_control().head_generation.store(0);
  EXPECT_EQ(reader_->read(), ReadStatus::kInvalid);
  EXPECT_EQ(reader_->last_good()->generation, 2u);
}

TEST(EntryWellFormed, AcceptsThePatternAndRefusesEachBadField) {
  const RankingEntry good = make_entry(2, 0);  // a process entry
  ASSERT_EQ(good.kind, static_cast<std::uint8_t>(EntryKind::kProcess));
  EXPECT_TRUE(entry_well_formed(good));
  EXPECT_TRUE(entry_well_formed(make_entry(1, 0)));  // a cgroup entry, pid 0

  auto bad = [&](auto mutate) {
    RankingEntry e = good;
    mutate(e);
    return !entry_well_formed(e);
  };
  EXPECT_TRUE(bad([](RankingEntry& e) { e.kind = 0; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.kind = 3; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.kill_mode = 0; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.kill_mode = 3; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.reason = 0; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.reason = 5; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.pid = 0; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { e.pid = -5; }));
  EXPECT_TRUE(bad([](RankingEntry& e) { std::memset(e.comm, 'x', sizeof e.comm); }));
  EXPECT_TRUE(bad([](RankingEntry& e) { std::memset(e.cgroup_path, 'x', sizeof e.cgroup_path); }));
  // A NUL in the very last byte is enough.
  EXPECT_FALSE(bad([](RankingEntry& e) {
    std::memset(e.cgroup_path, 'x', sizeof e.cgroup_path - 1);
    e.cgroup_path[sizeof e.cgroup_path - 1] = '\0';
  }));
}

TEST(SnapshotCrc, CoversThePrefixAndTheEntries) {
  const RankingEntry e[2] = {make_entry(5, 0), make_entry(5, 1)};
  std::vector<std::byte> flat(20 + sizeof e);
  const std::uint64_t g = 5, created = 99;
  const std::uint32_t count = 2;
  std::memcpy(flat.data(), &g, 8);
  std::memcpy(flat.data() + 8, &created, 8);
  std::memcpy(flat.data() + 16, &count, 4);
  std::memcpy(flat.data() + 20, e, sizeof e);
  EXPECT_EQ(snapshot_crc32c(g, created, e), crc32c(flat));
  EXPECT_NE(snapshot_crc32c(g + 1, created, e), snapshot_crc32c(g, created, e));
  EXPECT_NE(snapshot_crc32c(g, created + 1, e), snapshot_crc32c(g, created, e));
  EXPECT_NE(snapshot_crc32c(g, created, std::span(e, 1)), snapshot_crc32c(g, created, e));
}

}  // namespace
}  // namespace oomguard::shm

#include "tools/hog/pacing.h"

#include <gtest/gtest.h>

namespace oomguard::hog {
namespace {

TEST(HogPacing, UnlimitedNeverWaits) {
  Pacer p{0};
  EXPECT_EQ(p.wait_ns(0, 0), 0);
  EXPECT_EQ(p.wait_ns(1ULL << 40, 0), 0);
  Pacer negative{-5};
  EXPECT_EQ(negative.wait_ns(1ULL << 30, 0), 0);
}

TEST(HogPacing, BudgetGrowsLinearly) {
  Pacer p{100.0 * kMiB};                               // 100 MiB/s: 1 MiB is due at 10 ms
  EXPECT_EQ(p.wait_ns(0, 0), 0);                       // the first chunk goes at once
  EXPECT_EQ(p.wait_ns(kMiB, 0), 10'000'000);           // 10 ms
  EXPECT_EQ(p.wait_ns(kMiB, 4'000'000), 6'000'000);    // 6 ms left
  EXPECT_EQ(p.wait_ns(kMiB, 10'000'000), 0);           // due now
  EXPECT_EQ(p.wait_ns(kMiB, 50'000'000), 0);           // behind: no wait, no debt
  EXPECT_EQ(p.wait_ns(100 * kMiB, 0), 1'000'000'000);  // 100 MiB after one second
}

TEST(HogPacing, TinyRatesAreClamped) {
  Pacer p{1e-9};
  EXPECT_EQ(p.wait_ns(kMiB, 0), static_cast<std::int64_t>(86400e9));
}

TEST(HogPacing, ChunkIsATenthOfASecondInPages) {
  const std::size_t page = 4096;
  EXPECT_EQ(chunk_bytes(0, page), kMiB);                // unlimited: max
  EXPECT_EQ(chunk_bytes(1000.0 * kMiB, page), kMiB);    // capped at 1 MiB
  EXPECT_EQ(chunk_bytes(1.0 * kMiB, page), 25 * page);  // 104857.6 B -> 25 pages
  EXPECT_EQ(chunk_bytes(1000.0, page), page);           // at least one page
  EXPECT_EQ(chunk_bytes(4.0 * kMiB, page, 64 * page), 64 * page);
  EXPECT_EQ(chunk_bytes(0, page, 100), page);  // max below a page: one page
}

TEST(HogPacing, Rates) {
  EXPECT_DOUBLE_EQ(mib_per_s(kMiB, 1'000'000'000), 1.0);
  EXPECT_DOUBLE_EQ(mib_per_s(50 * kMiB, 500'000'000), 100.0);
  EXPECT_EQ(mib_per_s(kMiB, 0), 0);
  EXPECT_EQ(mib_per_s(kMiB, -5), 0);
  EXPECT_DOUBLE_EQ(mib_to_bytes(0.5), 524288.0);
}

}  // namespace
}  // namespace oomguard::hog

#include "extended/jemalloc.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>

namespace oomguard::extended {
namespace {

TEST(Jemalloc, ConfiguredToReturnMemoryPromptly) {
  if (!jemalloc_enabled()) GTEST_SKIP() << "built without jemalloc (sanitizer build)";
  // malloc_conf took effect: these are not jemalloc's defaults (10000 / 0 or 10000 / false).
  EXPECT_EQ(jemalloc_option("opt.dirty_decay_ms"), "1000");
  EXPECT_EQ(jemalloc_option("opt.muzzy_decay_ms"), "0");
  EXPECT_EQ(jemalloc_option("opt.background_thread"), "true");
  EXPECT_EQ(jemalloc_option("opt.narenas"), "2");
  EXPECT_EQ(jemalloc_option("opt.no_such_option"), std::nullopt);
}

TEST(Jemalloc, StatsFollowAllocations) {
  if (!jemalloc_enabled()) {
    EXPECT_FALSE(allocator_stats().has_value());
    GTEST_SKIP() << "built without jemalloc (sanitizer build)";
  }
  const auto before = allocator_stats();
  ASSERT_TRUE(before.has_value());
  constexpr std::size_t kBytes = 64u << 20;
  auto block = std::make_unique<char[]>(kBytes);
  std::memset(block.get(), 1, kBytes);  // touch it, so it is resident too
  const auto during = allocator_stats();
  ASSERT_TRUE(during.has_value());
  EXPECT_GE(during->allocated_bytes, before->allocated_bytes + kBytes);
  EXPECT_GE(during->resident_bytes, kBytes);
  block.reset();
  const auto after = allocator_stats();
  ASSERT_TRUE(after.has_value());
  EXPECT_LT(after->allocated_bytes, during->allocated_bytes - kBytes / 2);
}

}  // namespace
}  // namespace oomguard::extended

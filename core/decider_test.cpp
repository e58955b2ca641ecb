#include "core/decider.h"

#include <gtest/gtest.h>

namespace oomguard::core {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

Decider make() {
  return Decider(
      {.release_timeout_ns = 5000 * kMs, .cooldown_ns = 1000 * kMs, .retry_pause_ns = 1000 * kMs});
}

TEST(Decider, KillsOnlyWhenATriggerFires) {
  Decider d = make();
  EXPECT_FALSE(d.should_kill(0, false));
  EXPECT_TRUE(d.should_kill(10 * kMs, true));
}

TEST(Decider, HoldsUntilReleaseThenCooldown) {
  Decider d = make();
  ASSERT_TRUE(d.should_kill(0, true));
  d.killed(0);
  EXPECT_EQ(d.phase(), Decider::Phase::kAwaitingRelease);
  EXPECT_FALSE(d.should_kill(100 * kMs, true));
  EXPECT_FALSE(d.release_overdue(4999 * kMs));
  d.released(200 * kMs);
  EXPECT_FALSE(d.should_kill(1199 * kMs, true));
  EXPECT_TRUE(d.should_kill(1200 * kMs, true));
}

TEST(Decider, ReleaseTimeoutAndRetryPause) {
  Decider d = make();
  d.killed(0);
  EXPECT_TRUE(d.release_overdue(5000 * kMs));
  d.kill_failed(6000 * kMs);
  EXPECT_FALSE(d.should_kill(6999 * kMs, true));
  EXPECT_TRUE(d.should_kill(7000 * kMs, true));
}

}  // namespace
}  // namespace oomguard::core

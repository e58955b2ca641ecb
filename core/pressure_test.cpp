#include "core/pressure.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "core/clock.h"

namespace oomguard::core {
namespace {

using config::StallKind;

class PressureHistory : public ::testing::Test {
 protected:
  void SetUp() override { storage_.resize(64); }
  // Open on /dev/null: sample() is not used, push() feeds the history.
  void open() { ASSERT_EQ(file_.open(AT_FDCWD, "/dev/null", storage_), 0); }
  void push(std::uint64_t t_ms, std::uint64_t some_ms, std::uint64_t full_ms) {
    file_.push({.t_ns = t_ms * kNsPerMs, .some_us = some_ms * 1000, .full_us = full_ms * 1000});
  }
  std::vector<PsiSample> storage_;
  PressureFile file_;
};

TEST_F(PressureHistory, NeedsAFullWindow) {
  open();
  Stall s;
  push(1000, 0, 0);
  EXPECT_FALSE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  push(1500, 100, 50);
  EXPECT_FALSE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  push(2000, 300, 120);
  ASSERT_TRUE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  EXPECT_EQ(s.stall_us, 300'000u);
  EXPECT_EQ(s.span_ns, 1000 * kNsPerMs);
  ASSERT_TRUE(file_.stall(StallKind::kFull, 1000 * kNsPerMs, &s));
  EXPECT_EQ(s.stall_us, 120'000u);
}

TEST_F(PressureHistory, BaselineIsTheNewestSampleBeforeTheWindow) {
  open();
  for (std::uint64_t t = 0; t <= 3000; t += 100) push(t, t / 2, 0);  // 50 % stall throughout
  Stall s;
  ASSERT_TRUE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  EXPECT_EQ(s.span_ns, 1000 * kNsPerMs);
  EXPECT_EQ(s.stall_us, 500'000u);
  ASSERT_TRUE(file_.stall(StallKind::kSome, 950 * kNsPerMs, &s));
  EXPECT_EQ(s.span_ns, 1000 * kNsPerMs);  // older baseline: span >= window
}

TEST_F(PressureHistory, ResetForgetsTheStallBeforeIt) {
  open();
  for (std::uint64_t t = 0; t <= 2000; t += 100) push(t, t / 2, 0);
  Stall s;
  ASSERT_TRUE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  file_.reset(2000 * kNsPerMs);
  EXPECT_FALSE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  for (std::uint64_t t = 2100; t <= 2900; t += 100) push(t, 1000, 0);  // flat: no stall
  EXPECT_FALSE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  push(3000, 1000, 0);
  ASSERT_TRUE(file_.stall(StallKind::kSome, 1000 * kNsPerMs, &s));
  EXPECT_EQ(s.stall_us, 0u);
}

TEST_F(PressureHistory, RingWrapsAndRisingFollowsTheNewestSample) {
  open();
  for (std::uint64_t t = 0; t < 200; ++t) push(t * 10, t, 0);  // 3x the ring size
  EXPECT_TRUE(file_.rising());
  Stall s;
  ASSERT_TRUE(file_.stall(StallKind::kSome, 500 * kNsPerMs, &s));
  EXPECT_EQ(s.stall_us, 50'000u);
  // The ring holds 64 samples (630 ms): a longer window is not yet known.
  EXPECT_FALSE(file_.stall(StallKind::kSome, 700 * kNsPerMs, &s));
  push(2000, 199, 0);
  EXPECT_FALSE(file_.rising());
}

TEST(PressureFileRead, HonoursTheMinimumReadInterval) {
  char path[] = "/tmp/oomguard-psi-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  const char text[] =
      "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
      "full avg10=0.00 avg60=0.00 avg300=0.00 total=3\n";
  ASSERT_EQ(write(fd, text, sizeof text - 1), static_cast<ssize_t>(sizeof text - 1));
  close(fd);
  std::vector<PsiSample> storage(8);
  PressureFile file;
  ASSERT_EQ(file.open(AT_FDCWD, path, storage), 0);
  EXPECT_EQ(file.sample(1'000 * kNsPerMs), 0);
  EXPECT_EQ(file.sample(1'009 * kNsPerMs), -EAGAIN);
  EXPECT_EQ(file.sample(1'010 * kNsPerMs), 0);
  file.close();
  unlink(path);
}

}  // namespace
}  // namespace oomguard::core

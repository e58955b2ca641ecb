#include "tools/scenario/psi.h"

#include <gtest/gtest.h>

namespace oomguard::scenario {
namespace {

TEST(Psi, ParsesTotals) {
  const auto t = parse_pressure(
      "some avg10=1.00 avg60=0.50 avg300=0.10 total=123456\n"
      "full avg10=0.50 avg60=0.20 avg300=0.05 total=7890\n");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->some_us, 123456u);
  EXPECT_EQ(t->full_us, 7890u);
  EXPECT_FALSE(parse_pressure("some avg10=1.00 total=5\n"));
  EXPECT_FALSE(parse_pressure("some total=x\nfull total=1\n"));
}

TEST(Psi, OnsetIsTheFirstIntervalWithMoreThan10msSome) {
  PsiSeries s;
  s.add({0.0, {0, 0}});
  s.add({0.1, {10'000, 0}});        // exactly 10 ms: not yet
  s.add({0.2, {20'500, 5'000}});    // 10.5 ms: onset
  s.add({0.3, {120'500, 95'000}});  // 90 ms full in this interval
  s.add({0.4, {130'000, 96'000}});
  ASSERT_TRUE(s.onset_s(0));
  EXPECT_DOUBLE_EQ(*s.onset_s(0), 0.2);
  EXPECT_DOUBLE_EQ(*s.onset_s(0.25), 0.3);
  EXPECT_FALSE(s.onset_s(0.35));
  EXPECT_EQ(s.at(0.25).full_us, 95'000u);
  EXPECT_EQ(s.at(9).full_us, 96'000u);  // past the end: the last sample
  EXPECT_DOUBLE_EQ(s.worst_full_ms(0, 1, 0.1), 90.0);
  EXPECT_DOUBLE_EQ(s.worst_full_ms(0.25, 1, 0.1), 1.0);  // samples from 0.3 on
  EXPECT_DOUBLE_EQ(s.worst_full_ms(0, 1, 0.2), 95.0);    // 0.1 to 0.3
  EXPECT_DOUBLE_EQ(s.worst_full_ms(0, 1, 1.0), 96.0);
  EXPECT_DOUBLE_EQ(s.worst_full_ms(0, 0.3, 1.0), 95.0);
}

TEST(Psi, PressureFileRefusesReadsCloserThanTheGuard) {
  // Any readable file with the right text works; /proc/pressure/memory exists where PSI is on.
  PressureFile f;
  if (!f.open("/proc/pressure/memory")) GTEST_SKIP() << "no /proc/pressure/memory (PSI off)";
  EXPECT_TRUE(f.read());
  EXPECT_FALSE(f.read()) << "a second read at once must be refused";
}

}  // namespace
}  // namespace oomguard::scenario

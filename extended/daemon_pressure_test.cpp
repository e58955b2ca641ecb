#include "extended/daemon_pressure.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace oomguard::extended {
namespace {

// /proc/pressure/memory as printed by Linux 6.18.
constexpr const char* kPsi =
    "some avg10=12.50 avg60=4.25 avg300=1.00 total=123456\n"
    "full avg10=3.00 avg60=1.00 avg300=0.20 total=45678\n";

TEST(Pressure, ParsesTheSomeLine) {
  const auto sample = parse_psi_some(kPsi);
  ASSERT_TRUE(sample);
  EXPECT_DOUBLE_EQ(sample->avg10, 12.5);
  EXPECT_DOUBLE_EQ(sample->avg60, 4.25);
  EXPECT_FALSE(parse_psi_some("full avg10=1.00 avg60=1.00 avg300=0.00 total=1\n"));
  EXPECT_FALSE(parse_psi_some("some avg10=x avg60=1.00\n"));
  EXPECT_FALSE(parse_psi_some(""));
}

TEST(Pressure, RisingRules) {
  // Below the floor: noise.
  EXPECT_FALSE(pressure_rising(std::nullopt, {.avg10 = 0.4, .avg60 = 0.0}));
  // Short window above the long one.
  EXPECT_TRUE(pressure_rising(std::nullopt, {.avg10 = 5, .avg60 = 2}));
  // Grew since the last scan, even if avg60 is still higher.
  EXPECT_TRUE(pressure_rising(PressureSample{.avg10 = 3, .avg60 = 9}, {.avg10 = 4, .avg60 = 9}));
  // Falling.
  EXPECT_FALSE(pressure_rising(PressureSample{.avg10 = 5, .avg60 = 9}, {.avg10 = 4, .avg60 = 9}));
}

TEST(Pressure, WatchReadsTheFileOncePerSample) {
  char tmpl[] = "/tmp/oomguard-psi-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/memory.pressure";
  std::ofstream(path) << "some avg10=1.00 avg60=2.00 avg300=0.00 total=1\n";
  PressureWatch watch(path);
  EXPECT_FALSE(watch.sample_rising());
  std::ofstream(path, std::ios::trunc) << "some avg10=1.50 avg60=2.00 avg300=0.00 total=2\n";
  EXPECT_TRUE(watch.sample_rising());
  ASSERT_TRUE(watch.last());
  EXPECT_DOUBLE_EQ(watch.last()->avg10, 1.5);
  EXPECT_FALSE(PressureWatch("").sample_rising());
  EXPECT_FALSE(PressureWatch(std::string(tmpl) + "/missing").sample_rising());
  std::system((std::string("rm -rf ") + tmpl).c_str());
}

}  // namespace
}  // namespace oomguard::extended

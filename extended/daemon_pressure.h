// extended/daemon_pressure: "is memory pressure rising?" — picks the scan interval. The scan
// thread samples the scope's memory.pressure (cgroup2; /proc/pressure/memory for the whole
// machine) once before each scan, never more often, and scans every scan_interval_pressure_ms
// while pressure rises, every scan_interval_ms otherwise.
//
// Rising (pure, pressure_rising): the "some" avg10 is at least kRisingFloorAvg10 percent and it
// either grew since the previous sample or is above avg60 (the short window above the long one:
// stall time is trending up).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace oomguard::extended {

inline constexpr double kRisingFloorAvg10 = 0.5;  // percent; below it, noise

struct PressureSample {
  double avg10 = 0;
  double avg60 = 0;
};

// The "some" line of a PSI file ("some avg10=0.12 avg60=0.05 avg300=0.00 total=123").
std::optional<PressureSample> parse_psi_some(std::string_view text);

bool pressure_rising(const std::optional<PressureSample>& previous, const PressureSample& now);

class PressureWatch {
 public:
  // path "" = no pressure file: never rising.
  explicit PressureWatch(std::string path) : path_(std::move(path)) {}

  // Reads the file once and returns whether pressure is rising; false if it cannot be read.
  bool sample_rising();
  const std::string& path() const { return path_; }
  const std::optional<PressureSample>& last() const { return last_; }

 private:
  std::string path_;
  std::optional<PressureSample> last_;
};

}  // namespace oomguard::extended

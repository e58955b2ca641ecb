// tools/scenario/psi: the sandbox's memory.pressure, sampled the way the peer baseline was
// measured (research/baseline/src/drive.c): every 100 ms, never faster; onset = the first
// 100 ms interval with more than 10 ms of "some" stall.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace oomguard::scenario {

// The total= counters of a *.pressure file, microseconds.
struct PsiTotals {
  std::uint64_t some_us = 0;
  std::uint64_t full_us = 0;
};

// Parses "some avg10=.. total=N\nfull avg10=.. total=M\n". Nullopt on malformed text.
std::optional<PsiTotals> parse_pressure(std::string_view text);

// One sample: seconds since the run's reference time and the totals then.
struct PsiSample {
  double t_s = 0;
  PsiTotals totals;
};

// The samples of one run, with the baseline's derived figures.
class PsiSeries {
 public:
  static constexpr double kOnsetSomeMs = 10.0;  // per 100 ms interval

  void add(const PsiSample& s) { samples_.push_back(s); }
  const std::vector<PsiSample>& samples() const { return samples_; }
  bool empty() const { return samples_.empty(); }

  // Time of the first sample whose interval (since the previous sample, at or after from_s) had
  // more than kOnsetSomeMs of "some" stall.
  std::optional<double> onset_s(double from_s) const;
  // Totals at the first sample at or after t_s (the last sample if none).
  PsiTotals at(double t_s) const;
  // Largest "full" stall (ms) between two samples at most window_s apart (plus 20 ms of
  // sampling jitter), both within [from_s, to_s]: what a trigger over window_s could see.
  double worst_full_ms(double from_s, double to_s, double window_s) const;

 private:
  std::vector<PsiSample> samples_;
};

// Keeps the pressure file open and reads it with pread. Runners read it on a 100 ms cadence;
// as a guard against a runner bug it refuses reads closer than kMinIntervalMs: frequent readers
// distort the kernel's accounting (host probe, gotcha 2).
class PressureFile {
 public:
  static constexpr int kSampleIntervalMs = 100;
  static constexpr int kMinIntervalMs = 50;

  PressureFile() = default;
  ~PressureFile();
  PressureFile(const PressureFile&) = delete;
  PressureFile& operator=(const PressureFile&) = delete;

  bool open(const std::string& path);
  // Nullopt if closed, unreadable, or called sooner than kMinIntervalMs after the last read.
  std::optional<PsiTotals> read();

 private:
  int fd_ = -1;
  std::int64_t last_read_ns_ = 0;
};

}  // namespace oomguard::scenario

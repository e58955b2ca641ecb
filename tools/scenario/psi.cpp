#include "tools/scenario/psi.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <ctime>

namespace oomguard::scenario {
namespace {

// The number after "total=" on the line starting with `prefix`.
std::optional<std::uint64_t> total_on_line(std::string_view text, std::string_view prefix) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, prefix.size()) == prefix) {
      const std::size_t t = line.find("total=");
      if (t == std::string_view::npos) return std::nullopt;
      std::uint64_t v = 0;
      const char* first = line.data() + t + 6;
      const char* last = line.data() + line.size();
      auto [p, ec] = std::from_chars(first, last, v);
      if (ec != std::errc() || p == first) return std::nullopt;
      return v;
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace

std::optional<PsiTotals> parse_pressure(std::string_view text) {
  const auto some = total_on_line(text, "some ");
  const auto full = total_on_line(text, "full ");
  if (!some || !full) return std::nullopt;
  return PsiTotals{.some_us = *some, .full_us = *full};
}

std::optional<double> PsiSeries::onset_s(double from_s) const {
  for (std::size_t i = 1; i < samples_.size(); ++i) {
    if (samples_[i].t_s < from_s) continue;
    const double some_ms =
        static_cast<double>(samples_[i].totals.some_us - samples_[i - 1].totals.some_us) / 1000.0;
    if (some_ms > kOnsetSomeMs) return samples_[i].t_s;
  }
  return std::nullopt;
}

PsiTotals PsiSeries::at(double t_s) const {
  for (const PsiSample& s : samples_) {
    if (s.t_s >= t_s) return s.totals;
  }
  return samples_.empty() ? PsiTotals{} : samples_.back().totals;
}

double PsiSeries::worst_full_ms(double from_s, double to_s, double window_s) const {
  constexpr double kJitterS = 0.02;
  double worst = 0;
  std::size_t first = 0;  // the earliest sample within the window before samples_[end]
  for (std::size_t end = 0; end < samples_.size(); ++end) {
    if (samples_[end].t_s > to_s) break;
    if (samples_[end].t_s < from_s) continue;
    while (samples_[first].t_s < from_s ||
           samples_[end].t_s - samples_[first].t_s > window_s + kJitterS) {
      ++first;
    }
    const double ms =
        static_cast<double>(samples_[end].totals.full_us - samples_[first].totals.full_us) / 1000.0;
    if (ms > worst) worst = ms;
  }
  return worst;
}

PressureFile::~PressureFile() {
  if (fd_ >= 0) close(fd_);
}

bool PressureFile::open(const std::string& path) {
  if (fd_ >= 0) close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  last_read_ns_ = 0;
  return fd_ >= 0;
}

std::optional<PsiTotals> PressureFile::read() {
  if (fd_ < 0) return std::nullopt;
  const std::int64_t now = monotonic_ns();
  if (last_read_ns_ != 0 && now - last_read_ns_ < std::int64_t{kMinIntervalMs} * 1'000'000) {
    return std::nullopt;
  }
  last_read_ns_ = now;
  char buf[512];
  const ssize_t n = pread(fd_, buf, sizeof buf - 1, 0);
  if (n <= 0) return std::nullopt;
  return parse_pressure({buf, static_cast<std::size_t>(n)});
}

}  // namespace oomguard::scenario

#include "extended/daemon_pressure.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>

namespace oomguard::extended {
namespace {

std::optional<double> field(std::string_view line, std::string_view name) {
  const std::size_t at = line.find(name);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = line.data() + at + name.size();
  const char* end = line.data() + line.size();
  double value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr == begin) return std::nullopt;
  return value;
}

}  // namespace

std::optional<PressureSample> parse_psi_some(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    if (line.starts_with("some ")) {
      const auto avg10 = field(line, " avg10=");
      const auto avg60 = field(line, " avg60=");
      if (!avg10 || !avg60) return std::nullopt;
      return PressureSample{.avg10 = *avg10, .avg60 = *avg60};
    }
    start = end + 1;
  }
  return std::nullopt;
}

bool pressure_rising(const std::optional<PressureSample>& previous, const PressureSample& now) {
  if (now.avg10 < kRisingFloorAvg10) return false;
  if (now.avg10 > now.avg60) return true;
  return previous && now.avg10 > previous->avg10;
}

bool PressureWatch::sample_rising() {
  if (path_.empty()) return false;
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[512];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return false;
  const auto sample = parse_psi_some(std::string_view(buf, static_cast<std::size_t>(n)));
  if (!sample) return false;
  const bool rising = pressure_rising(last_, *sample);
  last_ = sample;
  return rising;
}

}  // namespace oomguard::extended

#include "tools/hog/pacing.h"

#include <algorithm>
#include <cmath>

namespace oomguard::hog {

std::int64_t Pacer::wait_ns(std::uint64_t bytes_done, std::int64_t elapsed_ns) const {
  if (!(bytes_per_s > 0)) return 0;
  const double due_ns = static_cast<double>(bytes_done) * 1e9 / bytes_per_s;
  const double wait = due_ns - static_cast<double>(elapsed_ns);
  if (wait <= 0) return 0;
  // Clamp absurd waits (tiny rates) to a day; callers sleep in short slices anyway.
  return static_cast<std::int64_t>(std::min(wait, 86400e9));
}

std::size_t chunk_bytes(double bytes_per_s, std::size_t page_bytes, std::size_t max_bytes) {
  const std::size_t max_pages = std::max<std::size_t>(1, max_bytes / page_bytes);
  if (!(bytes_per_s > 0)) return max_pages * page_bytes;
  const double tenth = bytes_per_s / 10.0;
  const double pages = std::floor(tenth / static_cast<double>(page_bytes));
  const std::size_t n =
      pages >= static_cast<double>(max_pages) ? max_pages : static_cast<std::size_t>(pages);
  return std::max<std::size_t>(1, n) * page_bytes;
}

double mib_per_s(std::uint64_t bytes, std::int64_t ns) {
  if (ns <= 0) return 0;
  return static_cast<double>(bytes) / static_cast<double>(kMiB) * 1e9 / static_cast<double>(ns);
}

double mib_to_bytes(double mib) { return mib * static_cast<double>(kMiB); }

}  // namespace oomguard::hog

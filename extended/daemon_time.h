// extended/daemon_time: the clocks of the daemon. Every time in the region and in core's events is
// CLOCK_MONOTONIC ns; CLOCK_REALTIME is only used to print wall-clock times.
#pragma once

#include <time.h>

#include <cstdint>

namespace oomguard::extended {

inline constexpr std::uint64_t kNsPerMs = 1'000'000;

inline std::uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

inline std::uint64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }

// CLOCK_REALTIME - CLOCK_MONOTONIC now: add it to a monotonic time to get a wall-clock time.
inline std::int64_t realtime_offset_ns() {
  const std::uint64_t mono = monotonic_ns();
  const std::uint64_t real = clock_ns(CLOCK_REALTIME);
  return static_cast<std::int64_t>(real) - static_cast<std::int64_t>(mono);
}

}  // namespace oomguard::extended

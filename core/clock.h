// Time source of the core. Production reads CLOCK_MONOTONIC; tests drive a FakeClock.
#pragma once

#include <time.h>

#include <cstdint>

namespace oomguard::core {

inline constexpr std::uint64_t kNsPerMs = 1'000'000;
inline constexpr std::uint64_t kNsPerUs = 1'000;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ns() const = 0;
};

class MonotonicClock final : public Clock {
 public:
  std::uint64_t now_ns() const override {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
           static_cast<std::uint64_t>(ts.tv_nsec);
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(std::uint64_t start_ns = 1'000'000'000) : now_(start_ns) {}
  std::uint64_t now_ns() const override { return now_; }
  void advance_ms(std::uint64_t ms) { now_ += ms * kNsPerMs; }
  void set_ns(std::uint64_t ns) { now_ = ns; }

 private:
  std::uint64_t now_;
};

}  // namespace oomguard::core

// Anonymous memory and time helpers shared by the allocating modes: an RAII mapping, paced
// page touching that feeds ModeStats, and sleeps that honour the StopFlag.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "tools/hog/mode.h"
#include "tools/hog/pacing.h"
#include "tools/hog/result.h"

namespace oomguard::hog {

std::int64_t now_ns();  // CLOCK_MONOTONIC
std::size_t page_bytes();

// Sleeps until `deadline_ns` (monotonic; nullopt = forever) in slices of at most 100 ms.
// Returns false if stop was requested first.
bool sleep_until(std::optional<std::int64_t> deadline_ns, const StopFlag& stop);

// Deadline `seconds` from now, or nullopt (forever) when seconds is empty.
std::optional<std::int64_t> deadline_after(std::optional<double> seconds);

// A private anonymous mapping (MAP_NORESERVE, no transparent huge pages), unmapped on
// destruction or release().
class AnonRegion {
 public:
  static Result<AnonRegion> map(std::size_t bytes);
  AnonRegion(AnonRegion&& other) noexcept;
  AnonRegion& operator=(AnonRegion&& other) noexcept;
  AnonRegion(const AnonRegion&) = delete;
  AnonRegion& operator=(const AnonRegion&) = delete;
  ~AnonRegion() { release(); }

  std::span<char> bytes() { return {data_, size_}; }
  void release();

 private:
  AnonRegion(char* data, std::size_t size) : data_(data), size_(size) {}
  char* data_ = nullptr;
  std::size_t size_ = 0;
};

// Pacing state that can span several regions (leak) or one (anon, spike).
struct PacedTouch {
  Pacer pacer;
  std::int64_t start_ns = 0;
  std::uint64_t done_bytes = 0;  // touched so far; reported as held
};

// Writes one byte in every page of `mem`, chunk by chunk at the pacer's rate. After each chunk:
// stats work += chunk, held = pace.done_bytes, stall = the chunk's touch time.
// Returns false if stop was requested before the end.
bool touch_paced(std::span<char> mem, PacedTouch& pace, ModeStats& stats, const StopFlag& stop);

// Rewrites every page of `mem` in a loop until `deadline_ns` (nullopt = forever) or stop;
// same stats as touch_paced. Returns the number of full passes.
std::uint64_t retouch_until(std::span<char> mem, std::optional<std::int64_t> deadline_ns,
                            ModeStats& stats, const StopFlag& stop);

}  // namespace oomguard::hog

// Rate pacing arithmetic (pure): allocation budgets that grow linearly with time, chunk sizes,
// and the rate figures printed in progress lines.
#pragma once

#include <cstddef>
#include <cstdint>

namespace oomguard::hog {

inline constexpr std::uint64_t kMiB = 1024 * 1024;

// A budget of `bytes_per_s` starting at elapsed time 0; bytes_per_s <= 0 means unlimited.
struct Pacer {
  double bytes_per_s = 0;

  // Nanoseconds to wait, at `elapsed_ns` since the start, before work may continue past
  // `bytes_done` bytes (the next chunk starts at offset bytes_done). 0 = go now.
  std::int64_t wait_ns(std::uint64_t bytes_done, std::int64_t elapsed_ns) const;
};

// Bytes per allocation/touch step for a rate: about a tenth of a second of work, a multiple of
// `page_bytes`, at least one page and at most `max_bytes` (1 MiB by default); max for
// unlimited rates.
std::size_t chunk_bytes(double bytes_per_s, std::size_t page_bytes, std::size_t max_bytes = kMiB);

// MiB per second for `bytes` done in `ns` nanoseconds (0 when ns <= 0).
double mib_per_s(std::uint64_t bytes, std::int64_t ns);

// Bytes for `mib` MiB given as a fractional rate (MiB/s -> bytes/s).
double mib_to_bytes(double mib);

}  // namespace oomguard::hog

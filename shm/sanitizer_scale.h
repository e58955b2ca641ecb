// Test-only: how much slower the current build's instrumentation makes shm's word-by-word copies,
// so the long concurrency tests can scale their iteration counts (and print both numbers).
#pragma once

#include <cstdint>

namespace oomguard::shm::testing {

#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitizer = true;
#else
inline constexpr bool kThreadSanitizer = false;
#endif
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// Divides a full-size iteration count under TSan (every atomic word costs a runtime call there).
inline constexpr std::uint64_t scaled(std::uint64_t full, std::uint64_t tsan_divisor) {
  return kThreadSanitizer ? full / tsan_divisor : full;
}

}  // namespace oomguard::shm::testing

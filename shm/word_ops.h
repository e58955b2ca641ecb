// Internal to shm/: how bytes move between private memory and the shared region.
//
// Everything in the region that another process may write concurrently is accessed only through
// 8-byte naturally aligned atomics (std::atomic_ref, relaxed unless a caller says otherwise), never
// through memcpy: a plain copy racing with a writer is a data race (and TSan says so). On x86-64 a
// relaxed 8-byte load/store is a plain mov, so this costs nothing over memcpy but vectorisation.
// The private side goes through memcpy, so no type punning happens on either side.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace oomguard::shm::detail {

inline constexpr std::size_t kWordBytes = sizeof(std::uint64_t);
static_assert(std::atomic_ref<std::uint64_t>::required_alignment == kWordBytes);

inline std::atomic_ref<std::uint64_t> shared_word(const std::byte* shared) {
  // atomic_ref<const T> does not exist in C++20; loads never write, so the cast is only nominal
  // (a read-only mapping stays read-only).
  return std::atomic_ref<std::uint64_t>(
      *reinterpret_cast<std::uint64_t*>(const_cast<std::byte*>(shared)));
}

// Copies `bytes` (a multiple of 8) from the region into private memory, word by word.
inline void load_words(std::byte* dst, const std::byte* shared, std::size_t bytes,
                       std::memory_order order = std::memory_order_relaxed) {
  for (std::size_t i = 0; i < bytes; i += kWordBytes) {
    const std::uint64_t w = shared_word(shared + i).load(order);
    std::memcpy(dst + i, &w, kWordBytes);
  }
}

// Copies `bytes` (a multiple of 8) from private memory into the region, word by word.
inline void store_words(std::byte* shared, const std::byte* src, std::size_t bytes,
                        std::memory_order order = std::memory_order_relaxed) {
  for (std::size_t i = 0; i < bytes; i += kWordBytes) {
    std::uint64_t w = 0;
    std::memcpy(&w, src + i, kWordBytes);
    shared_word(shared + i).store(w, order);
  }
}

inline std::uint64_t load_word(const std::byte* shared,
                               std::memory_order order = std::memory_order_relaxed) {
  return shared_word(shared).load(order);
}

inline void store_word(std::byte* shared, std::uint64_t w,
                       std::memory_order order = std::memory_order_relaxed) {
  shared_word(shared).store(w, order);
}

// std::atomic_thread_fence, minus GCC's -Wtsan warning: TSan does not model stand-alone fences,
// which only matters for non-atomic accesses they are meant to order. Every shared access in
// shm/ is atomic, so TSan has nothing to report either way; the fences are what make the seqlock
// correct on real hardware and under the C++ memory model.
inline void thread_fence(std::memory_order order) {
#if defined(__GNUC__) && !defined(__clang__) && defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
  std::atomic_thread_fence(order);
#if defined(__GNUC__) && !defined(__clang__) && defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic pop
#endif
}

}  // namespace oomguard::shm::detail

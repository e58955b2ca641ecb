#include "tools/hog/memory.h"

#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace oomguard::hog {
namespace {

constexpr std::int64_t kSliceNs = 100'000'000;

void sleep_ns(std::int64_t ns) {
  if (ns <= 0) return;
  timespec ts{.tv_sec = ns / 1'000'000'000, .tv_nsec = ns % 1'000'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

std::uint64_t to_u64(std::int64_t ns) { return ns > 0 ? static_cast<std::uint64_t>(ns) : 0; }

}  // namespace

std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::size_t page_bytes() {
  static const std::size_t kPage = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return kPage;
}

bool sleep_until(std::optional<std::int64_t> deadline_ns, const StopFlag& stop) {
  while (!stop.requested()) {
    std::int64_t left = kSliceNs;
    if (deadline_ns) {
      left = *deadline_ns - now_ns();
      if (left <= 0) return true;
    }
    sleep_ns(std::min(left, kSliceNs));
  }
  return false;
}

std::optional<std::int64_t> deadline_after(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  return now_ns() + static_cast<std::int64_t>(*seconds * 1e9);
}

Result<AnonRegion> AnonRegion::map(std::size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return errno_error("mmap " + std::to_string(bytes) + " bytes", errno);
  // Base pages make the allocation rate and the held figure follow the touches exactly.
  madvise(p, bytes, MADV_NOHUGEPAGE);
  return AnonRegion(static_cast<char*>(p), bytes);
}

AnonRegion::AnonRegion(AnonRegion&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AnonRegion& AnonRegion::operator=(AnonRegion&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void AnonRegion::release() {
  if (data_ != nullptr) munmap(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

bool touch_paced(std::span<char> mem, PacedTouch& pace, ModeStats& stats, const StopFlag& stop) {
  const std::size_t page = page_bytes();
  const std::size_t chunk = chunk_bytes(pace.pacer.bytes_per_s, page);
  std::size_t off = 0;
  while (off < mem.size()) {
    while (std::int64_t wait = pace.pacer.wait_ns(pace.done_bytes, now_ns() - pace.start_ns)) {
      if (stop.requested()) return false;
      sleep_ns(std::min(wait, kSliceNs));
    }
    if (stop.requested()) return false;
    const std::size_t n = std::min(chunk, mem.size() - off);
    const std::int64_t t0 = now_ns();
    volatile char* p = mem.data() + off;
    for (std::size_t i = 0; i < n; i += page) p[i] = 1;
    stats.note_stall(to_u64(now_ns() - t0));
    off += n;
    pace.done_bytes += n;
    stats.add_work(n);
    stats.set_held(pace.done_bytes);
  }
  return true;
}

std::uint64_t retouch_until(std::span<char> mem, std::optional<std::int64_t> deadline_ns,
                            ModeStats& stats, const StopFlag& stop) {
  const std::size_t page = page_bytes();
  const std::size_t chunk = chunk_bytes(0, page);
  std::uint64_t passes = 0;
  while (true) {
    for (std::size_t off = 0; off < mem.size(); off += chunk) {
      if (stop.requested() || (deadline_ns && now_ns() >= *deadline_ns)) return passes;
      const std::size_t n = std::min(chunk, mem.size() - off);
      const std::int64_t t0 = now_ns();
      volatile char* p = mem.data() + off;
      for (std::size_t i = 0; i < n; i += page) p[i] = static_cast<char>(p[i] + 1);
      stats.note_stall(to_u64(now_ns() - t0));
      stats.add_work(n);
    }
    ++passes;
  }
}

}  // namespace oomguard::hog

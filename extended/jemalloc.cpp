#include "extended/jemalloc.h"

#include <sys/types.h>

#include <cstddef>

#if OOMGUARD_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace oomguard::extended {

#if OOMGUARD_WITH_JEMALLOC

namespace {

// Return memory to the kernel promptly, even while extended is idle:
//   background_thread:true  purging runs on jemalloc's own thread, not only inside malloc/free
//   dirty_decay_ms:1000     unused dirty pages are purged within ~1 s (default 10 s)
//   muzzy_decay_ms:0        and then released at once (MADV_DONTNEED) instead of lazily
//   narenas:2               extended has two busy threads; more arenas only fragment
constexpr const char kMallocConf[] =
    "background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2";

template <typename T>
std::optional<T> read_ctl(const char* name) {
  T value{};
  std::size_t size = sizeof value;
  if (mallctl(name, &value, &size, nullptr, 0) != 0 || size != sizeof value) return std::nullopt;
  return value;
}

}  // namespace

}  // namespace oomguard::extended

// jemalloc reads this (weak in the library, overridden by this strong definition) before its
// first allocation. It lives in the same object file as allocator_stats(), which the daemon
// calls, so the linker always pulls it in.
extern "C" {
// NOLINTNEXTLINE(bugprone-reserved-identifier)
const char* malloc_conf = oomguard::extended::kMallocConf;
}

namespace oomguard::extended {

bool jemalloc_enabled() { return true; }

const char* jemalloc_conf_string() { return kMallocConf; }

std::optional<AllocatorStats> allocator_stats() {
  // Writing "epoch" makes jemalloc refresh the cached stats.* values.
  std::uint64_t epoch = 1;
  std::size_t epoch_size = sizeof epoch;
  if (mallctl("epoch", &epoch, &epoch_size, &epoch, epoch_size) != 0) return std::nullopt;
  const auto allocated = read_ctl<std::size_t>("stats.allocated");
  const auto resident = read_ctl<std::size_t>("stats.resident");
  if (!allocated || !resident) return std::nullopt;
  return AllocatorStats{.allocated_bytes = *allocated, .resident_bytes = *resident};
}

std::optional<std::string> jemalloc_option(const std::string& name) {
  if (name == "opt.dirty_decay_ms" || name == "opt.muzzy_decay_ms") {
    if (const auto v = read_ctl<ssize_t>(name.c_str())) return std::to_string(*v);
  } else if (name == "opt.background_thread" || name == "background_thread") {
    if (const auto v = read_ctl<bool>(name.c_str())) return *v ? "true" : "false";
  } else if (name == "opt.narenas") {
    if (const auto v = read_ctl<unsigned>(name.c_str())) return std::to_string(*v);
  }
  return std::nullopt;
}

#else  // !OOMGUARD_WITH_JEMALLOC

bool jemalloc_enabled() { return false; }
const char* jemalloc_conf_string() { return ""; }
std::optional<AllocatorStats> allocator_stats() { return std::nullopt; }
std::optional<std::string> jemalloc_option(const std::string&) { return std::nullopt; }

#endif

}  // namespace oomguard::extended

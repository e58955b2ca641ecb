// extended/jemalloc: oomguard-extended's allocator. Built with OOMGUARD_WITH_JEMALLOC the binary
// links jemalloc and jemalloc.cpp defines its `malloc_conf` so freed memory goes back to the
// kernel promptly (see kMallocConf); sanitizer builds use the libc allocator and
// allocator_stats() is empty there.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace oomguard::extended {

struct AllocatorStats {
  std::uint64_t allocated_bytes = 0;  // jemalloc stats.allocated
  std::uint64_t resident_bytes = 0;   // jemalloc stats.resident
};

// True when this binary was built with jemalloc.
bool jemalloc_enabled();

// Refreshes jemalloc's stats ("epoch") and reads them; nullopt without jemalloc or on error.
std::optional<AllocatorStats> allocator_stats();

// The malloc_conf string compiled in ("" without jemalloc).
const char* jemalloc_conf_string();

// A size_t/ssize_t/bool/unsigned "opt.*" value as text, read through mallctl (for the start-up
// report and the tests); nullopt without jemalloc or for an unknown name.
std::optional<std::string> jemalloc_option(const std::string& name);

}  // namespace oomguard::extended

// shm/heartbeat: each process's loop time (CLOCK_MONOTONIC ns) in the header, so the other side
// (and oomguardctl) can tell a live peer from a stale one.
//
// Pairing: beat_*() is a release store, *_heartbeat_ns() an acquire load, so whatever the beating
// process published before its beat (e.g. a ranking) is visible to a reader that sees that beat.
#pragma once

#include <atomic>
#include <cstdint>

#include "shm/region.h"

namespace oomguard::shm {

inline void beat_extended(Region& region, std::uint64_t now_ns) {
  region.header().extended_heartbeat_ns.store(now_ns, std::memory_order_release);
}

inline std::uint64_t extended_heartbeat_ns(const Region& region) {
  return region.header().extended_heartbeat_ns.load(std::memory_order_acquire);
}

inline void beat_core(Region& region, std::uint64_t now_ns) {
  region.header().core_heartbeat_ns.store(now_ns, std::memory_order_release);
}

inline std::uint64_t core_heartbeat_ns(const Region& region) {
  return region.header().core_heartbeat_ns.load(std::memory_order_acquire);
}

}  // namespace oomguard::shm

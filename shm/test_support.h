// Test helpers for shm/: aligned region buffers and entries/events whose every field is derived
// from (generation, index) or a kill id, so a reader can check all of them.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>

#include "shm/abi.h"
#include "shm/rankings.h"

namespace oomguard::shm::testing {

struct alignas(64) RegionBuffer {
  std::byte bytes[kRegionBytes];
};

inline std::unique_ptr<RegionBuffer> make_region_buffer() {
  auto b = std::make_unique<RegionBuffer>();
  std::memset(b->bytes, 0, sizeof b->bytes);
  return b;
}

// Writes decimal `v` after `prefix` into out (NUL-terminated, truncated to N-1 characters).
template <std::size_t N>
void format_name(char (&out)[N], const char* prefix, std::uint64_t v) {
  std::memset(out, 0, N);
  std::size_t at = 0;
  for (; prefix[at] != '\0' && at + 1 < N; ++at) out[at] = prefix[at];
  char digits[20];
  std::size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (d > 0 && at + 1 < N) out[at++] = digits[--d];
}

inline std::uint32_t count_for(std::uint64_t g) {
  switch (g % 16) {
    case 0:
      return kRankingCapacity;
    case 8:
      return static_cast<std::uint32_t>(g % (kRankingCapacity + 1));
    default:
      return static_cast<std::uint32_t>(g * 7 % 13);
  }
}

inline std::uint64_t created_for(std::uint64_t g) { return g * 1000 + 7; }
inline std::uint64_t last_pid_for(std::uint64_t g) { return g * 3 + 300; }

inline RankingEntry make_entry(std::uint64_t g, std::uint32_t i) {
  const std::uint64_t k = g + i;
  RankingEntry e{};
  e.kind = static_cast<std::uint8_t>(k % 2 == 0 ? EntryKind::kProcess : EntryKind::kCgroup);
  e.kill_mode = static_cast<std::uint8_t>(k % 3 == 0 ? KillMode::kGroup : KillMode::kProcess);
  e.reason = static_cast<std::uint16_t>(1 + k % 4);
  e.pid = e.kind == static_cast<std::uint8_t>(EntryKind::kProcess)
              ? static_cast<std::int32_t>((g * 31 + i) % 4'000'000 + 1)
              : 0;
  e.start_time_ticks = g * 1'000'003 + i;
  e.cgroup_id = g ^ (std::uint64_t{i} << 40);
  e.priority = static_cast<std::int32_t>(k % 2001) - 1000;
  e.rule_index = i % 7;
  e.badness = g * 0x9E3779B97F4A7C15ull + i;
  e.rss_swap_bytes = (g << 12) + i;
  e.growth_bytes_per_s = static_cast<std::int64_t>(i) - static_cast<std::int64_t>(g % 1'000'000);
  format_name(e.comm, "c", g);
  format_name(e.cgroup_path, "system.slice/unit-", k);
  for (std::size_t r = 0; r < std::size(e.reserved); ++r) e.reserved[r] = g + i + r;
  return e;
}

// Fills out[0, count_for(g)) and returns that prefix.
inline std::span<const RankingEntry> make_entries(std::uint64_t g,
                                                  std::span<RankingEntry, kRankingCapacity> out) {
  const std::uint32_t n = count_for(g);
  for (std::uint32_t i = 0; i < n; ++i) out[i] = make_entry(g, i);
  return out.first(n);
}

// nullptr if s is exactly what make_entries(s.generation) published, else what differs.
inline const char* snapshot_mismatch(const Snapshot& s) {
  if (s.generation == 0) return "generation 0";
  if (s.count != count_for(s.generation)) return "count";
  if (s.created_ns != created_for(s.generation)) return "created_ns";
  if (s.last_pid != last_pid_for(s.generation)) return "last_pid";
  for (std::uint32_t i = 0; i < s.count; ++i) {
    const RankingEntry want = make_entry(s.generation, i);
    if (std::memcmp(&want, &s.entries[i], sizeof want) != 0) return "entry";
  }
  return nullptr;
}

inline KillEvent make_event(std::uint64_t id) {
  KillEvent e{};
  e.kill_id = id;
  e.phase = static_cast<std::uint8_t>(1 + id % 2);
  e.source = static_cast<std::uint8_t>(1 + id % 3 % 2);
  e.kind = static_cast<std::uint8_t>(1 + id % 5 % 2);
  e.kill_mode = static_cast<std::uint8_t>(1 + id % 7 % 2);
  e.trigger_index = static_cast<std::uint16_t>(id % 11);
  e.pid = static_cast<std::int32_t>(id % 4'000'000 + 2);
  e.monitor_mask = static_cast<std::uint32_t>(id * 2654435761u);
  e.start_time_ticks = id * 3;
  e.cgroup_id = ~id;
  e.ranking_generation = id / 2;
  e.rss_swap_bytes = id << 20;
  e.trigger_ns = id * 1'000'000;
  e.released_ns = id * 1'000'000 + 999;
  format_name(e.comm, "v", id);
  format_name(e.cgroup_path, "user.slice/app-", id);
  for (std::size_t r = 0; r < std::size(e.reserved); ++r) e.reserved[r] = id * r;
  return e;
}

}  // namespace oomguard::shm::testing

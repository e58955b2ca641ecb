// tools/ctl/state: what the shared region says about both daemons, and the health verdict.
//
// Everything is read through a read-only mapping: the header's atomics with acquire loads (the
// heartbeats pair with the writers' release stores, see shm/heartbeat.h) and the ranking with
// shm::RankingReader (the same validation core applies). Ages are CLOCK_MONOTONIC differences:
// the daemons write CLOCK_MONOTONIC times, which are system-wide.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::ctl {

struct RegionState {
  pid_t core_pid = 0;
  std::uint64_t core_start_ns = 0;
  std::uint64_t core_heartbeat_ns = 0;
  std::uint32_t protections = 0;            // shm::ProtectionBit
  std::uint32_t flags = 0;                  // shm::CoreFlag
  pid_t extended_pid = 0;                   // 0 while none runs
  std::uint64_t extended_heartbeat_ns = 0;  // 0 = never beat
  std::uint16_t abi_major = 0, abi_minor = 0;
  std::uint64_t events_produced = 0;  // core's head
  std::uint64_t events_consumed = 0;  // extended's tail
  std::uint64_t events_dropped = 0;
  std::uint64_t head_generation = 0;  // newest published, 0 = none
  shm::ReadStatus ranking_status = shm::ReadStatus::kNone;
  // The newest valid snapshot (nullptr when none could be read); ~96 KiB, so on the heap.
  std::unique_ptr<shm::Snapshot> ranking{};
};

// Reads the header and the newest ranking (retrying a torn read a few times).
RegionState read_region(const shm::Region& region);

// Limits for the verdict. Defaults follow the sample configuration; ctl_main derives them from
// the configuration it loaded (see thresholds_from in ctl_main.cpp).
struct Thresholds {
  std::uint64_t core_stale_ns = 2'000'000'000;       // core beats at least every poll_max_ms
  std::uint64_t extended_stale_ns = 10'000'000'000;  // core.ranking_stale_ms
  // Protections the configuration asks for (sched_fifo_priority = 0 or memory_min_mib = 0
  // turn one off); a missing one of these is a warning. psi_triggers is reported separately.
  std::uint32_t expected_protections =
      shm::kProtMlock | shm::kProtMemoryMin | shm::kProtSchedFifo | shm::kProtOomScoreAdj;
};

struct Health {
  std::vector<std::string> problems{};  // exit status 3: oomguard is not protecting fully
  std::vector<std::string> warnings{};  // worth knowing, not a failure
  bool ok() const { return problems.empty(); }
};

struct Liveness {
  bool core_alive = false;
  bool extended_alive = false;
};

Health assess(const RegionState& state, const Liveness& live, const Thresholds& limits,
              std::uint64_t now_ns);

// Names of the ProtectionBits in `mask` order: mlock, memory_min, sched_fifo, oom_score_adj,
// psi_triggers.
struct ProtectionName {
  std::uint32_t bit;
  const char* name;
};
const std::vector<ProtectionName>& protection_names();

// "1.2 s", "350 ms", "3 min", "2.0 h": an age for humans.
std::string format_age(std::uint64_t ns);

// CLOCK_MONOTONIC now, ns.
std::uint64_t monotonic_now_ns();

}  // namespace oomguard::ctl

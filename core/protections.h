// Start-up self-protection of the core: its own cgroup with memory.min, a prefaulted stack,
// mlockall, SCHED_FIFO and a low oom_score_adj. Each step prints one line with its outcome
// (ok / unavailable because ... / failed: errno); nothing is skipped silently.
#pragma once

#include <cstdint>

#include "config/core_config.h"
#include "core/kernel_roots.h"

namespace oomguard::core {

struct ProtectionResult {
  std::uint32_t achieved = 0;  // shm::ProtectionBit mask
  std::uint32_t missing = 0;   // protections configured but not achieved
};

// Applies every protection in order; call after every buffer is allocated.
ProtectionResult apply_protections(const config::CoreConfig& config, const ProcRoot& proc,
                                   const CgroupRoot& cgroup);

// Touches `bytes` of stack below the caller so later deep calls never fault it in.
void prefault_stack(std::size_t bytes);

}  // namespace oomguard::core

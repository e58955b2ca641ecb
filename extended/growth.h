// extended/growth.h — recent memory growth of processes (keyed by pid + start time, so a reused
// pid starts afresh) and cgroups (keyed by cgroup id), from the sizes of successive scans.
// growth_bytes_per_s is the growth sustained over the window: of the slopes to the newest sample
// from each kept sample at least window/32 older (so fast scans do not measure a slope over a
// few hundred ms), the one nearest zero, or 0 when they disagree in sign. A steady leak reads its
// rate; a one-time step (a start-up allocation, a free) or a leak that stopped reads 0 once a
// kept sample from after the change is window/32 old (within 2 s at a 30 s window and 1 s
// scans); a new leak in a long-running process reads less than its rate while the window still
// holds samples from before it. Reported only once the samples span at least a tenth of the
// window (0 before). Samples are thinned to about 16 per window, so memory stays bounded whatever
// the scan rate. Pure: fed ScanResults.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "extended/model.h"

namespace oomguard::extended {

class GrowthTracker {
 public:
  explicit GrowthTracker(std::uint32_t window_ms)
      : window_ns_(std::uint64_t{window_ms} * 1'000'000) {}

  // A new window applies from the next record() (after a config reload).
  void set_window_ms(std::uint32_t window_ms) { window_ns_ = std::uint64_t{window_ms} * 1'000'000; }
  std::uint32_t window_ms() const { return static_cast<std::uint32_t>(window_ns_ / 1'000'000); }

  // Adds the scan's sizes (process RSS+swap, cgroup size_bytes) at scan.time_ns and forgets
  // every process and cgroup the scan did not see.
  void record(const ScanResult& scan);

  std::int64_t process_growth(pid_t pid, std::uint64_t start_time_ticks) const;
  std::int64_t cgroup_growth(std::uint64_t cgroup_id) const;

  std::size_t tracked() const { return processes_.size() + cgroups_.size(); }

 private:
  struct Sample {
    std::uint64_t time_ns;
    std::uint64_t bytes;
  };
  struct History {
    std::vector<Sample> samples;
    std::uint64_t seen_generation = 0;
  };
  struct ProcessKey {
    pid_t pid;
    std::uint64_t start_time_ticks;
    bool operator==(const ProcessKey&) const = default;
  };
  struct ProcessKeyHash {
    std::size_t operator()(const ProcessKey& k) const {
      return std::hash<std::uint64_t>()(k.start_time_ticks * 4194319u +
                                        static_cast<std::uint64_t>(k.pid));
    }
  };

  void add(History* h, std::uint64_t time_ns, std::uint64_t bytes) const;
  std::int64_t rate(const History& h) const;

  std::uint64_t window_ns_;
  std::uint64_t generation_ = 0;
  std::unordered_map<ProcessKey, History, ProcessKeyHash> processes_;
  std::unordered_map<std::uint64_t, History> cgroups_;
};

}  // namespace oomguard::extended

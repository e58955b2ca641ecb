// A complete core on a fake tree: real MonitorSet, VictimFinder, KillRecorder, shm region and
// CoreLoop, driven by a FakeClock with a RecordingKiller. Tests change the fake kernel files
// between steps; step() is one steady-state wake-up.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "config/core_config.h"
#include "core/clock.h"
#include "core/core_loop.h"
#include "core/testing/fake_kernel.h"
#include "shm/events.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::core::testing {

class CoreHarness {
 public:
  // May adjust the configuration (and add files to the tree) before the core starts. The
  // default: scope "sandbox", one monitor "sandbox_some" (memory some >= 100 ms in 1000 ms on
  // the sandbox), poll 10/100 ms, release timeout 5 s, cooldown 1 s, rankings stale after 10 s.
  using Customize = std::function<void(const TempTree&, config::CoreConfig&)>;
  // With `extended_binary`, a Supervisor runs it as the extended child (restarted on exit).
  explicit CoreHarness(const Customize& customize = nullptr, const char* extended_binary = nullptr);
  ~CoreHarness();

  const TempTree& tree() const { return *tree_; }
  FakeClock& clock() { return clock_; }
  RecordingKiller& killer() { return killer_; }
  shm::Region& region() { return region_; }
  CoreLoop& loop() { return *loop_; }
  Supervisor* supervisor() { return supervisor_.get(); }
  const config::CoreConfig& config() const { return config_; }

  // Cumulative stall totals of the sandbox's memory.pressure.
  void set_pressure(std::uint64_t some_us, std::uint64_t full_us = 0);
  // Advances the clock by ms and runs one wake-up.
  void step(std::uint64_t ms);
  // Advances `total_ms` in `step_ms` steps while the "some" total grows at `stall_percent`.
  void run(std::uint64_t total_ms, std::uint64_t step_ms, std::uint64_t stall_percent);
  // Publishes a ranking as extended would, created now, with a fresh heartbeat. The fake
  // /proc/loadavg gets this machine's newest pid; the ranking's last_pid is `last_pid`, or (0)
  // that same newest pid: every process started so far is then older than the ranking; or (< 0)
  // none, as from an extended before ABI 1.1.
  void publish(const shm::RankingEntry* entries, std::size_t count, std::uint64_t age_ms = 0,
               std::int32_t last_pid = 0);

  std::uint64_t some_us() const { return some_us_; }

 private:
  std::unique_ptr<TempTree> tree_;
  config::CoreConfig config_;
  FakeClock clock_{1000 * 1'000'000'000ull};  // late enough for rankings created long ago
  ProcRoot proc_;
  CgroupRoot cgroup_;
  MonitorSet monitors_;
  shm::Region region_;
  std::unique_ptr<shm::RankingReader> reader_;
  std::unique_ptr<shm::RankingWriter> writer_;
  std::unique_ptr<shm::EventProducer> producer_;
  std::unique_ptr<VictimFinder> finder_;
  RecordingKiller killer_;
  std::unique_ptr<KillRecorder> recorder_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<CoreLoop> loop_;
  std::uint64_t some_us_ = 0;
};

// A ranking entry for a real process.
shm::RankingEntry process_entry(pid_t pid, std::uint64_t start_time_ticks, const char* comm,
                                const char* cgroup, std::int32_t priority = 0);

}  // namespace oomguard::core::testing

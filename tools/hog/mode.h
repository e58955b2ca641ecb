// The interface every hog mode implements, and the counters a mode thread shares with the
// progress reporter (atomics only; relaxed ordering is enough for progress figures).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string_view>

#include "tools/hog/cli.h"
#include "tools/hog/report.h"
#include "tools/hog/result.h"

namespace oomguard::hog {

enum class Phase : int { kStart, kAlloc, kHold, kRetouch, kRead, kWait, kRun, kDone, kError };
std::string_view phase_name(Phase phase);

// Set once by the runner when any mode fails; modes poll it at least every ~100 ms.
class StopFlag {
 public:
  void request() { stop_.store(true, std::memory_order_relaxed); }
  bool requested() const { return stop_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> stop_{false};
};

class ModeStats {
 public:
  void set_phase(Phase p) { phase_.store(static_cast<int>(p), std::memory_order_relaxed); }
  Phase phase() const { return static_cast<Phase>(phase_.load(std::memory_order_relaxed)); }

  void set_held(std::uint64_t bytes);
  std::uint64_t held() const { return held_.load(std::memory_order_relaxed); }
  std::uint64_t max_held() const { return max_held_.load(std::memory_order_relaxed); }

  void add_work(std::uint64_t bytes) { work_.fetch_add(bytes, std::memory_order_relaxed); }
  std::uint64_t work() const { return work_.load(std::memory_order_relaxed); }

  // One step took `ns` (a chunk touch, a page-group read, a canary iteration...).
  void note_stall(std::uint64_t ns);
  // Worst stall since the previous call (the reporter's interval), resetting it.
  std::uint64_t take_window_stall() { return window_stall_.exchange(0, std::memory_order_relaxed); }
  std::uint64_t max_stall() const { return max_stall_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int> phase_{static_cast<int>(Phase::kStart)};
  std::atomic<std::uint64_t> held_{0};
  std::atomic<std::uint64_t> max_held_{0};
  std::atomic<std::uint64_t> work_{0};
  std::atomic<std::uint64_t> window_stall_{0};
  std::atomic<std::uint64_t> max_stall_{0};
};

// Stores max(current, value).
void atomic_max(std::atomic<std::uint64_t>& target, std::uint64_t value);

class Mode {
 public:
  virtual ~Mode() = default;
  virtual std::string_view name() const = 0;
  // Runs on the mode's own thread until done, failed, or stop is requested.
  virtual Result<void> run(const StopFlag& stop) = 0;
  // Mode-specific progress fields; called from the reporter thread while run() is active.
  virtual Fields progress_extra() { return {}; }
  // Mode-specific summary fields; called after run() returned.
  virtual Fields summary_extra() { return {}; }

  ModeStats& stats() { return stats_; }

 protected:
  ModeStats stats_;
};

std::unique_ptr<Mode> make_mode(const ModeSpec& spec);

// Factories, one per mode file.
std::unique_ptr<Mode> make_anon_mode(const AnonSpec& spec);
std::unique_ptr<Mode> make_leak_mode(const LeakSpec& spec);
std::unique_ptr<Mode> make_thrash_mode(const ThrashSpec& spec);
std::unique_ptr<Mode> make_spike_mode(const SpikeSpec& spec);
std::unique_ptr<Mode> make_fanout_mode(const FanoutSpec& spec);
std::unique_ptr<Mode> make_canary_mode(const CanarySpec& spec);

}  // namespace oomguard::hog

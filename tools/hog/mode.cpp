#include "tools/hog/mode.h"

#include <variant>

#include "tools/hog/overloaded.h"

namespace oomguard::hog {

std::string_view phase_name(Phase phase) {
  switch (phase) {
    case Phase::kStart:
      return "start";
    case Phase::kAlloc:
      return "alloc";
    case Phase::kHold:
      return "hold";
    case Phase::kRetouch:
      return "retouch";
    case Phase::kRead:
      return "read";
    case Phase::kWait:
      return "wait";
    case Phase::kRun:
      return "run";
    case Phase::kDone:
      return "done";
    case Phase::kError:
      return "error";
  }
  return "unknown";
}

void atomic_max(std::atomic<std::uint64_t>& target, std::uint64_t value) {
  std::uint64_t cur = target.load(std::memory_order_relaxed);
  while (value > cur && !target.compare_exchange_weak(cur, value, std::memory_order_relaxed)) {
  }
}

void ModeStats::set_held(std::uint64_t bytes) {
  held_.store(bytes, std::memory_order_relaxed);
  atomic_max(max_held_, bytes);
}

void ModeStats::note_stall(std::uint64_t ns) {
  atomic_max(window_stall_, ns);
  atomic_max(max_stall_, ns);
}

std::unique_ptr<Mode> make_mode(const ModeSpec& spec) {
  return std::visit(Overloaded{
                        [](const AnonSpec& s) { return make_anon_mode(s); },
                        [](const ThrashSpec& s) { return make_thrash_mode(s); },
                        [](const LeakSpec& s) { return make_leak_mode(s); },
                        [](const SpikeSpec& s) { return make_spike_mode(s); },
                        [](const FanoutSpec& s) { return make_fanout_mode(s); },
                        [](const CanarySpec& s) { return make_canary_mode(s); },
                    },
                    spec);
}

}  // namespace oomguard::hog

// spike: allocate quickly, hold briefly, release; repeated --repeat times, one every --every-ms
// (start to start; a spike longer than the period is followed immediately by the next).
#include <atomic>

#include "tools/hog/memory.h"
#include "tools/hog/mode.h"

namespace oomguard::hog {
namespace {

class SpikeMode final : public Mode {
 public:
  explicit SpikeMode(const SpikeSpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "spike"; }

  Result<void> run(const StopFlag& stop) override {
    const std::int64_t start = now_ns();
    for (std::uint64_t k = 0; k < spec_.repeat; ++k) {
      const auto begin = start + static_cast<std::int64_t>(k * spec_.every_ms) * 1'000'000;
      stats_.set_phase(Phase::kWait);
      if (!sleep_until(begin, stop)) return {};
      if (auto r = one_spike(stop); !r) return r;
      if (stop.requested()) return {};
      spikes_.fetch_add(1, std::memory_order_relaxed);
    }
    stats_.set_phase(Phase::kDone);
    return {};
  }

  Fields progress_extra() override { return {{"spikes", spikes_.load()}}; }

  Fields summary_extra() override {
    return {{"spikes", spikes_.load()},
            {"repeat", spec_.repeat},
            {"spike_mib", spec_.mib},
            {"max_alloc_s", static_cast<double>(max_alloc_ns_.load()) / 1e9}};
  }

 private:
  Result<void> one_spike(const StopFlag& stop) {
    auto region = AnonRegion::map(spec_.mib * kMiB);
    if (!region) return region.error();
    stats_.set_phase(Phase::kAlloc);
    const std::int64_t t0 = now_ns();
    PacedTouch pace{
        .pacer = Pacer{mib_to_bytes(spec_.rate_mib_s)}, .start_ns = t0, .done_bytes = 0};
    if (touch_paced(region->bytes(), pace, stats_, stop)) {
      atomic_max(max_alloc_ns_, static_cast<std::uint64_t>(now_ns() - t0));
      stats_.set_phase(Phase::kHold);
      sleep_until(now_ns() + static_cast<std::int64_t>(spec_.hold_ms) * 1'000'000, stop);
    }
    region->release();
    stats_.set_held(0);
    return {};
  }

  SpikeSpec spec_;
  std::atomic<std::uint64_t> spikes_{0};
  std::atomic<std::uint64_t> max_alloc_ns_{0};
};

}  // namespace

std::unique_ptr<Mode> make_spike_mode(const SpikeSpec& spec) {
  return std::make_unique<SpikeMode>(spec);
}

}  // namespace oomguard::hog

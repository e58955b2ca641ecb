// anon (allocate up to a total at a rate, then hold or retouch) and leak (grow forever).
#include <atomic>
#include <vector>

#include "tools/hog/memory.h"
#include "tools/hog/mode.h"

namespace oomguard::hog {
namespace {

class AnonMode final : public Mode {
 public:
  explicit AnonMode(const AnonSpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "anon"; }

  Result<void> run(const StopFlag& stop) override {
    auto region = AnonRegion::map(spec_.total_mib * kMiB);
    if (!region) return region.error();
    stats_.set_phase(Phase::kAlloc);
    const std::int64_t start = now_ns();
    PacedTouch pace{
        .pacer = Pacer{mib_to_bytes(spec_.rate_mib_s)}, .start_ns = start, .done_bytes = 0};
    if (!touch_paced(region->bytes(), pace, stats_, stop)) return {};
    alloc_ns_.store(now_ns() - start, std::memory_order_relaxed);
    const auto deadline = deadline_after(spec_.hold_s);
    if (spec_.retouch) {
      stats_.set_phase(Phase::kRetouch);
      passes_.store(retouch_until(region->bytes(), deadline, stats_, stop),
                    std::memory_order_relaxed);
    } else {
      stats_.set_phase(Phase::kHold);
      sleep_until(deadline, stop);
    }
    if (!stop.requested()) stats_.set_phase(Phase::kDone);
    return {};
  }

  Fields progress_extra() override { return {{"total_mib", spec_.total_mib}}; }

  Fields summary_extra() override {
    Fields out = {{"total_mib", spec_.total_mib}};
    const std::int64_t alloc_ns = alloc_ns_.load(std::memory_order_relaxed);
    out.push_back({"alloc_s", alloc_ns > 0 ? FieldValue(static_cast<double>(alloc_ns) / 1e9)
                                           : FieldValue(Null{})});
    if (spec_.retouch) out.push_back({"retouch_passes", passes_.load()});
    return out;
  }

 private:
  AnonSpec spec_;
  std::atomic<std::int64_t> alloc_ns_{0};
  std::atomic<std::uint64_t> passes_{0};
};

// Grows in regions of kLeakRegionBytes so that nothing but the touched pages is ever committed.
constexpr std::size_t kLeakRegionBytes = 64 * kMiB;

class LeakMode final : public Mode {
 public:
  explicit LeakMode(const LeakSpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "leak"; }

  Result<void> run(const StopFlag& stop) override {
    stats_.set_phase(Phase::kAlloc);
    PacedTouch pace{
        .pacer = Pacer{mib_to_bytes(spec_.rate_mib_s)}, .start_ns = now_ns(), .done_bytes = 0};
    std::vector<AnonRegion> regions;
    while (!stop.requested()) {
      auto region = AnonRegion::map(kLeakRegionBytes);
      if (!region) return region.error();
      regions.push_back(std::move(*region));
      touch_paced(regions.back().bytes(), pace, stats_, stop);
    }
    return {};
  }

 private:
  LeakSpec spec_;
};

}  // namespace

std::unique_ptr<Mode> make_anon_mode(const AnonSpec& spec) {
  return std::make_unique<AnonMode>(spec);
}

std::unique_ptr<Mode> make_leak_mode(const LeakSpec& spec) {
  return std::make_unique<LeakMode>(spec);
}

}  // namespace oomguard::hog

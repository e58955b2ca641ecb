// canary: what a user of the machine feels. Sleeps one period (clock_nanosleep, absolute
// deadline), measures how late it woke, then writes one byte in every page of a small working
// set and measures how long that took. stall = lateness + touch time of one iteration.
#include <time.h>

#include <atomic>
#include <cerrno>

#include "tools/hog/memory.h"
#include "tools/hog/mode.h"

namespace oomguard::hog {
namespace {

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

class CanaryMode final : public Mode {
 public:
  explicit CanaryMode(const CanarySpec& spec) : spec_(spec) {}
  std::string_view name() const override { return "canary"; }

  Result<void> run(const StopFlag& stop) override {
    auto ws = AnonRegion::map(spec_.ws_kib * 1024);
    if (!ws) return ws.error();
    touch(ws->bytes());
    stats_.set_held(ws->bytes().size());
    stats_.set_phase(Phase::kRun);
    const auto period = static_cast<std::int64_t>(spec_.period_ms) * 1'000'000;
    const auto deadline = deadline_after(spec_.duration_s);
    std::int64_t next = now_ns() + period;
    while (!stop.requested() && (!deadline || next <= *deadline)) {
      timespec ts{.tv_sec = next / 1'000'000'000, .tv_nsec = next % 1'000'000'000};
      int rc;
      while ((rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr)) == EINTR) {
      }
      if (rc != 0) return errno_error("clock_nanosleep", rc);
      const std::int64_t woke = now_ns();
      const auto late = static_cast<std::uint64_t>(std::max<std::int64_t>(0, woke - next));
      touch(ws->bytes());
      const auto touch_ns = static_cast<std::uint64_t>(now_ns() - woke);
      record(late, touch_ns);
      next += period;
      if (next <= now_ns()) next = now_ns() + period;  // overslept: no catch-up burst
    }
    if (!stop.requested()) stats_.set_phase(Phase::kDone);
    return {};
  }

  Fields progress_extra() override {
    return {{"late_ms", ms(window_late_.exchange(0))},
            {"touch_ms", ms(window_touch_.exchange(0))},
            {"iterations", iterations_.load()}};
  }

  Fields summary_extra() override {
    return {{"max_late_ms", ms(max_late_.load())},
            {"max_touch_ms", ms(max_touch_.load())},
            {"iterations", iterations_.load()},
            {"period_ms", spec_.period_ms},
            {"ws_kib", spec_.ws_kib}};
  }

 private:
  static void touch(std::span<char> mem) {
    const std::size_t page = page_bytes();
    volatile char* p = mem.data();
    for (std::size_t i = 0; i < mem.size(); i += page) p[i] = static_cast<char>(p[i] + 1);
  }

  void record(std::uint64_t late_ns, std::uint64_t touch_ns) {
    stats_.note_stall(late_ns + touch_ns);
    atomic_max(window_late_, late_ns);
    atomic_max(max_late_, late_ns);
    atomic_max(window_touch_, touch_ns);
    atomic_max(max_touch_, touch_ns);
    iterations_.fetch_add(1, std::memory_order_relaxed);
  }

  CanarySpec spec_;
  std::atomic<std::uint64_t> window_late_{0}, max_late_{0};
  std::atomic<std::uint64_t> window_touch_{0}, max_touch_{0};
  std::atomic<std::uint64_t> iterations_{0};
};

}  // namespace

std::unique_ptr<Mode> make_canary_mode(const CanarySpec& spec) {
  return std::make_unique<CanaryMode>(spec);
}

}  // namespace oomguard::hog

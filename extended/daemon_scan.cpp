#include "extended/daemon_scan.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "extended/daemon_cgroup.h"
#include "extended/daemon_pressure.h"
#include "extended/daemon_time.h"

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kMinGapNs = 10 * kNsPerMs;  // between the end of one scan and the next

}  // namespace

ScanThread::~ScanThread() {
  if (thread_.joinable()) stop(std::chrono::milliseconds::max());
  if (event_fd_ >= 0) close(event_fd_);
}

int ScanThread::start() {
  event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (event_fd_ < 0) return -errno;
  thread_ = std::thread([this] { run(); });
  return 0;
}

std::vector<ScanReport> ScanThread::take() {
  std::uint64_t counter = 0;
  // Reset the eventfd first: a report queued after this read signals it again.
  while (read(event_fd_, &counter, sizeof counter) < 0 && errno == EINTR) {
  }
  std::lock_guard lock(mutex_);
  std::vector<ScanReport> out(std::make_move_iterator(reports_.begin()),
                              std::make_move_iterator(reports_.end()));
  reports_.clear();
  return out;
}

void ScanThread::scan_now() {
  std::lock_guard lock(mutex_);
  scan_now_ = true;
  wake_.notify_all();
}

bool ScanThread::stop(std::chrono::milliseconds timeout) {
  if (!thread_.joinable()) return true;
  std::unique_lock lock(mutex_);
  stop_ = true;
  wake_.notify_all();
  const bool done = timeout == std::chrono::milliseconds::max()
                        ? (finished_cv_.wait(lock, [this] { return finished_; }), true)
                        : finished_cv_.wait_for(lock, timeout, [this] { return finished_; });
  lock.unlock();
  if (!done) return false;
  thread_.join();
  return true;
}

std::uint64_t ScanThread::next_interval_ns(const config::Config& config, bool rising) const {
  const std::uint32_t ms =
      rising ? config.extended.scan_interval_pressure_ms : config.extended.scan_interval_ms;
  return static_cast<std::uint64_t>(ms) * kNsPerMs;
}

void ScanThread::run() {
  std::uint64_t pressure_generation = 0;
  PressureWatch pressure("");
  for (;;) {
    const std::shared_ptr<const config::Config> config = params_.configs->current();
    if (const std::uint64_t g = params_.configs->generation(); g != pressure_generation) {
      pressure_generation = g;
      const std::string scope(config->core.scope.view());
      pressure = PressureWatch(memory_pressure_path(resolve_roots(config->core), scope));
    }
    ScanReport report;
    report.pressure_rising = pressure.sample_rising();
    report.started_ns = monotonic_ns();
    Result<RankOutcome> outcome = params_.ranker->scan_and_rank(*config);
    const std::uint64_t ended_ns = monotonic_ns();
    report.duration_ns = ended_ns - report.started_ns;
    if (outcome) {
      report.outcome = std::move(*outcome);
    } else {
      report.error = outcome.error().message;
    }

    const std::uint64_t due_ns =
        std::max(report.started_ns + next_interval_ns(*config, report.pressure_rising),
                 ended_ns + kMinGapNs);

    std::unique_lock lock(mutex_);
    reports_.push_back(std::move(report));
    while (reports_.size() > kMaxQueued) reports_.pop_front();
    const std::uint64_t one = 1;
    (void)!write(event_fd_, &one, sizeof one);  // EAGAIN only at 2^64-1: already readable

    const auto wait = std::chrono::nanoseconds(due_ns - std::min(due_ns, monotonic_ns()));
    wake_.wait_for(lock, wait, [this] { return stop_ || scan_now_; });
    scan_now_ = false;
    if (stop_) break;
  }
  std::lock_guard lock(mutex_);
  finished_ = true;
  finished_cv_.notify_all();
}

}  // namespace oomguard::extended

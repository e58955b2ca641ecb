// extended/daemon_scan: scanning off the main thread.
//
// Why a thread: a scan of thousands of processes can take long, and under memory pressure any
// file read may stall in reclaim for seconds. The daemon's main thread must still beat the
// heartbeat (at least every 250 ms), drain core's events and run hooks, so it never scans. The
// scan thread loops: take the current configuration, sample memory pressure (once per scan),
// scan + rank through the Ranker, queue a ScanReport and signal an eventfd that is in the main
// thread's poll set; then sleep until the next scan is due (scan_interval_pressure_ms after the
// last start while pressure rises, scan_interval_ms otherwise). The main thread publishes the
// ranking as soon as it wakes. A bounded-time design (scans split into slices between
// heartbeats) was rejected: one stalled read would still block the whole loop.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/load.h"
#include "extended/daemon_config.h"
#include "extended/model.h"

namespace oomguard::extended {

// One scan's products.
struct RankOutcome {
  Ranking ranking{};
  ScanStats scan{};
};

// What the daemon needs from the scanning and policy half (daemon_ranker.h adapts the real
// Scanner + rank; tests use fakes). Called on the scan thread only.
class Ranker {
 public:
  virtual ~Ranker() = default;
  // One scan of the scope and the full ranking under `config`. May be slow.
  virtual Result<RankOutcome> scan_and_rank(const config::Config& config) = 0;
};

struct ScanReport {
  std::optional<RankOutcome> outcome{};  // empty when the scan failed
  std::string error{};                   // why, when it failed
  std::uint64_t started_ns = 0;          // CLOCK_MONOTONIC
  std::uint64_t duration_ns = 0;
  bool pressure_rising = false;
};

class ScanThread {
 public:
  static constexpr std::size_t kMaxQueued = 8;  // older reports are dropped (newest win)

  struct Params {
    Ranker* ranker = nullptr;              // not owned
    const ConfigStore* configs = nullptr;  // not owned; must hold a configuration
  };
  explicit ScanThread(Params params) : params_(params) {}
  ~ScanThread();  // stop(): waits for a running scan
  ScanThread(const ScanThread&) = delete;
  ScanThread& operator=(const ScanThread&) = delete;

  // Creates the eventfd and starts the thread. 0 or -errno.
  int start();
  // Readable while reports are queued.
  int ready_fd() const { return event_fd_; }
  // Takes the queued reports, oldest first (non-blocking).
  std::vector<ScanReport> take();
  // Ends the current wait: the next scan starts now (after a reload).
  void scan_now();
  // Asks the thread to stop and waits up to `timeout` for it; true once joined. A false return
  // means a scan is stuck: the object must then be leaked, not destroyed.
  bool stop(std::chrono::milliseconds timeout);

 private:
  void run();
  std::uint64_t next_interval_ns(const config::Config& config, bool rising) const;

  Params params_;
  int event_fd_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;  // stop_ / scan_now_
  std::condition_variable finished_cv_;
  bool stop_ = false;
  bool scan_now_ = false;
  bool finished_ = false;
  std::deque<ScanReport> reports_;
};

}  // namespace oomguard::extended

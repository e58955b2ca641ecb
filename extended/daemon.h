// extended/daemon: oomguard-extended's main loop (main.cpp and daemon_main.cpp only set it up).
//
// One main thread, woken by poll(2) on: a signalfd (SIGHUP reload, SIGTERM/SIGINT stop), a
// control eventfd (request_stop/request_reload from other threads, the tests' way in), the scan
// thread's "report ready" eventfd, core's pidfd and the running hooks' pidfds — and at least
// every heartbeat interval (250 ms). Every iteration it
//   1. beats the heartbeat in the region (so it stays fresh while a scan is slow: scans run on
//      the ScanThread, never here),
//   2. handles stop/reload requests,
//   3. drains core's kill events: pairs their phases (KillTracker), counts them in the metrics,
//      starts the prekill hook on kKilled, and on kReleased writes the kill log line and starts
//      the postkill hook,
//   4. publishes the newest ranking the scan thread produced (top_k entries),
//   5. reaps hooks (SIGKILLing those past hook_timeout_ms), writes kills whose kReleased never
//      came (release_timeout_ms + 60 s) as incomplete lines,
//   6. writes the metrics file when due (metrics_interval_ms) or when a kill was seen,
//   7. exits (status 0) when core is gone.
// At exit: the scan thread is stopped (waited for at most 2 s), pending kills are written as
// incomplete, running hooks are killed, and a last metrics file says oomguard_extended_up 0.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "extended/daemon_config.h"
#include "extended/daemon_core_watch.h"
#include "extended/daemon_log.h"
#include "extended/daemon_scan.h"
#include "extended/hooks.h"
#include "extended/output_killlog.h"
#include "extended/output_metrics.h"
#include "extended/publish.h"
#include "shm/events.h"
#include "shm/region.h"

namespace oomguard::extended {

struct DaemonParams {
  ConfigStore* configs = nullptr;  // not owned; holds a loaded configuration
  shm::Region* region = nullptr;   // not owned; attached read-write
  Ranker* ranker = nullptr;        // not owned; used on the scan thread
  // Read SIGHUP/SIGTERM/SIGINT through a signalfd. The caller must have blocked them in every
  // thread (block_daemon_signals() first thing in main, before any thread exists).
  bool handle_signals = true;
  bool watch_core = true;   // exit when core (the region's core_pid) is gone
  bool join_cgroup = true;  // move into extended.own_cgroup (at start and on reload)
  std::uint64_t heartbeat_interval_ns = 250'000'000;
  LogFn log = log_to_stderr;
};

// Blocks SIGHUP, SIGTERM and SIGINT in the calling thread (inherited by threads created later)
// and ignores SIGPIPE. 0 or -errno.
int block_daemon_signals();

class Daemon {
 public:
  explicit Daemon(DaemonParams params);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Runs until stopped or core is gone; returns the process exit status (0, or 1 when start-up
  // failed).
  int run();
  // Thread-safe, async-signal-safe.
  void request_stop();
  void request_reload();
  // After run(): the scan thread did not stop in time and was abandoned (exit with _exit).
  bool scan_thread_stuck() const { return scan_thread_stuck_; }

 private:
  int init();
  void step(std::uint64_t now_ns);
  void wait(std::uint64_t now_ns);
  void handle_wakeups();
  void reload();
  void apply_outputs(const config::Config& config, bool initial);
  void apply_own_cgroup(const config::Config& config);
  void drain_events(std::uint64_t now_ns);
  void handle_event(const shm::KillEvent& event, std::uint64_t now_ns);
  void write_kill(const KillRecord& record, const KillContext& context);
  KillContext context_for(const shm::KillEvent& event) const;
  void start_hook(HookKind kind, const KillRecord& record, const KillContext& context,
                  std::uint64_t now_ns);
  void poll_hooks(std::uint64_t now_ns);
  void take_scans();
  void write_metrics(std::uint64_t now_ns, bool up);
  void shutdown();

  DaemonParams params_;
  std::shared_ptr<const config::Config> config_;  // the one the outputs were set up from
  config::CoreConfig start_core_;  // core parsed the file once at its start: monitor names
  std::unique_ptr<ScanThread> scan_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<shm::EventConsumer> events_;
  KillTracker tracker_;
  KillLogFile kill_log_;
  int kill_log_errno_ = 0;  // last reported write error, to report each change once
  Metrics metrics_;
  bool metrics_dirty_ = false;
  std::uint64_t next_metrics_ns_ = 0;
  int metrics_errno_ = 0;
  std::string metrics_file_;  // the one last announced
  HookRunner hooks_;
  CoreWatch core_;
  std::string last_scan_error_;
  std::uint64_t events_dropped_ = 0;
  int control_fd_ = -1;
  int signal_fd_ = -1;
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> reload_requested_{false};
  bool scan_thread_stuck_ = false;
};

}  // namespace oomguard::extended

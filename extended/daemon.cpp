#include "extended/daemon.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "extended/daemon_cgroup.h"
#include "extended/daemon_time.h"
#include "extended/jemalloc.h"
#include "shm/heartbeat.h"

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kIncompleteGraceNs = 60'000 * kNsPerMs;  // past release_timeout_ms
constexpr auto kScanStopTimeout = std::chrono::milliseconds(2000);

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::string errno_text(int err) { return std::strerror(err < 0 ? -err : err); }

}  // namespace

int block_daemon_signals() {
  const sigset_t set = daemon_signals();
  if (const int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) return -rc;
  if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) return -errno;
  return 0;
}

Daemon::Daemon(DaemonParams params) : params_(std::move(params)) {}

Daemon::~Daemon() {
  if (control_fd_ >= 0) close(control_fd_);
  if (signal_fd_ >= 0) close(signal_fd_);
  if (scan_thread_stuck_) (void)scan_.release();  // its thread still uses it: leak, never free
}

void Daemon::request_stop() {
  stop_requested_.store(true);
  const std::uint64_t one = 1;
  if (control_fd_ >= 0) (void)!write(control_fd_, &one, sizeof one);
}

void Daemon::request_reload() {
  reload_requested_.store(true);
  const std::uint64_t one = 1;
  if (control_fd_ >= 0) (void)!write(control_fd_, &one, sizeof one);
}

int Daemon::init() {
  control_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (control_fd_ < 0) return -errno;
  if (params_.handle_signals) {
    const sigset_t set = daemon_signals();
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) return -errno;
  }
  config_ = params_.configs->current();
  start_core_ = config_->core;
  if (params_.join_cgroup) apply_own_cgroup(*config_);
  apply_outputs(*config_, true);
  publisher_ = std::make_unique<Publisher>(*params_.region);
  events_ = std::make_unique<shm::EventConsumer>(*params_.region);
  events_dropped_ = events_->dropped();
  if (events_dropped_ != 0) {
    params_.log("core has dropped " + std::to_string(events_dropped_) +
                " kill event(s) so far: the ring was full");
  }
  if (params_.watch_core) params_.log(core_.open(params_.region->header().core_pid));
  scan_ = std::make_unique<ScanThread>(
      ScanThread::Params{.ranker = params_.ranker, .configs = params_.configs});
  return scan_->start();
}

int Daemon::run() {
  if (const int rc = init(); rc != 0) {
    params_.log("start-up failed: " + errno_text(rc));
    return 1;
  }
  params_.log("running: heartbeat every " +
              std::to_string(params_.heartbeat_interval_ns / kNsPerMs) + " ms, scans every " +
              std::to_string(config_->extended.scan_interval_ms) + " ms (" +
              std::to_string(config_->extended.scan_interval_pressure_ms) +
              " ms while memory pressure rises)");
  for (;;) {
    const std::uint64_t now_ns = monotonic_ns();
    shm::beat_extended(*params_.region, now_ns);
    handle_wakeups();
    if (stop_requested_.load()) break;
    step(now_ns);
    if (params_.watch_core && core_.gone()) {
      params_.log("core (pid " + std::to_string(params_.region->header().core_pid) +
                  ") is gone: exiting");
      break;
    }
    wait(now_ns);
  }
  shutdown();
  return 0;
}

void Daemon::step(std::uint64_t now_ns) {
  if (reload_requested_.exchange(false)) reload();
  drain_events(now_ns);
  take_scans();
  poll_hooks(monotonic_ns());
  const std::uint64_t max_age_ns =
      static_cast<std::uint64_t>(start_core_.release_timeout_ms) * kNsPerMs + kIncompleteGraceNs;
  for (const KillRecord& record : tracker_.expire(now_ns, max_age_ns)) {
    write_kill(record, context_for(record.event));
  }
  if (!config_->extended.output.metrics_file.empty() &&
      (metrics_dirty_ || now_ns >= next_metrics_ns_)) {
    write_metrics(now_ns, true);
  }
}

void Daemon::wait(std::uint64_t now_ns) {
  std::uint64_t until_ns = now_ns + params_.heartbeat_interval_ns;
  if (!config_->extended.output.metrics_file.empty()) {
    until_ns = std::min(until_ns, std::max(next_metrics_ns_, now_ns));
  }
  if (const auto deadline = hooks_.next_deadline_ns()) until_ns = std::min(until_ns, *deadline);
  std::vector<pollfd> fds;
  for (const int fd : {control_fd_, signal_fd_, scan_->ready_fd(), core_.fd()}) {
    if (fd >= 0) fds.push_back(pollfd{.fd = fd, .events = POLLIN, .revents = 0});
  }
  hooks_.append_pollfds(fds);
  const std::uint64_t current = monotonic_ns();
  const std::uint64_t timeout_ns = until_ns > current ? until_ns - current : 0;
  // Round up, so the loop does not spin through a sub-millisecond remainder.
  const auto timeout_ms = static_cast<int>((timeout_ns + kNsPerMs - 1) / kNsPerMs);
  (void)poll(fds.data(), fds.size(), timeout_ms);  // EINTR: just go round
}

void Daemon::handle_wakeups() {
  std::uint64_t counter = 0;
  while (read(control_fd_, &counter, sizeof counter) < 0 && errno == EINTR) {
  }
  if (signal_fd_ < 0) return;
  signalfd_siginfo info{};
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP) {
      params_.log("SIGHUP: reloading " + params_.configs->path());
      reload_requested_.store(true);
    } else {
      params_.log(std::string("signal ") + strsignal(static_cast<int>(info.ssi_signo)) +
                  ": exiting");
      stop_requested_.store(true);
    }
  }
}

void Daemon::reload() {
  const ConfigStore::Outcome outcome = params_.configs->load();
  metrics_.count_config_reload(outcome.ok);
  metrics_dirty_ = true;
  if (!outcome.ok) {
    params_.log("reload failed, keeping the last good configuration (" +
                std::to_string(outcome.errors.size()) + " error(s)):");
    for (const std::string& error : outcome.errors) params_.log("  " + error);
  }
  const std::shared_ptr<const config::Config> next = params_.configs->current();
  const bool changed = next != config_;
  if (changed && params_.join_cgroup &&
      (next->extended.own_cgroup != config_->extended.own_cgroup ||
       next->extended.memory_high_bytes != config_->extended.memory_high_bytes)) {
    apply_own_cgroup(*next);
  }
  config_ = next;
  apply_outputs(*config_, false);  // also reopens the kill log after a rotation
  if (changed) {
    params_.log("configuration reloaded");
    scan_->scan_now();
  } else if (outcome.ok) {
    params_.log("configuration unchanged");
  }
}

void Daemon::apply_own_cgroup(const config::Config& config) {
  const OwnCgroupReport report =
      join_own_cgroup(OwnCgroupParams{.roots = resolve_roots(config.core),
                                      .own_cgroup = config.extended.own_cgroup,
                                      .memory_high_bytes = config.extended.memory_high_bytes,
                                      .pid = getpid()});
  params_.log(report.line);
}

void Daemon::apply_outputs(const config::Config& config, bool initial) {
  const config::OutputConfig& out = config.extended.output;
  const std::string previous_log = kill_log_.path();
  if (const int rc = kill_log_.open(out.kill_log); rc != 0) {
    params_.log("kill log " + out.kill_log + ": " + errno_text(rc) + " (kills are not logged)");
  } else if (initial || previous_log != out.kill_log) {
    params_.log(out.kill_log.empty() ? "kill log: off" : "kill log: " + out.kill_log);
  }
  kill_log_errno_ = 0;
  metrics_errno_ = 0;
  next_metrics_ns_ = 0;  // write soon with the new settings
  if (initial || out.metrics_file != metrics_file_) {
    params_.log(out.metrics_file.empty() ? "metrics: off"
                                         : "metrics: " + out.metrics_file + " every " +
                                               std::to_string(out.metrics_interval_ms) + " ms");
  }
  metrics_file_ = out.metrics_file;
}

void Daemon::drain_events(std::uint64_t now_ns) {
  std::array<shm::KillEvent, 32> batch;
  // Bounded: the ring holds kEventCapacity records; more rounds only if core keeps pushing.
  for (std::size_t round = 0; round <= shm::kEventCapacity / batch.size(); ++round) {
    const std::size_t n = events_->drain(batch);
    for (std::size_t i = 0; i < n; ++i) handle_event(batch[i], now_ns);
    if (n < batch.size()) break;
  }
  const std::uint64_t dropped = events_->dropped();
  if (dropped != events_dropped_) {
    params_.log("core dropped " + std::to_string(dropped - events_dropped_) +
                " kill event(s): the ring was full");
    events_dropped_ = dropped;
    metrics_dirty_ = true;
  }
}

void Daemon::handle_event(const shm::KillEvent& event, std::uint64_t now_ns) {
  const KillTracker::Step step = tracker_.add(event, now_ns);
  const KillContext context = context_for(step.record.event);
  metrics_dirty_ = true;
  if (step.first_seen) metrics_.count_kill(event);
  if (event.phase == static_cast<std::uint8_t>(shm::EventPhase::kKilled)) {
    start_hook(HookKind::kPrekill, step.record, context, now_ns);
  }
  if (step.completed) {
    write_kill(step.record, context);
    metrics_.observe_release(step.record.event);
    start_hook(HookKind::kPostkill, step.record, context, now_ns);
  }
}

KillContext Daemon::context_for(const shm::KillEvent& event) const {
  return KillContext{.rule = publisher_->rule_for(event),
                     .monitors = monitor_names(start_core_, event.monitor_mask),
                     .realtime_offset_ns = realtime_offset_ns()};
}

void Daemon::write_kill(const KillRecord& record, const KillContext& context) {
  if (!kill_log_.is_open()) return;
  const int rc = kill_log_.append(format_kill_json(record, context));
  if (rc != 0 && rc != kill_log_errno_) {
    params_.log("kill log " + kill_log_.path() + ": write failed: " + errno_text(rc));
  }
  kill_log_errno_ = rc;
}

void Daemon::start_hook(HookKind kind, const KillRecord& record, const KillContext& context,
                        std::uint64_t now_ns) {
  const config::OutputConfig& out = config_->extended.output;
  const std::vector<std::string>& argv =
      kind == HookKind::kPrekill ? out.prekill_hook : out.postkill_hook;
  if (argv.empty()) return;
  const HookSpec spec{.kind = kind,
                      .argv = argv,
                      .env = hook_env(kind, record, context),
                      .kill_id = record.event.kill_id,
                      .timeout_ns = static_cast<std::uint64_t>(out.hook_timeout_ms) * kNsPerMs};
  const int rc = hooks_.start(spec, now_ns);
  const std::string what =
      std::string(hook_name(kind)) + " hook for kill " + std::to_string(record.event.kill_id);
  if (rc < 0) {
    metrics_.count_hook(hook_name(kind), rc == -EAGAIN ? "skipped" : "spawn_error");
    params_.log(what + (rc == -EAGAIN ? ": skipped, too many hooks running"
                                      : ": cannot start " + argv[0] + ": " + errno_text(rc)));
    return;
  }
  params_.log(what + ": started pid " + std::to_string(rc));
}

void Daemon::poll_hooks(std::uint64_t now_ns) {
  for (const HookExit& exit : hooks_.poll(now_ns)) {
    metrics_.count_hook(hook_name(exit.kind), exit.result());
    std::string how;
    switch (exit.outcome) {
      case HookExit::Outcome::kExited:
        how = "exited with status " + std::to_string(exit.code);
        break;
      case HookExit::Outcome::kSignaled:
        how = std::string("killed by ") + strsignal(exit.code);
        break;
      case HookExit::Outcome::kTimedOut:
        how = "killed after hook_timeout_ms";
        break;
    }
    params_.log(std::string(hook_name(exit.kind)) + " hook for kill " +
                std::to_string(exit.kill_id) + " (pid " + std::to_string(exit.pid) + ") " + how +
                " after " + std::to_string(exit.duration_ns / kNsPerMs) + " ms");
  }
}

void Daemon::take_scans() {
  std::vector<ScanReport> reports = scan_->take();
  const ScanReport* newest = nullptr;
  for (const ScanReport& report : reports) {
    const std::uint64_t vanished = report.outcome ? report.outcome->scan.vanished_processes +
                                                        report.outcome->scan.vanished_cgroups
                                                  : 0;
    metrics_.observe_scan(report.duration_ns, vanished, !report.outcome);
    if (report.outcome) {
      newest = &report;
      last_scan_error_.clear();
    } else if (report.error != last_scan_error_) {
      params_.log("scan failed: " + report.error);
      last_scan_error_ = report.error;
    }
  }
  if (newest == nullptr) return;
  const Ranking& ranking = newest->outcome->ranking;
  const std::uint64_t created_ns =
      ranking.scan_time_ns != 0 ? ranking.scan_time_ns : newest->started_ns;
  const Publisher::Published published =
      publisher_->publish(ranking, config_->extended.top_k, created_ns);
  if (published.generation != 0) metrics_.set_published(published.generation, created_ns);
}

void Daemon::write_metrics(std::uint64_t now_ns, bool up) {
  const config::OutputConfig& out = config_->extended.output;
  const shm::Header& header = params_.region->header();
  const MetricsLive live{.now_ns = now_ns,
                         .core_heartbeat_ns = shm::core_heartbeat_ns(*params_.region),
                         .core_protections = header.core_protections,
                         .core_flags = header.core_flags,
                         .events_dropped = events_->dropped(),
                         .allocator = allocator_stats(),
                         .up = up};
  const int rc = write_file_atomically(out.metrics_file, metrics_.render(live));
  if (rc != 0 && rc != metrics_errno_) {
    params_.log("metrics " + out.metrics_file + ": " + errno_text(rc));
  }
  metrics_errno_ = rc;
  metrics_dirty_ = false;
  next_metrics_ns_ = now_ns + static_cast<std::uint64_t>(out.metrics_interval_ms) * kNsPerMs;
}

void Daemon::shutdown() {
  if (!scan_->stop(kScanStopTimeout)) {
    params_.log("the scan thread did not stop within 2 s (stuck in a read?): abandoning it");
    scan_thread_stuck_ = true;
  }
  const std::uint64_t now_ns = monotonic_ns();
  drain_events(now_ns);
  for (const KillRecord& record : tracker_.take_all()) {
    write_kill(record, context_for(record.event));
  }
  hooks_.kill_all();
  if (!config_->extended.output.metrics_file.empty()) write_metrics(now_ns, false);
  params_.log("stopped");
}

}  // namespace oomguard::extended

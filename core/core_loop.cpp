#include "core/core_loop.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <initializer_list>

#include "core/log.h"
#include "shm/heartbeat.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace oomguard::core {
namespace {

constexpr std::uint64_t kTagTimer = 1;
constexpr std::uint64_t kTagSignal = 2;
constexpr std::uint64_t kTagChild = 3;
constexpr std::uint64_t kTagVictim = 4;
constexpr std::uint64_t kTagTrigger = 16;
// After a decision found nothing killable, wait this long before deciding again.
constexpr std::uint64_t kRetryPauseNs = 1'000'000'000;

}  // namespace

CoreLoop::CoreLoop(const CoreDeps& deps)
    : deps_(deps),
      config_(*deps.config),
      self_pid_(getpid()),
      decider_({.release_timeout_ns = std::uint64_t{deps.config->release_timeout_ms} * kNsPerMs,
                .cooldown_ns = std::uint64_t{deps.config->cooldown_ms} * kNsPerMs,
                .retry_pause_ns = kRetryPauseNs}) {}

CoreLoop::~CoreLoop() {
  close_victim(&victim_);
  close_victim(&lingering_);
  close_fd(&signal_fd_);
  close_fd(&timer_fd_);
  close_fd(&epoll_fd_);
}

int CoreLoop::watch(int fd, std::uint32_t events, std::uint64_t tag) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = tag;
  return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int CoreLoop::init() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (epoll_fd_ < 0 || timer_fd_ < 0) return -errno;
  if (int rc = watch(timer_fd_, EPOLLIN, kTagTimer); rc < 0) return rc;
  if (deps_.handle_signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
    if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return -errno;
    signal_fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) return -errno;
    if (int rc = watch(signal_fd_, EPOLLIN, kTagSignal); rc < 0) return rc;
  }
  for (std::size_t i = 0; i < deps_.monitors->trigger_fd_count(); ++i) {
    if (int rc = watch(deps_.monitors->trigger_fd(i), EPOLLPRI, kTagTrigger + i); rc < 0) {
      return rc;
    }
  }
  arm_timer(std::uint64_t{config_.poll_min_ms} * kNsPerMs);
  return 0;
}

void CoreLoop::arm_timer(std::uint64_t interval_ns) {
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(interval_ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(interval_ns % 1'000'000'000);
  timerfd_settime(timer_fd_, 0, &spec, nullptr);
}

bool CoreLoop::run_once(int timeout_ms) {
  epoll_event events[16];
  const int n = epoll_wait(epoll_fd_, events, 16, timeout_ms);
  const std::uint64_t now = deps_.clock->now_ns();
  for (int i = 0; i < n; ++i) {
    const std::uint64_t tag = events[i].data.u64;
    if (tag == kTagTimer) {
      std::uint64_t expirations = 0;
      (void)!read(timer_fd_, &expirations, sizeof expirations);
    } else if (tag == kTagSignal) {
      handle_signal();
    } else if (tag == kTagChild) {
      watched_child_fd_ = -1;  // on_exit closes it, which also removes it from the set
      deps_.supervisor->on_exit(now);
    } else if (tag >= kTagTrigger) {
      deps_.monitors->on_trigger_event(static_cast<std::size_t>(tag - kTagTrigger), now);
      next_sample_ns_ = now;  // evaluate at once, and poll fast from here
    }
    // kTagVictim: the release is checked below.
  }
  on_wakeup(now);
  return !exit_;
}

bool CoreLoop::handle_signal() {
  signalfd_siginfo info{};
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
    if (info.ssi_signo == SIGHUP) {
      log_line("SIGHUP: forwarded to extended (core keeps its configuration until restarted)");
      if (deps_.supervisor != nullptr) deps_.supervisor->forward(SIGHUP);
    } else {
      log_line("exiting on signal %u", info.ssi_signo);
      exit_ = true;
    }
  }
  return true;
}

Guard CoreLoop::guard() const {
  Guard g;
  g.self_pid = self_pid_;
  g.extended_pid = deps_.supervisor != nullptr ? deps_.supervisor->pid() : 0;
  g.scope = config_.scope.view();
  g.protected_comms = config_.protected_comms.span();
  g.protected_cgroups = config_.protected_cgroups.span();
  return g;
}

void CoreLoop::on_wakeup(std::uint64_t now) {
  ++wakeups_;
  shm::beat_core(*deps_.region, now);
  if (deps_.notifier != nullptr) deps_.notifier->tick(now);
  if (Supervisor* s = deps_.supervisor; s != nullptr) {
    s->tick(now);
    if (s->pidfd() >= 0 && watched_child_fd_ != s->pidfd() &&
        watch(s->pidfd(), EPOLLIN, kTagChild) == 0) {
      watched_child_fd_ = s->pidfd();
    }
    // For oomguardctl and extended: who the current extended is (0 while none runs).
    deps_.region->header().extended_pid.store(s->pid(), std::memory_order_relaxed);
  }
  // The victim's pidfd / cgroup.events wakes us; check on every wake-up, not only on ticks.
  if (decider_.phase() == Decider::Phase::kAwaitingRelease) {
    if (deps_.killer->released(victim_)) {
      finish_release(now, false);
    } else if (decider_.release_overdue(now)) {
      finish_release(now, true);
    }
  }
  if (lingering() && deps_.killer->released(lingering_)) {
    // Its exit is its real release: the stall of its exit (its direct reclaim and kswapd's go
    // on after its memory is gone) fills the windows and must not cause the next kill.
    log_line("pid %d (%s), killed earlier, exited at last: pressure counts afresh from now",
             lingering_.pid, lingering_.comm.c_str());
    close_victim(&lingering_);
    if (decider_.phase() != Decider::Phase::kAwaitingRelease) start_afresh(now);
  }
  if (now < next_sample_ns_) return;
  deps_.monitors->sample(now);
  const bool fast = deps_.monitors->rising() || decider_.phase() != Decider::Phase::kWatching;
  const std::uint64_t interval =
      std::uint64_t{fast ? config_.poll_min_ms : config_.poll_max_ms} * kNsPerMs;
  next_sample_ns_ = now + interval;
  arm_timer(interval);
  deps_.finder->tick(!fast, config_.fallback_max_procs);
  const std::uint32_t mask = deps_.monitors->firing(now);
  const int trigger = deps_.monitors->fired_trigger(mask);
  if (decider_.should_kill(now, trigger >= 0) && !lingering_blocks_kill()) {
    decide(now, trigger, mask);
  }
}

// After a release (or a dry run's would-be kill): cooldown, then windows that begin now.
void CoreLoop::start_afresh(std::uint64_t now) {
  decider_.released(now);
  deps_.monitors->reset(now);
}

bool CoreLoop::lingering_blocks_kill() {
  return lingering() && deps_.monitors->scope_usage_bytes() < lingering_regrown_bytes_;
}

bool CoreLoop::choose(std::uint64_t now, Victim* victim) {
  const Guard g = guard();
  const std::uint64_t stale_ns = std::uint64_t{config_.ranking_stale_ms} * kNsPerMs;
  const char* why = "no ranking from extended yet";
  if (deps_.reader != nullptr) {
    deps_.reader->read();
    const shm::Snapshot* snap = deps_.reader->last_good();
    const std::uint64_t beat = shm::extended_heartbeat_ns(*deps_.region);
    if (snap == nullptr) {
      why = "no valid ranking from extended yet";
    } else if (snap->created_ns + stale_ns < now || beat + stale_ns < now) {
      // Stale: sizes may have changed and processes started since, but who may die before
      // whom has not. Without last_pid the newer processes cannot be told apart: fallback.
      why = snap->last_pid == 0
                ? "ranking is stale (extended stopped or slow) and predates ABI 1.1"
                : "ranking is stale (extended stopped or slow) and no entry passed validation";
      if (snap->last_pid != 0 && deps_.finder->from_stale_snapshot(*snap, g, victim)) {
        log_line(
            "ranking is stale (extended stopped or slow): gen %llu, %llu ms old; keeping its "
            "priorities, with sizes read now",
            static_cast<unsigned long long>(snap->generation),
            static_cast<unsigned long long>(
                now > snap->created_ns ? (now - snap->created_ns) / kNsPerMs : 0));
        check_newer_processes(*snap, g, victim);
        return true;
      }
    } else if (deps_.finder->from_snapshot(*snap, g, victim)) {
      check_newer_processes(*snap, g, victim);
      return true;
    } else {
      why = "no ranked entry passed validation";
    }
  }
  log_line("%s: last rejection '%s'; choosing by fallback scan", why,
           reject_name(deps_.finder->last_reject()));
  return deps_.finder->fallback(g, config_.fallback, config_.fallback_max_procs, victim);
}

// A ranking is a scan's view: a process started since then (a sudden thrash within one scan
// interval) is not in it. Such a process larger than the ranked choice is the likelier culprit.
void CoreLoop::check_newer_processes(const shm::Snapshot& snap, const Guard& g, Victim* victim) {
  if (snap.last_pid == 0) {
    log_line(
        "ranking gen %llu does not say which processes are newer (extended before ABI 1.1): "
        "trusting it as is",
        static_cast<unsigned long long>(snap.generation));
    return;
  }
  Victim newer;
  if (!deps_.finder->newer_and_larger(snap, g, *victim, config_.fallback_max_procs, &newer)) return;
  log_line(
      "ranking gen %llu predates pid %d (%s, %llu MiB rss+swap), larger than its choice %s "
      "(%llu MiB): choosing the newer process",
      static_cast<unsigned long long>(snap.generation), newer.pid, newer.comm.c_str(),
      static_cast<unsigned long long>(newer.rss_swap_bytes >> 20), victim->comm.c_str(),
      static_cast<unsigned long long>(victim->rss_swap_bytes >> 20));
  close_victim(victim);
  *victim = newer;
  victim->newer_than = snap.generation;
}

void CoreLoop::decide(std::uint64_t now, int trigger, std::uint32_t mask) {
  decision_ = Decision{};
  decision_.trigger_ns = now;
  decision_.trigger_index = trigger;
  decision_.monitor_mask = mask;
  decision_.dry_run = config_.dry_run;
  for (std::size_t i = 0; i < config_.monitors.size(); ++i) {
    if ((mask & (1u << i)) != 0 && config_.monitors[i].kind == config::MonitorKind::kPressure) {
      decision_.stall_us = deps_.monitors->reading(i).stall_us;
      decision_.window_us = deps_.monitors->reading(i).window_us;
      break;
    }
  }
  Victim v;
  if (!choose(now, &v)) {
    log_line("trigger fired but nothing is killable (last rejection '%s'); retrying in %llu ms",
             reject_name(deps_.finder->last_reject()),
             static_cast<unsigned long long>(kRetryPauseNs / kNsPerMs));
    decider_.kill_failed(now);
    return;
  }
  decision_.decision_ns = deps_.clock->now_ns();
  decision_.usage_before = deps_.monitors->scope_usage_bytes();
  KillReport report;
  if (config_.dry_run) {
    deps_.recorder->killed(v, decision_, report);
    close_victim(&v);
    deps_.recorder->released(decision_.decision_ns, decision_.usage_before, false);
    start_afresh(now);
    return;
  }
  deps_.killer->kill(v, *deps_.clock, &report);
  deps_.recorder->killed(v, decision_, report);
  if (report.signal_errno != 0) {
    close_victim(&v);
    decider_.kill_failed(now);
    return;
  }
  victim_ = v;
  decider_.killed(now);
  if (victim_.pidfd >= 0) watch(victim_.pidfd, EPOLLIN, kTagVictim);
  if (victim_.events_fd >= 0) watch(victim_.events_fd, EPOLLPRI, kTagVictim);
}

void CoreLoop::finish_release(std::uint64_t now, bool timed_out) {
  const std::uint64_t usage = deps_.monitors->scope_usage_bytes();
  deps_.recorder->released(now, usage, timed_out);
  const std::uint64_t freed = decision_.usage_before > usage ? decision_.usage_before - usage : 0;
  close_victim(&lingering_);  // closing removes the fd from the epoll set
  if (timed_out && freed >= victim_.rss_swap_bytes / 2 && freed > 0) {
    log_line(
        "kill #%llu: the victim is still exiting but %llu MiB came back; another kill "
        "also needs %llu MiB of new usage while it lingers",
        static_cast<unsigned long long>(deps_.recorder->kills()),
        static_cast<unsigned long long>(freed >> 20),
        static_cast<unsigned long long>((freed / 2) >> 20));
    lingering_ = victim_;
    lingering_regrown_bytes_ = usage + freed / 2;
    victim_ = Victim{};
  }
  close_victim(&victim_);
  start_afresh(now);
}

}  // namespace oomguard::core

// The core's steady state: one epoll set (timer, signals, kernel PSI triggers, the extended
// child, the victim being released) and, per wake-up, bounded work: sample monitors, decide,
// pick and check a victim, kill, record. Never allocates; never busy-waits (every wait blocks
// in epoll_wait, every wake-up returns to it).
#pragma once

#include <cstdint>

#include "config/core_config.h"
#include "core/clock.h"
#include "core/decider.h"
#include "core/killer.h"
#include "core/monitors.h"
#include "core/notify.h"
#include "core/record.h"
#include "core/supervisor.h"
#include "core/victim.h"

namespace oomguard::shm {
class Region;
class RankingReader;
}  // namespace oomguard::shm

namespace oomguard::core {

// Everything the loop runs on; owned by the caller (main, or a test with fakes).
struct CoreDeps {
  const config::CoreConfig* config = nullptr;
  const Clock* clock = nullptr;
  MonitorSet* monitors = nullptr;
  VictimFinder* finder = nullptr;
  Killer* killer = nullptr;
  KillRecorder* recorder = nullptr;
  shm::Region* region = nullptr;
  shm::RankingReader* reader = nullptr;
  Supervisor* supervisor = nullptr;  // nullptr = --no-extended
  Notifier* notifier = nullptr;      // systemd watchdog; nullptr = none
  bool handle_signals = true;        // SIGTERM/SIGINT exit, SIGHUP forwarded (signalfd)
};

class CoreLoop {
 public:
  explicit CoreLoop(const CoreDeps& deps);
  CoreLoop(const CoreLoop&) = delete;
  CoreLoop& operator=(const CoreLoop&) = delete;
  ~CoreLoop();

  int init();
  // Waits for the next event or tick (timeout_ms >= 0 caps the wait; 0 polls), handles it.
  // False when the core should exit.
  bool run_once(int timeout_ms = -1);

  const Decider& decider() const { return decider_; }
  std::uint64_t wakeups() const { return wakeups_; }

 private:
  void on_wakeup(std::uint64_t now_ns);
  void decide(std::uint64_t now_ns, int trigger, std::uint32_t mask);
  bool choose(std::uint64_t now_ns, Victim* victim);
  void check_newer_processes(const shm::Snapshot& snap, const Guard& g, Victim* victim);
  void finish_release(std::uint64_t now_ns, bool timed_out);
  bool lingering() const { return lingering_.pidfd >= 0 || lingering_.events_fd >= 0; }
  bool lingering_blocks_kill();
  void start_afresh(std::uint64_t now_ns);
  bool handle_signal();
  void arm_timer(std::uint64_t interval_ns);
  int watch(int fd, std::uint32_t events, std::uint64_t tag);
  Guard guard() const;

  CoreDeps deps_;
  const config::CoreConfig& config_;
  const std::int32_t self_pid_;
  Decider decider_;
  Victim victim_{};  // the one awaiting release
  // A victim still exiting after the release timeout although its memory came back (reaped by
  // process_mrelease): it stalls in the kernel and shows as pressure, so while it lingers a
  // further kill also needs the scope's usage to have grown again by half of what it freed.
  Victim lingering_{};
  std::uint64_t lingering_regrown_bytes_ = 0;  // scope usage that allows the next kill
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int signal_fd_ = -1;
  int watched_child_fd_ = -1;
  std::uint64_t next_sample_ns_ = 0;
  std::uint64_t next_ranking_read_ns_ = 0;
  std::uint64_t wakeups_ = 0;
  bool exit_ = false;
  Decision decision_{};
};

}  // namespace oomguard::core

#include "core/testing/core_harness.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <stdexcept>

#include "core/parse.h"
#include "shm/heartbeat.h"

namespace oomguard::core::testing {
namespace {

config::MonitorConfig sandbox_some() {
  config::MonitorConfig m;
  m.name.assign("sandbox_some");
  m.kind = config::MonitorKind::kPressure;
  m.resource = config::PressureResource::kMemory;
  m.stall = config::StallKind::kSome;
  m.threshold_ms = 100;
  m.window_ms = 1000;
  m.cgroup.assign("sandbox");
  return m;
}

void check(int rc, const char* what) {
  if (rc < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(-rc));
}

}  // namespace

CoreHarness::CoreHarness(const Customize& customize, const char* extended_binary)
    : tree_(std::make_unique<TempTree>()) {
  const TempTree& t = *tree_;
  t.write("proc/meminfo",
          "MemTotal: 8388608 kB\nMemAvailable: 4194304 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
  t.write("proc/pressure/memory", psi_text(0, 0));
  t.write("cgroup2/sandbox/memory.pressure", psi_text(0, 0));
  t.write("cgroup2/sandbox/memory.current", "104857600\n");
  t.write("cgroup2/sandbox/memory.max", "268435456\n");
  t.write("cgroup2/sandbox/memory.stat", "anon 100\ninactive_file 4096\n");
  t.write("cgroup2/sandbox/cgroup.events", "populated 1\nfrozen 0\n");

  config_.scope.assign("sandbox");
  config_.proc_root.assign(t.path("proc"));
  config_.cgroup2_root.assign(t.path("cgroup2"));
  config_.memcg_v1_root.assign("none");
  config_.monitors.push_back(sandbox_some());
  config_.poll_min_ms = 10;
  config_.poll_max_ms = 100;
  config_.release_timeout_ms = 5000;
  config_.cooldown_ms = 1000;
  config_.ranking_stale_ms = 10000;
  config_.fallback = config::FallbackPolicy::kLargest;
  config_.fallback_max_procs = 4096;
  config_.kmsg = false;
  config_.run_extended = false;
  if (customize) customize(t, config_);

  check(open_proc_root(config_.proc_root.c_str(), &proc_), "proc root");
  check(open_cgroup_root(config_.cgroup2_root.c_str(), config_.memcg_v1_root.c_str(), &cgroup_),
        "cgroup root");
  check(monitors_.init(config_, proc_, cgroup_, arm_psi_trigger), "monitors");
  check(shm::Region::create(getpid(), clock_.now_ns(), &region_), "region");
  reader_ = std::make_unique<shm::RankingReader>(region_);
  writer_ = std::make_unique<shm::RankingWriter>(region_);
  producer_ = std::make_unique<shm::EventProducer>(region_);
  finder_ = std::make_unique<VictimFinder>(proc_, cgroup_);
  recorder_ = std::make_unique<KillRecorder>(config_, producer_.get());
  if (extended_binary != nullptr) {
    supervisor_ = std::make_unique<Supervisor>();
    check(supervisor_->init({.binary = extended_binary,
                             .config_path = "/dev/null",
                             .shm_fd = region_.fd(),
                             .backoff_min_ns = 100 * kNsPerMs,
                             .backoff_max_ns = 400 * kNsPerMs}),
          "supervisor");
    supervisor_->start(clock_.now_ns());
  }
  loop_ = std::make_unique<CoreLoop>(CoreDeps{.config = &config_,
                                              .clock = &clock_,
                                              .monitors = &monitors_,
                                              .finder = finder_.get(),
                                              .killer = &killer_,
                                              .recorder = recorder_.get(),
                                              .region = &region_,
                                              .reader = reader_.get(),
                                              .supervisor = supervisor_.get(),
                                              .handle_signals = false});
  check(loop_->init(), "loop");
}

CoreHarness::~CoreHarness() {
  loop_.reset();
  if (supervisor_ && supervisor_->pidfd() >= 0) {
    supervisor_->forward(SIGKILL);
    siginfo_t info{};
    waitid(P_PIDFD, static_cast<id_t>(supervisor_->pidfd()), &info, WEXITED);
  }
  close_roots(&proc_, &cgroup_);
}

void CoreHarness::set_pressure(std::uint64_t some_us, std::uint64_t full_us) {
  some_us_ = some_us;
  tree_->write("cgroup2/sandbox/memory.pressure", psi_text(some_us, full_us));
}

void CoreHarness::step(std::uint64_t ms) {
  clock_.advance_ms(ms);
  loop_->run_once(0);
}

void CoreHarness::run(std::uint64_t total_ms, std::uint64_t step_ms, std::uint64_t stall_percent) {
  for (std::uint64_t t = 0; t < total_ms; t += step_ms) {
    set_pressure(some_us_ + step_ms * 1000 * stall_percent / 100);
    step(step_ms);
  }
}

void CoreHarness::publish(const shm::RankingEntry* entries, std::size_t count, std::uint64_t age_ms,
                          std::int32_t last_pid) {
  const std::uint64_t created = clock_.now_ns() - age_ms * kNsPerMs;
  std::int32_t newest = 0;
  if (!read_loadavg_last_pid(AT_FDCWD, "/proc/loadavg", &newest)) {
    throw std::runtime_error("cannot read /proc/loadavg");
  }
  tree_->write("proc/loadavg", "0.00 0.00 0.00 1/1 " + std::to_string(newest) + "\n");
  const std::int32_t published = last_pid == 0 ? newest : last_pid < 0 ? 0 : last_pid;
  writer_->publish({entries, count}, created, static_cast<std::uint64_t>(published));
  shm::beat_extended(region_, created);
}

shm::RankingEntry process_entry(pid_t pid, std::uint64_t start_time_ticks, const char* comm,
                                const char* cgroup, std::int32_t priority) {
  shm::RankingEntry e{};
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kProcess);
  e.reason = static_cast<std::uint16_t>(shm::Reason::kDefault);
  e.pid = pid;
  e.start_time_ticks = start_time_ticks;
  e.priority = priority;
  e.rss_swap_bytes = 64ull << 20;
  std::strncpy(e.comm, comm, sizeof e.comm - 1);
  std::strncpy(e.cgroup_path, cgroup, sizeof e.cgroup_path - 1);
  return e;
}

}  // namespace oomguard::core::testing

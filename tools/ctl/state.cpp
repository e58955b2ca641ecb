#include "tools/ctl/state.h"

#include <time.h>

#include <atomic>
#include <cstdio>

#include "shm/heartbeat.h"

namespace oomguard::ctl {
namespace {

constexpr int kRankingAttempts = 4;
constexpr double kNsPerS = 1e9;

std::string seconds_text(std::uint64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ns) / kNsPerS);
  return buf;
}

std::uint64_t age(std::uint64_t now_ns, std::uint64_t then_ns) {
  return now_ns > then_ns ? now_ns - then_ns : 0;
}

void assess_extended(const RegionState& s, const Liveness& live, const Thresholds& limits,
                     std::uint64_t now_ns, Health& h) {
  if ((s.flags & shm::kFlagNoExtended) != 0) {
    h.warnings.push_back(
        "extended is off (--no-extended or core.extended = false): victims "
        "come from the core's fallback scan");
    return;
  }
  if (s.extended_pid == 0 || !live.extended_alive) {
    h.problems.push_back(
        "oomguard-extended is not running (the core restarts it with backoff; meanwhile "
        "victims come from its last ranking's priorities, or the fallback scan without one)");
    return;
  }
  if (s.extended_heartbeat_ns == 0) {
    h.problems.push_back("oomguard-extended (pid " + std::to_string(s.extended_pid) +
                         ") has not beaten yet");
  } else if (age(now_ns, s.extended_heartbeat_ns) > limits.extended_stale_ns) {
    h.problems.push_back("oomguard-extended heartbeat is " +
                         seconds_text(age(now_ns, s.extended_heartbeat_ns)) +
                         " old (stale: the core uses its fallback)");
  }
  if (s.ranking == nullptr) {
    h.problems.push_back(s.head_generation == 0 ? "no ranking published yet"
                                                : "the published ranking could not be read");
  } else if (age(now_ns, s.ranking->created_ns) > limits.extended_stale_ns) {
    h.problems.push_back("the ranking is " + seconds_text(age(now_ns, s.ranking->created_ns)) +
                         " old (stale: the core uses its fallback)");
  }
}

}  // namespace

std::uint64_t monotonic_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

RegionState read_region(const shm::Region& region) {
  RegionState s;
  const shm::Header& h = region.header();
  s.core_pid = h.core_pid;
  s.core_start_ns = h.core_start_ns;
  s.core_heartbeat_ns = shm::core_heartbeat_ns(region);
  s.protections = h.core_protections;
  s.flags = h.core_flags;
  s.extended_pid = h.extended_pid.load(std::memory_order_relaxed);
  s.extended_heartbeat_ns = shm::extended_heartbeat_ns(region);
  s.abi_major = h.abi_major;
  s.abi_minor = h.abi_minor;
  const shm::EventControl& ev = region.event_control();
  s.events_produced = ev.head.load(std::memory_order_acquire);
  s.events_consumed = ev.tail.load(std::memory_order_acquire);
  s.events_dropped = ev.dropped.load(std::memory_order_relaxed);
  s.head_generation = region.ranking_control().head_generation.load(std::memory_order_acquire);

  auto reader = std::make_unique<shm::RankingReader>(region);
  for (int i = 0; i < kRankingAttempts; ++i) {
    s.ranking_status = reader->read();
    if (s.ranking_status != shm::ReadStatus::kTorn) break;
  }
  if (const shm::Snapshot* snap = reader->last_good()) {
    s.ranking = std::make_unique<shm::Snapshot>(*snap);
  }
  return s;
}

Health assess(const RegionState& s, const Liveness& live, const Thresholds& limits,
              std::uint64_t now_ns) {
  Health h;
  if (!live.core_alive) {
    h.problems.push_back("oomguard-core (pid " + std::to_string(s.core_pid) + ") is not running");
  } else if (age(now_ns, s.core_heartbeat_ns) > limits.core_stale_ns) {
    h.problems.push_back("oomguard-core heartbeat is " +
                         seconds_text(age(now_ns, s.core_heartbeat_ns)) +
                         " old (its loop is stuck or starved)");
  }
  assess_extended(s, live, limits, now_ns, h);
  std::string missing;
  for (const ProtectionName& p : protection_names()) {
    if ((limits.expected_protections & p.bit) != 0 && (s.protections & p.bit) == 0) {
      missing += (missing.empty() ? "" : ", ") + std::string(p.name);
    }
  }
  if (!missing.empty()) {
    h.warnings.push_back("self-protections not achieved: " + missing +
                         " (see the core's start-up log)");
  }
  if ((s.protections & shm::kProtPsiTriggers) == 0) {
    h.warnings.push_back("PSI triggers not armed for every monitor: the core polls pressure");
  }
  if ((s.flags & shm::kFlagDryRun) != 0) {
    h.warnings.push_back("dry run: kills are decided and logged, no signal is sent");
  }
  if (s.events_dropped > 0) {
    h.warnings.push_back(std::to_string(s.events_dropped) +
                         " kill events dropped (ring full: extended did not drain them)");
  }
  return h;
}

const std::vector<ProtectionName>& protection_names() {
  static const std::vector<ProtectionName> names = {
      {shm::kProtMlock, "mlock"},
      {shm::kProtMemoryMin, "memory_min"},
      {shm::kProtSchedFifo, "sched_fifo"},
      {shm::kProtOomScoreAdj, "oom_score_adj"},
      {shm::kProtPsiTriggers, "psi_triggers"},
  };
  return names;
}

std::string format_age(std::uint64_t ns) {
  char buf[32];
  const double s = static_cast<double>(ns) / kNsPerS;
  if (s < 1) {
    std::snprintf(buf, sizeof buf, "%.0f ms", s * 1000);
  } else if (s < 120) {
    std::snprintf(buf, sizeof buf, "%.1f s", s);
  } else if (s < 7200) {
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  } else if (s < 2 * 86400) {
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f d", s / 86400);
  }
  return buf;
}

}  // namespace oomguard::ctl

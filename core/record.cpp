#include "core/record.h"

#include <cstring>

#include "core/log.h"
#include "shm/events.h"

namespace oomguard::core {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// Microseconds from a to b with one decimal of ms precision, for log lines.
unsigned long long us_between(std::uint64_t a_ns, std::uint64_t b_ns) {
  return b_ns > a_ns ? (b_ns - a_ns) / 1000 : 0;
}

void copy_text(char* dst, std::size_t size, std::string_view src) {
  const std::size_t n = src.size() < size - 1 ? src.size() : size - 1;
  std::memcpy(dst, src.data(), n);
  std::memset(dst + n, 0, size - n);
}

}  // namespace

void KillRecorder::push() {
  if (producer_ != nullptr) producer_->push(event_);
}

void KillRecorder::killed(const Victim& v, const Decision& d, const KillReport& r) {
  const std::uint64_t id = event_.kill_id + 1;
  event_ = shm::KillEvent{};
  event_.kill_id = id;
  event_.phase = static_cast<std::uint8_t>(shm::EventPhase::kKilled);
  event_.source = static_cast<std::uint8_t>(v.source);
  event_.kind = static_cast<std::uint8_t>(v.kind);
  event_.kill_mode = static_cast<std::uint8_t>(v.mode);
  event_.trigger_index = static_cast<std::uint16_t>(d.trigger_index);
  event_.reason = v.source == shm::VictimSource::kRanking ? v.reason : 0;
  event_.pid = v.pid;
  event_.monitor_mask = d.monitor_mask;
  event_.start_time_ticks = v.start_time_ticks;
  event_.cgroup_id = v.cgroup_id;
  event_.ranking_generation = v.generation;
  event_.priority = v.priority;
  event_.flags =
      (d.dry_run ? shm::kEventDryRun : 0u) | (r.signal_errno != 0 ? shm::kEventKillFailed : 0u);
  event_.kill_errno = r.signal_errno;
  event_.mrelease_errno = r.mrelease_errno;
  event_.rss_swap_bytes = v.rss_swap_bytes;
  event_.stall_us = static_cast<std::uint32_t>(d.stall_us);
  event_.window_us = static_cast<std::uint32_t>(d.window_us);
  event_.trigger_ns = d.trigger_ns;
  event_.decision_ns = d.decision_ns;
  event_.signal_ns = d.dry_run ? 0 : r.signal_ns;
  event_.mrelease_ns = d.dry_run || r.signal_errno != 0 ? 0 : r.mrelease_ns;
  copy_text(event_.comm, sizeof event_.comm, v.comm.view());
  copy_text(event_.cgroup_path, sizeof event_.cgroup_path, v.cgroup_path.view());
  usage_before_ = d.usage_before;
  push();

  const char* trigger_name = "?";
  if (d.trigger_index >= 0) {
    const std::size_t t = static_cast<std::size_t>(d.trigger_index);
    const std::size_t m = config_.triggers.empty() ? t : config_.triggers[t].monitors[0];
    if (m < config_.monitors.size()) trigger_name = config_.monitors[m].name.c_str();
  }
  char source[48];
  if (v.source == shm::VictimSource::kRanking) {
    std::snprintf(source, sizeof source, "ranking gen %llu",
                  static_cast<unsigned long long>(v.generation));
  } else if (v.newer_than != 0) {
    std::snprintf(source, sizeof source, "newer than ranking gen %llu",
                  static_cast<unsigned long long>(v.newer_than));
  } else {
    std::snprintf(source, sizeof source, "fallback scan");
  }
  log_kill_line(
      "%s #%llu: %s %d (%s) cgroup /%s, %llu MiB rss+swap; %s, priority %d; trigger %s: stall "
      "%llu ms in %llu ms; decided +%.1f ms, %s%s%s",
      d.dry_run ? "DRY RUN, would kill" : "kill", static_cast<unsigned long long>(id),
      v.kind == shm::EntryKind::kCgroup || v.mode == shm::KillMode::kGroup ? "group of" : "pid",
      v.pid, v.comm.c_str(), v.cgroup_path.c_str(),
      static_cast<unsigned long long>(v.rss_swap_bytes / kMiB), source, v.priority, trigger_name,
      static_cast<unsigned long long>(d.stall_us / 1000),
      static_cast<unsigned long long>(d.window_us / 1000),
      static_cast<double>(us_between(d.trigger_ns, d.decision_ns)) / 1000.0,
      d.dry_run ? "no signal sent" : (r.signal_errno == 0 ? "SIGKILL sent" : "SIGKILL FAILED: "),
      r.signal_errno != 0 ? errno_text(r.signal_errno) : "",
      !d.dry_run && r.signal_errno == 0 && r.mrelease_errno == 0 ? ", memory reaped" : "");
}

void KillRecorder::released(std::uint64_t released_ns, std::uint64_t usage_after, bool timed_out) {
  event_.phase = static_cast<std::uint8_t>(shm::EventPhase::kReleased);
  event_.released_ns = released_ns;
  event_.freed_bytes = usage_before_ > usage_after ? usage_before_ - usage_after : 0;
  if (timed_out) event_.flags |= shm::kEventReleaseTimedOut;
  push();
  if ((event_.flags & shm::kEventDryRun) != 0) return;
  const std::uint64_t from = event_.signal_ns != 0 ? event_.signal_ns : event_.decision_ns;
  log_kill_line(
      "kill #%llu %s: %llu MiB freed, %.1f ms after the signal, %.1f ms after the "
      "trigger",
      static_cast<unsigned long long>(event_.kill_id),
      timed_out ? "NOT released within the timeout" : "released",
      static_cast<unsigned long long>(event_.freed_bytes / kMiB),
      static_cast<double>(us_between(from, released_ns)) / 1000.0,
      static_cast<double>(us_between(event_.trigger_ns, released_ns)) / 1000.0);
}

}  // namespace oomguard::core

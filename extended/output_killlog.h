// extended/output_killlog: the JSON-lines kill log. Core reports each kill in two events that
// share a kill_id (kKilled when the signal went out, kReleased when the victim's memory is gone or
// the release timed out); KillTracker pairs them, format_kill_json renders one object per kill and
// KillLogFile appends it as one line (O_APPEND, one write(2) per line, so a line is never split
// and nothing sits in a buffer).
//
// A line is written when kReleased arrives. A kill whose kReleased never comes (dropped by a full
// ring, core died, extended is exiting) is written with what is known and "complete": false; a
// kReleased whose kKilled was missed is written from its own fields (it carries them all).
//
// Line format (one object, keys in this order; null where a value is unknown):
//   time                ISO 8601 UTC of the decision, millisecond precision
//   kill_id, complete, phase ("released" | "killed")
//   victim              {pid, comm, cgroup, kind, kill_mode, start_time_ticks, cgroup_id}
//   source              "ranking" | "fallback"
//   reason              "rule" | "xattr" | "oom_score_adj" | "default" | null (fallback)
//   rule                rule name from the ranking generation's entry, or null
//   priority, ranking_generation (number, or "fallback")
//   trigger             {index, monitors: [names of the monitors firing], stall_us, window_us}
//   stages_ns           {trigger, decision, signal, mrelease, released} CLOCK_MONOTONIC, 0 = not
//                       reached
//   durations_ms        {trigger_to_decision, decision_to_signal, signal_to_mrelease,
//                        signal_to_released, time_to_relief (trigger -> released)}
//   rss_swap_bytes, freed_bytes, dry_run, release_timed_out, kill_failed, kill_errno,
//   mrelease_errno
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/core_config.h"
#include "shm/abi.h"

namespace oomguard::extended {

// Both phases of one kill, merged.
struct KillRecord {
  shm::KillEvent event{};  // fields of the newest phase; stage times of either phase
  bool killed_seen = false;
  bool released_seen = false;
  std::uint64_t first_seen_ns = 0;  // CLOCK_MONOTONIC, when extended saw the first phase

  bool complete() const { return released_seen; }
};

// Merges one phase into a record of the same kill_id.
void merge_phase(KillRecord& record, const shm::KillEvent& event);

class KillTracker {
 public:
  static constexpr std::size_t kMaxPending = 1024;

  struct Step {
    KillRecord record;        // after the merge
    bool first_seen = false;  // this is the first phase of the kill that extended saw
    bool completed = false;   // kReleased arrived: log it (the tracker has forgotten it)
  };
  Step add(const shm::KillEvent& event, std::uint64_t now_ns);
  // Removes and returns the records seen for longer than max_age_ns without their kReleased
  // (and the oldest beyond kMaxPending).
  std::vector<KillRecord> expire(std::uint64_t now_ns, std::uint64_t max_age_ns);
  // Removes and returns every pending record (extended is exiting).
  std::vector<KillRecord> take_all();
  std::size_t pending() const { return pending_.size(); }

 private:
  std::map<std::uint64_t, KillRecord> pending_;  // by kill_id
};

// What the log line needs beyond the event.
struct KillContext {
  std::string rule{};                   // empty = unknown / no rule
  std::vector<std::string> monitors{};  // names of the monitors in monitor_mask
  std::int64_t realtime_offset_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC at formatting time
};

// Names of the monitors whose bit is set in mask ("monitor#N" past the configured ones).
std::vector<std::string> monitor_names(const config::CoreConfig& core, std::uint32_t mask);

// "2024-05-01T12:00:00.123Z"
std::string iso8601_utc(std::int64_t realtime_ns);

std::string_view event_source_name(std::uint8_t source);  // "ranking" | "fallback" | "unknown"
// "rule" | "xattr" | "oom_score_adj" | "default" | "none" (0) | "unknown"
std::string_view event_reason_name(std::uint16_t reason);
std::string_view kind_name(std::uint8_t kind);            // "process" | "cgroup" | "unknown"
std::string_view kill_mode_name(std::uint8_t kill_mode);  // "process" | "group" | "unknown"

// One JSON object, no trailing newline.
std::string format_kill_json(const KillRecord& record, const KillContext& context);

// The log file: created (and its directory) if missing, opened O_APPEND; reopen() after a
// rotation (SIGHUP).
class KillLogFile {
 public:
  KillLogFile() = default;
  ~KillLogFile();
  KillLogFile(const KillLogFile&) = delete;
  KillLogFile& operator=(const KillLogFile&) = delete;

  // Empty path = off (0). 0 or -errno.
  int open(const std::string& path);
  void close();
  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }
  // Appends line + '\n' with one write(2). 0 or -errno (-EBADF when not open).
  int append(std::string_view line);

 private:
  int fd_ = -1;
  std::string path_;
};

// mkdir -p of the directory part of `path`, mode 0755. 0 or -errno.
int make_parent_dirs(const std::string& path);

}  // namespace oomguard::extended

#include "extended/output_killlog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "extended/output_json.h"

namespace oomguard::extended {
namespace {

using shm::KillEvent;

std::string_view bounded(const char* text, std::size_t capacity) {
  return {text, strnlen(text, capacity)};
}

// A stage the newer phase did not record (0) keeps the older phase's time.
void keep_older_if_missing(std::uint64_t& newer, std::uint64_t older) {
  if (newer == 0) newer = older;
}

// Duration between two stages in ms, or null when either is missing or they are out of order.
void duration_ms(JsonWriter& json, std::string_view name, std::uint64_t from_ns,
                 std::uint64_t to_ns) {
  json.key(name);
  if (from_ns == 0 || to_ns == 0 || to_ns < from_ns) {
    json.null();
  } else {
    json.fixed(static_cast<double>(to_ns - from_ns) / 1e6, 3);
  }
}

void write_victim(JsonWriter& json, const KillEvent& e) {
  json.key("victim").begin_object();
  json.key("pid").integer(e.pid);
  json.key("comm").string(bounded(e.comm, sizeof e.comm));
  json.key("cgroup").string(bounded(e.cgroup_path, sizeof e.cgroup_path));
  json.key("kind").string(kind_name(e.kind));
  json.key("kill_mode").string(kill_mode_name(e.kill_mode));
  json.key("start_time_ticks").unsigned_integer(e.start_time_ticks);
  json.key("cgroup_id").unsigned_integer(e.cgroup_id);
  json.end_object();
}

void write_trigger(JsonWriter& json, const KillEvent& e, const KillContext& context) {
  json.key("trigger").begin_object();
  json.key("index").unsigned_integer(e.trigger_index);
  json.key("monitors").begin_array();
  for (const std::string& name : context.monitors) json.string(name);
  json.end_array();
  json.key("stall_us").unsigned_integer(e.stall_us);
  json.key("window_us").unsigned_integer(e.window_us);
  json.end_object();
}

void write_stages(JsonWriter& json, const KillEvent& e) {
  json.key("stages_ns").begin_object();
  json.key("trigger").unsigned_integer(e.trigger_ns);
  json.key("decision").unsigned_integer(e.decision_ns);
  json.key("signal").unsigned_integer(e.signal_ns);
  json.key("mrelease").unsigned_integer(e.mrelease_ns);
  json.key("released").unsigned_integer(e.released_ns);
  json.end_object();
  json.key("durations_ms").begin_object();
  duration_ms(json, "trigger_to_decision", e.trigger_ns, e.decision_ns);
  duration_ms(json, "decision_to_signal", e.decision_ns, e.signal_ns);
  duration_ms(json, "signal_to_mrelease", e.signal_ns, e.mrelease_ns);
  duration_ms(json, "signal_to_released", e.signal_ns, e.released_ns);
  duration_ms(json, "time_to_relief", e.trigger_ns, e.released_ns);
  json.end_object();
}

}  // namespace

void merge_phase(KillRecord& record, const KillEvent& event) {
  const KillEvent older = record.event;
  record.event = event;
  KillEvent& merged = record.event;
  keep_older_if_missing(merged.trigger_ns, older.trigger_ns);
  keep_older_if_missing(merged.decision_ns, older.decision_ns);
  keep_older_if_missing(merged.signal_ns, older.signal_ns);
  keep_older_if_missing(merged.mrelease_ns, older.mrelease_ns);
  keep_older_if_missing(merged.released_ns, older.released_ns);
  if (event.phase == static_cast<std::uint8_t>(shm::EventPhase::kReleased)) {
    record.released_seen = true;
  } else {
    record.killed_seen = true;
  }
}

KillTracker::Step KillTracker::add(const KillEvent& event, std::uint64_t now_ns) {
  Step step;
  auto it = pending_.find(event.kill_id);
  if (it == pending_.end()) {
    step.first_seen = true;
    it = pending_.emplace(event.kill_id, KillRecord{}).first;
    it->second.first_seen_ns = now_ns;
  }
  merge_phase(it->second, event);
  step.record = it->second;
  if (step.record.complete()) {
    step.completed = true;
    pending_.erase(it);
  }
  return step;
}

std::vector<KillRecord> KillTracker::expire(std::uint64_t now_ns, std::uint64_t max_age_ns) {
  std::vector<KillRecord> out;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const std::uint64_t seen_ns = it->second.first_seen_ns;
    const bool too_old = now_ns > seen_ns && now_ns - seen_ns > max_age_ns;
    // kill_ids grow, so the map's first entries are the oldest kills.
    const bool too_many = pending_.size() > kMaxPending;
    if (too_old || too_many) {
      out.push_back(it->second);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<KillRecord> KillTracker::take_all() {
  std::vector<KillRecord> out;
  out.reserve(pending_.size());
  for (auto& [id, record] : pending_) out.push_back(record);
  pending_.clear();
  return out;
}

std::vector<std::string> monitor_names(const config::CoreConfig& core, std::uint32_t mask) {
  std::vector<std::string> names;
  for (std::uint32_t bit = 0; bit < 32; ++bit) {
    if ((mask & (1u << bit)) == 0) continue;
    if (bit < core.monitors.size()) {
      names.emplace_back(core.monitors[bit].name.view());
    } else {
      names.push_back("monitor#" + std::to_string(bit));
    }
  }
  return names;
}

std::string iso8601_utc(std::int64_t realtime_ns) {
  std::int64_t seconds = realtime_ns / 1'000'000'000;
  std::int64_t rest_ns = realtime_ns % 1'000'000'000;
  if (rest_ns < 0) {
    rest_ns += 1'000'000'000;
    --seconds;
  }
  const auto t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(rest_ns / 1'000'000));
  return buf;
}

std::string_view event_source_name(std::uint8_t source) {
  switch (static_cast<shm::VictimSource>(source)) {
    case shm::VictimSource::kRanking:
      return "ranking";
    case shm::VictimSource::kFallback:
      return "fallback";
  }
  return "unknown";
}

std::string_view event_reason_name(std::uint16_t reason) {
  if (reason == 0) return "none";
  switch (static_cast<shm::Reason>(reason)) {
    case shm::Reason::kRule:
      return "rule";
    case shm::Reason::kXattr:
      return "xattr";
    case shm::Reason::kOomScoreAdj:
      return "oom_score_adj";
    case shm::Reason::kDefault:
      return "default";
  }
  return "unknown";
}

std::string_view kind_name(std::uint8_t kind) {
  switch (static_cast<shm::EntryKind>(kind)) {
    case shm::EntryKind::kProcess:
      return "process";
    case shm::EntryKind::kCgroup:
      return "cgroup";
  }
  return "unknown";
}

std::string_view kill_mode_name(std::uint8_t kill_mode) {
  switch (static_cast<shm::KillMode>(kill_mode)) {
    case shm::KillMode::kProcess:
      return "process";
    case shm::KillMode::kGroup:
      return "group";
  }
  return "unknown";
}

std::string format_kill_json(const KillRecord& record, const KillContext& context) {
  const KillEvent& e = record.event;
  const bool fallback = e.source == static_cast<std::uint8_t>(shm::VictimSource::kFallback);
  // The decision time; a record without one (should not happen) falls back to the first stage.
  std::uint64_t when_ns = e.decision_ns != 0 ? e.decision_ns : e.trigger_ns;
  if (when_ns == 0) when_ns = record.first_seen_ns;
  JsonWriter json;
  json.begin_object();
  json.key("time").string(
      iso8601_utc(static_cast<std::int64_t>(when_ns) + context.realtime_offset_ns));
  json.key("kill_id").unsigned_integer(e.kill_id);
  json.key("complete").boolean(record.complete());
  json.key("phase").string(record.released_seen ? "released" : "killed");
  write_victim(json, e);
  json.key("source").string(event_source_name(e.source));
  json.key("reason");
  if (e.reason == 0) {
    json.null();
  } else {
    json.string(event_reason_name(e.reason));
  }
  json.key("rule");
  if (context.rule.empty()) {
    json.null();
  } else {
    json.string(context.rule);
  }
  json.key("priority").integer(e.priority);
  json.key("ranking_generation");
  if (fallback || e.ranking_generation == 0) {
    json.string("fallback");
  } else {
    json.unsigned_integer(e.ranking_generation);
  }
  write_trigger(json, e, context);
  write_stages(json, e);
  json.key("rss_swap_bytes").unsigned_integer(e.rss_swap_bytes);
  json.key("freed_bytes").unsigned_integer(e.freed_bytes);
  json.key("dry_run").boolean((e.flags & shm::kEventDryRun) != 0);
  json.key("release_timed_out").boolean((e.flags & shm::kEventReleaseTimedOut) != 0);
  json.key("kill_failed").boolean((e.flags & shm::kEventKillFailed) != 0);
  json.key("kill_errno").integer(e.kill_errno);
  json.key("mrelease_errno").integer(e.mrelease_errno);
  json.end_object();
  return json.text();
}

// ---- the file ---------------------------------------------------------------------------------

int make_parent_dirs(const std::string& path) {
  const std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return 0;
  std::string dir = path.substr(0, slash);
  for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    const std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return -errno;
  }
  return 0;
}

KillLogFile::~KillLogFile() { close(); }

int KillLogFile::open(const std::string& path) {
  close();
  path_ = path;
  if (path.empty()) return 0;
  if (const int rc = make_parent_dirs(path); rc != 0) return rc;
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return -errno;
  fd_ = fd;
  return 0;
}

void KillLogFile::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

int KillLogFile::append(std::string_view line) {
  if (fd_ < 0) return -EBADF;
  std::string buf;
  buf.reserve(line.size() + 1);
  buf.append(line);
  buf += '\n';
  // O_APPEND: the kernel positions each write at the end, so one write(2) is one whole line even
  // if another process appends too. A short write on a regular file means ENOSPC/EFBIG.
  const ssize_t n = ::write(fd_, buf.data(), buf.size());
  if (n < 0) return -errno;
  if (static_cast<std::size_t>(n) != buf.size()) return -ENOSPC;
  return 0;
}

}  // namespace oomguard::extended

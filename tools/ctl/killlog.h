// tools/ctl/killlog: reading oomguard-extended's JSON-lines kill log (format documented in
// extended/output_killlog.h): one object per kill, appended as the kill completes.
//
// oomguardctl reads the file named by output.kill_log and, when present, its first rotation
// "<file>.1" (logrotate's default naming; compressed rotations are not read). Lines that are not
// valid JSON objects (e.g. a line cut by a full disk) are counted and skipped, never fatal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/hog/json.h"
#include "tools/hog/result.h"

namespace oomguard::ctl {

// The fields oomguardctl shows; `raw` keeps the whole line (valid JSON) for --json.
struct KillEntry {
  std::string raw{};
  std::optional<std::int64_t> time_ns{};  // realtime ns, from "time"; nullopt if unparsable
  std::string time{};                     // as written
  std::uint64_t kill_id = 0;
  std::int64_t pid = 0;
  std::string comm{}, cgroup{}, kind{}, kill_mode{};
  std::string source{};  // "ranking" | "fallback"
  std::string reason{};  // "" for null
  std::string rule{};    // "" for null
  std::int64_t priority = 0;
  std::string generation{};  // number as text, or "fallback"
  std::uint64_t rss_swap_bytes = 0;
  std::uint64_t freed_bytes = 0;
  std::optional<double> time_to_relief_ms{};
  bool complete = false;
  bool dry_run = false;
  bool release_timed_out = false;
  bool kill_failed = false;
  std::int64_t kill_errno = 0;
};

// One line -> entry; an error for anything but a JSON object with a numeric kill_id.
hog::Result<KillEntry> parse_kill_line(std::string_view line);

struct KillLog {
  std::vector<KillEntry> entries{};  // file order (oldest first)
  std::size_t bad_lines = 0;
  std::vector<std::string> files{};  // the files read
};

// Reads `path` (and "<path>.1" first when it exists); keeps entries at or after since_ns
// (realtime ns; an entry without a parsable time is kept). An error only when `path` itself
// cannot be read (its message names the path and the cause).
hog::Result<KillLog> read_kill_log(const std::string& path,
                                   std::optional<std::int64_t> since_ns = std::nullopt);

// --since: a duration ago ("90s", "10m", "2h", "7d", "1h30m", "500ms"; a bare number is
// seconds) or a UTC time ("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.250Z",
// "2024-05-01 12:00", "2024-05-01", "@1714564800"). Returns realtime ns.
hog::Result<std::int64_t> parse_since(std::string_view text, std::int64_t now_realtime_ns);

// "2024-05-01T12:00:00.123Z" (and without fraction or 'Z') -> realtime ns; nullopt if not one.
std::optional<std::int64_t> parse_iso8601_utc(std::string_view text);

// CLOCK_REALTIME now, ns.
std::int64_t realtime_now_ns();

}  // namespace oomguard::ctl

#include "tools/ctl/killlog.h"

#include <sys/stat.h>
#include <time.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>

namespace oomguard::ctl {
namespace {

using hog::JsonValue;

constexpr std::int64_t kNsPerMs = 1'000'000;
constexpr std::int64_t kNsPerS = 1'000'000'000;

std::string string_of(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

double number_of(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.find(key);
  return v != nullptr && v->is_number() ? v->as_number() : 0.0;
}

bool bool_of(const JsonValue& o, std::string_view key) {
  const JsonValue* v = o.find(key);
  return v != nullptr && v->is_bool() && v->as_bool();
}

// Reads exactly `digits` decimal digits at text[pos]; advances pos.
std::optional<int> digits_at(std::string_view text, std::size_t& pos, std::size_t digits) {
  if (pos + digits > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += digits;
  return value;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

// Duration text -> ns: one or more <number><unit>, unit ms|s|m|min|h|d|w; a bare number = s.
std::optional<std::int64_t> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double seconds = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    double n = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), n);
    if (ec != std::errc() || n < 0) return std::nullopt;
    pos = static_cast<std::size_t>(ptr - text.data());
    std::size_t end = pos;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    const std::string_view unit = text.substr(pos, end - pos);
    pos = end;
    double scale = 0;
    if (unit.empty()) {
      if (pos != text.size() || seconds != 0) return std::nullopt;  // bare number: alone only
      scale = 1;
    } else if (unit == "ms") {
      scale = 1e-3;
    } else if (unit == "s") {
      scale = 1;
    } else if (unit == "m" || unit == "min") {
      scale = 60;
    } else if (unit == "h") {
      scale = 3600;
    } else if (unit == "d") {
      scale = 86400;
    } else if (unit == "w") {
      scale = 7 * 86400;
    } else {
      return std::nullopt;
    }
    seconds += n * scale;
  }
  if (!std::isfinite(seconds) || seconds > 1e9) return std::nullopt;
  return static_cast<std::int64_t>(std::llround(seconds * 1e9));
}

}  // namespace

std::int64_t realtime_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * kNsPerS + ts.tv_nsec;
}

std::optional<std::int64_t> parse_iso8601_utc(std::string_view text) {
  std::size_t pos = 0;
  tm t{};
  const auto year = digits_at(text, pos, 4);
  if (!year || !expect(text, pos, '-')) return std::nullopt;
  const auto month = digits_at(text, pos, 2);
  if (!month || !expect(text, pos, '-')) return std::nullopt;
  const auto day = digits_at(text, pos, 2);
  if (!day || *month < 1 || *month > 12 || *day < 1 || *day > 31) return std::nullopt;
  t.tm_year = *year - 1900;
  t.tm_mon = *month - 1;
  t.tm_mday = *day;
  std::int64_t fraction_ns = 0;
  if (pos < text.size() && (text[pos] == 'T' || text[pos] == ' ')) {
    ++pos;
    const auto hour = digits_at(text, pos, 2);
    if (!hour || !expect(text, pos, ':')) return std::nullopt;
    const auto minute = digits_at(text, pos, 2);
    if (!minute || *hour > 23 || *minute > 59) return std::nullopt;
    t.tm_hour = *hour;
    t.tm_min = *minute;
    if (expect(text, pos, ':')) {
      const auto second = digits_at(text, pos, 2);
      if (!second || *second > 60) return std::nullopt;
      t.tm_sec = *second;
      if (expect(text, pos, '.')) {
        std::int64_t scale = kNsPerS / 10;
        const std::size_t start = pos;
        for (; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
          fraction_ns += (text[pos] - '0') * scale;
          scale /= 10;
        }
        if (pos == start) return std::nullopt;
      }
    }
  }
  if (pos < text.size() && text[pos] == 'Z') ++pos;
  if (pos != text.size()) return std::nullopt;
  const time_t seconds = timegm(&t);
  return static_cast<std::int64_t>(seconds) * kNsPerS + fraction_ns;
}

hog::Result<std::int64_t> parse_since(std::string_view text, std::int64_t now_realtime_ns) {
  if (text.starts_with('@')) {
    std::int64_t seconds = 0;
    const auto [ptr, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), seconds);
    if (ec == std::errc() && ptr == text.data() + text.size() && seconds >= 0) {
      return seconds * kNsPerS;
    }
  } else if (const auto t = parse_iso8601_utc(text)) {
    return *t;
  } else if (const auto d = parse_duration(text)) {
    return now_realtime_ns - *d;
  }
  return hog::Error{
      "--since: not a duration (10m, 2h, 1h30m, 7d) or a UTC time "
      "(2024-05-01T12:00:00Z, 2024-05-01, @SECONDS): '" +
      std::string(text) + "'"};
}

hog::Result<KillEntry> parse_kill_line(std::string_view line) {
  auto parsed = hog::parse_json(line);
  if (!parsed) return hog::Error{parsed.error().message};
  if (!parsed->is_object()) return hog::Error{"not a JSON object"};
  const JsonValue* id = parsed->find("kill_id");
  if (id == nullptr || !id->is_number()) return hog::Error{"no numeric kill_id"};
  KillEntry e;
  const JsonValue& o = *parsed;
  e.kill_id = static_cast<std::uint64_t>(id->as_number());
  e.time = string_of(o, "time");
  e.time_ns = parse_iso8601_utc(e.time);
  if (const JsonValue* v = o.find("victim"); v != nullptr && v->is_object()) {
    e.pid = static_cast<std::int64_t>(number_of(*v, "pid"));
    e.comm = string_of(*v, "comm");
    e.cgroup = string_of(*v, "cgroup");
    e.kind = string_of(*v, "kind");
    e.kill_mode = string_of(*v, "kill_mode");
  }
  e.source = string_of(o, "source");
  e.reason = string_of(o, "reason");
  e.rule = string_of(o, "rule");
  e.priority = static_cast<std::int64_t>(number_of(o, "priority"));
  if (const JsonValue* g = o.find("ranking_generation"); g != nullptr) {
    e.generation = g->is_string()   ? g->as_string()
                   : g->is_number() ? std::to_string(static_cast<std::uint64_t>(g->as_number()))
                                    : "";
  }
  e.rss_swap_bytes = static_cast<std::uint64_t>(number_of(o, "rss_swap_bytes"));
  e.freed_bytes = static_cast<std::uint64_t>(number_of(o, "freed_bytes"));
  if (const JsonValue* d = o.find("durations_ms"); d != nullptr && d->is_object()) {
    if (const JsonValue* r = d->find("time_to_relief"); r != nullptr && r->is_number()) {
      e.time_to_relief_ms = r->as_number();
    }
  }
  e.complete = bool_of(o, "complete");
  e.dry_run = bool_of(o, "dry_run");
  e.release_timed_out = bool_of(o, "release_timed_out");
  e.kill_failed = bool_of(o, "kill_failed");
  e.kill_errno = static_cast<std::int64_t>(number_of(o, "kill_errno"));
  e.raw = std::string(line);
  return e;
}

namespace {

// Appends the file's entries; false (errno set) when it cannot be opened.
bool read_one(const std::string& path, std::optional<std::int64_t> since_ns, KillLog& log) {
  std::ifstream in(path);
  if (!in) return false;
  log.files.push_back(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto entry = parse_kill_line(line);
    if (!entry) {
      ++log.bad_lines;
      continue;
    }
    if (since_ns && entry->time_ns && *entry->time_ns < *since_ns) continue;
    log.entries.push_back(std::move(*entry));
  }
  return true;
}

}  // namespace

hog::Result<KillLog> read_kill_log(const std::string& path, std::optional<std::int64_t> since_ns) {
  KillLog log;
  struct stat st {};
  if (::stat((path + ".1").c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    read_one(path + ".1", since_ns, log);  // best effort: the current file is what matters
  }
  errno = 0;
  if (!read_one(path, since_ns, log)) {
    const int err = errno != 0 ? errno : ENOENT;
    if (err == ENOENT) {
      return hog::Error{"kill log " + path +
                        " does not exist (no kill logged yet, or "
                        "output.kill_log points elsewhere: see --config / --kill-log)"};
    }
    return hog::errno_error("cannot read the kill log " + path, err);
  }
  return log;
}

}  // namespace oomguard::ctl

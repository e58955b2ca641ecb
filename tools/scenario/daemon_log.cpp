#include "tools/scenario/daemon_log.h"

#include <charconv>
#include <regex>
#include <string>

#include "tools/hog/json.h"

namespace oomguard::scenario {
namespace {

const std::regex& kill_regex() {
  static const std::regex re(
      R"((DRY RUN, would kill|kill) #(\d+): (pid|group of) (\d+) \((.*)\) cgroup (\S*), )"
      R"((\d+) MiB rss\+swap; (ranking gen \d+|fallback scan), priority (-?\d+); )"
      R"(trigger (\S+): stall (\d+) ms in (\d+) ms; decided \+[0-9.]+ ms, (.*)$)");
  return re;
}

const std::regex& release_regex() {
  static const std::regex re(
      R"(kill #(\d+) (released|NOT released within the timeout): (\d+) MiB freed, )"
      R"(([0-9.]+) ms after the signal, ([0-9.]+) ms after the trigger)");
  return re;
}

// Numbers the regexes already matched as digits; 0 if not a number after all.
long to_long(const std::string& s) {
  long v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

double to_double(const std::string& s) {
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

std::string string_member(const hog::JsonValue& object, std::string_view key) {
  const hog::JsonValue* v = object.find(key);
  return v != nullptr && v->is_string() ? v->as_string() : std::string();
}

double number_member(const hog::JsonValue& object, std::string_view key) {
  const hog::JsonValue* v = object.find(key);
  return v != nullptr && v->is_number() ? v->as_number() : 0.0;
}

// The value of "key=" up to the next ',' in a kernel key=value list.
std::string kv_field(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(',', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(pos, end - pos);
    if (item.size() > key.size() && item.substr(0, key.size()) == key && item[key.size()] == '=') {
      return std::string(item.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return {};
}

}  // namespace

CoreLine parse_core_line(std::string_view text) {
  CoreLine out;
  const std::string line(text);
  std::smatch m;
  if (std::regex_search(line, m, kill_regex())) {
    out.kind = CoreLine::Kind::kKill;
    CoreKill& k = out.kill;
    k.dry_run = m[1].str() != "kill";
    k.id = static_cast<int>(to_long(m[2].str()));
    k.group = m[3].str() != "pid";
    k.pid = static_cast<pid_t>(to_long(m[4].str()));
    k.comm = m[5].str();
    k.cgroup = m[6].str();
    k.rss_mib = to_long(m[7].str());
    k.source = m[8].str();
    k.priority = static_cast<int>(to_long(m[9].str()));
    k.trigger = m[10].str();
    k.stall_ms = to_long(m[11].str());
    k.window_ms = to_long(m[12].str());
    k.signal_sent = !k.dry_run && m[13].str().rfind("SIGKILL sent", 0) == 0;
    return out;
  }
  if (std::regex_search(line, m, release_regex())) {
    out.kind = CoreLine::Kind::kRelease;
    out.release.id = static_cast<int>(to_long(m[1].str()));
    out.release.timed_out = m[2].str() != "released";
    out.release.freed_mib = to_long(m[3].str());
    out.release.after_signal_ms = to_double(m[4].str());
    out.release.after_trigger_ms = to_double(m[5].str());
    return out;
  }
  static const std::regex started(R"(extended: started .* \(pid (\d+)\))");
  static const std::regex exited(R"(WARNING: extended \(pid (\d+)\) (exited|was killed))");
  if (std::regex_search(line, m, started)) {
    out.kind = CoreLine::Kind::kExtendedStarted;
    out.extended_pid = static_cast<pid_t>(to_long(m[1].str()));
  } else if (std::regex_search(line, m, exited)) {
    out.kind = CoreLine::Kind::kExtendedExited;
    out.extended_pid = static_cast<pid_t>(to_long(m[1].str()));
  }
  return out;
}

std::optional<KillLogRecord> parse_kill_log_line(std::string_view line) {
  auto parsed = hog::parse_json(line);
  if (!parsed.ok() || !parsed->is_object()) return std::nullopt;
  const hog::JsonValue& o = *parsed;
  KillLogRecord r;
  r.kill_id = static_cast<int>(number_member(o, "kill_id"));
  const hog::JsonValue* complete = o.find("complete");
  r.complete = complete != nullptr && complete->as_bool();
  if (const hog::JsonValue* v = o.find("victim"); v != nullptr && v->is_object()) {
    r.pid = static_cast<pid_t>(number_member(*v, "pid"));
    r.comm = string_member(*v, "comm");
    r.cgroup = string_member(*v, "cgroup");
  }
  r.source = string_member(o, "source");
  r.reason = string_member(o, "reason");
  r.rule = string_member(o, "rule");
  r.priority = static_cast<int>(number_member(o, "priority"));
  const hog::JsonValue* dry = o.find("dry_run");
  r.dry_run = dry != nullptr && dry->as_bool();
  if (const hog::JsonValue* d = o.find("durations_ms"); d != nullptr && d->is_object()) {
    const hog::JsonValue* ttr = d->find("time_to_relief");
    if (ttr != nullptr && ttr->is_number()) r.time_to_relief_ms = ttr->as_number();
  }
  if (const hog::JsonValue* t = o.find("trigger"); t != nullptr && t->is_object()) {
    if (const hog::JsonValue* ms = t->find("monitors"); ms != nullptr) {
      for (const hog::JsonValue& name : ms->items()) {
        if (!r.monitors.empty()) r.monitors += ',';
        r.monitors += name.as_string();
      }
    }
  }
  return r;
}

std::optional<KernelKill> parse_kernel_oom_line(std::string_view line) {
  if (const std::size_t semi = line.find(';'); semi != std::string_view::npos) {
    line = line.substr(semi + 1);
  }
  const std::size_t at = line.find("oom-kill:");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view fields = line.substr(at + 9);
  if (const std::size_t nl = fields.find('\n'); nl != std::string_view::npos) {
    fields = fields.substr(0, nl);
  }
  KernelKill k;
  const std::string pid = kv_field(fields, "pid");
  if (pid.empty()) return std::nullopt;
  long value = 0;
  const auto [end, ec] = std::from_chars(pid.data(), pid.data() + pid.size(), value);
  if (ec != std::errc() || end != pid.data() + pid.size() || value <= 0) return std::nullopt;
  k.pid = static_cast<pid_t>(value);
  k.comm = kv_field(fields, "task");
  k.task_memcg = kv_field(fields, "task_memcg");
  k.oom_memcg = kv_field(fields, "oom_memcg");
  return k;
}

}  // namespace oomguard::scenario

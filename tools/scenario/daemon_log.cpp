#include "tools/scenario/daemon_log.h"

#include <charconv>
#include <string>

#include "tools/hog/json.h"

namespace oomguard::scenario {
namespace {

// Reads a line left to right; any mismatch makes ok() false (and every later step a no-op).
// (No std::regex: GCC 12's <regex> trips -Wmaybe-uninitialized in the -O1 sanitizer builds.)
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}
  bool ok() const { return ok_; }
  std::string_view rest() const { return rest_; }

  // Skips past the first occurrence of `lit`.
  Cursor& after(std::string_view lit) {
    const std::size_t at = ok_ ? rest_.find(lit) : std::string_view::npos;
    if (at == std::string_view::npos) return fail();
    rest_.remove_prefix(at + lit.size());
    return *this;
  }
  // Requires `lit` right here.
  Cursor& expect(std::string_view lit) {
    if (!ok_ || rest_.substr(0, lit.size()) != lit) return fail();
    rest_.remove_prefix(lit.size());
    return *this;
  }
  bool accept(std::string_view lit) {
    if (!ok_ || rest_.substr(0, lit.size()) != lit) return false;
    rest_.remove_prefix(lit.size());
    return true;
  }
  // Text up to the first `delim` (consumed).
  std::string until(std::string_view delim) {
    const std::size_t at = ok_ ? rest_.find(delim) : std::string_view::npos;
    if (at == std::string_view::npos) {
      fail();
      return {};
    }
    std::string out(rest_.substr(0, at));
    rest_.remove_prefix(at + delim.size());
    return out;
  }
  template <typename T>
  T number() {
    T v{};
    if (!ok_) return v;
    const auto [end, ec] = std::from_chars(rest_.data(), rest_.data() + rest_.size(), v);
    if (ec != std::errc() || end == rest_.data()) {
      fail();
      return v;
    }
    rest_.remove_prefix(static_cast<std::size_t>(end - rest_.data()));
    return v;
  }

 private:
  Cursor& fail() {
    ok_ = false;
    rest_ = {};
    return *this;
  }
  std::string_view rest_;
  bool ok_ = true;
};

// "... kill #N: pid P (comm) cgroup C, R MiB rss+swap; SOURCE, priority Q; trigger T: stall S
// ms in W ms; decided +D ms, OUTCOME" (or "DRY RUN, would kill #N: ...").
bool parse_kill(std::string_view line, CoreKill* k) {
  const std::size_t dry = line.find("DRY RUN, would kill #");
  const std::size_t real = line.find("kill #");
  if (dry == std::string_view::npos && real == std::string_view::npos) return false;
  k->dry_run = dry != std::string_view::npos;
  Cursor c(line.substr(k->dry_run ? dry : real));
  c.after("kill #");
  k->id = c.number<int>();
  c.expect(": ");
  k->group = c.accept("group of ");
  if (!k->group) c.expect("pid ");
  k->pid = c.number<pid_t>();
  c.expect(" (");
  k->comm = c.until(") cgroup ");  // a comm may hold spaces and parentheses
  k->cgroup = c.until(", ");
  k->rss_mib = c.number<long>();
  c.expect(" MiB rss+swap; ");
  k->source = c.until(", priority ");
  k->priority = c.number<int>();
  c.expect("; trigger ");
  k->trigger = c.until(": stall ");
  k->stall_ms = c.number<long>();
  c.expect(" ms in ");
  k->window_ms = c.number<long>();
  c.expect(" ms; decided +").after(" ms, ");
  k->signal_sent = !k->dry_run && c.rest().substr(0, 12) == "SIGKILL sent";
  return c.ok() && (k->source == "fallback scan" || k->source.rfind("ranking gen ", 0) == 0 ||
                    k->source.rfind("newer than ranking gen ", 0) == 0);
}

// "kill #N released: F MiB freed, X ms after the signal, Y ms after the trigger" (or
// "kill #N NOT released within the timeout: ...").
bool parse_release(std::string_view line, CoreRelease* r) {
  Cursor c(line);
  c.after("kill #");
  r->id = c.number<int>();
  if (c.accept(" NOT released within the timeout: ")) {
    r->timed_out = true;
  } else {
    c.expect(" released: ");
  }
  r->freed_mib = c.number<long>();
  c.expect(" MiB freed, ");
  r->after_signal_ms = c.number<double>();
  c.expect(" ms after the signal, ");
  r->after_trigger_ms = c.number<double>();
  c.expect(" ms after the trigger");
  return c.ok();
}

// The pid in "... (pid N)..." after `marker`, or 0.
pid_t pid_after(std::string_view line, std::string_view marker) {
  Cursor c(line);
  c.after(marker).after("(pid ");
  const pid_t pid = c.number<pid_t>();
  return c.ok() ? pid : 0;
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

CoreLine parse_core_line(std::string_view line) {
  CoreLine out;
  if (parse_kill(line, &out.kill)) {
    out.kind = CoreLine::Kind::kKill;
  } else if (parse_release(line, &out.release)) {
    out.kind = CoreLine::Kind::kRelease;
  } else if (line.find("extended: started ") != std::string_view::npos) {
    out.extended_pid = pid_after(line, "extended: started ");
    if (out.extended_pid > 0) out.kind = CoreLine::Kind::kExtendedStarted;
  } else if (line.find("WARNING: extended (pid ") != std::string_view::npos) {
    out.extended_pid = pid_after(line, "WARNING: extended ");
    if (out.extended_pid > 0) out.kind = CoreLine::Kind::kExtendedExited;
  }
  out.kill = out.kind == CoreLine::Kind::kKill ? out.kill : CoreKill{};
  out.release = out.kind == CoreLine::Kind::kRelease ? out.release : CoreRelease{};
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

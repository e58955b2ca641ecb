// oomguardctl status: both daemons' health from the region, plus the last kills.
#include <cstdio>

#include "shm/abi.h"
#include "tools/ctl/render.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {
namespace {

std::uint64_t age(std::uint64_t now_ns, std::uint64_t then_ns) {
  return now_ns > then_ns ? now_ns - then_ns : 0;
}

// "yes", "no", or "off" (not achieved, and the configuration did not ask for it).
std::string protection_word(const StatusView& v, std::uint32_t bit) {
  if ((v.state->protections & bit) != 0) return "yes";
  return (v.expected_protections & bit) != 0 ? "no" : "off";
}

std::string list_lines(const char* title, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  std::string out = std::string(title) + ":\n";
  for (const std::string& s : items) out += "  - " + s + "\n";
  return out;
}

std::string extended_line(const RegionState& s, const StatusView& v) {
  if ((s.flags & shm::kFlagNoExtended) != 0) return "off (core runs alone)";
  if (s.extended_pid == 0) return "not running";
  std::string line = "pid " + std::to_string(s.extended_pid) +
                     (v.live.extended_alive ? "" : " (gone)") + ", heartbeat ";
  line += s.extended_heartbeat_ns == 0
              ? "never"
              : format_age(age(v.now_ns, s.extended_heartbeat_ns)) + " ago";
  return line;
}

std::string ranking_line(const RegionState& s, std::uint64_t now_ns) {
  if (s.ranking == nullptr) {
    return s.head_generation == 0
               ? "none published yet"
               : "generation " + std::to_string(s.head_generation) + " could not be read";
  }
  return "generation " + std::to_string(s.ranking->generation) + ", " +
         std::to_string(s.ranking->count) + " entries, " +
         format_age(age(now_ns, s.ranking->created_ns)) + " old";
}

std::string kill_log_line(const StatusView& v) {
  if (v.kill_log_path.empty()) return "off (output.kill_log = \"\")";
  if (!v.kill_log_error.empty()) return v.kill_log_error;
  return v.kill_log_path + ": " + std::to_string(v.total_kills) + " kills";
}

}  // namespace

std::string render_status_text(const StatusView& v) {
  const RegionState& s = *v.state;
  std::string out = std::string("oomguard: ") + (v.health.ok() ? "OK" : "DEGRADED") + "\n";
  std::string prot;
  for (const ProtectionName& p : protection_names()) {
    prot += (prot.empty() ? "" : ", ") + std::string(p.name) + " " + protection_word(v, p.bit);
  }
  out += "core      pid " + std::to_string(s.core_pid) + (v.live.core_alive ? "" : " (gone)") +
         ", up " + format_age(age(v.now_ns, s.core_start_ns)) + ", heartbeat " +
         format_age(age(v.now_ns, s.core_heartbeat_ns)) + " ago\n";
  out += "          protections: " + prot + "\n";
  out += "          dry-run " + std::string((s.flags & shm::kFlagDryRun) != 0 ? "on" : "off") +
         ", extended " + ((s.flags & shm::kFlagNoExtended) != 0 ? "off" : "on") + ", shm ABI " +
         std::to_string(s.abi_major) + "." + std::to_string(s.abi_minor) + "\n";
  out += "extended  " + extended_line(s, v) + "\n";
  out += "ranking   " + ranking_line(s, v.now_ns) + "\n";
  out += "events    " + std::to_string(s.events_produced) + " sent by core, " +
         std::to_string(s.events_consumed) + " taken by extended, " +
         std::to_string(s.events_dropped) + " dropped\n";
  out += "config    " + v.config_path + (v.config_note.empty() ? "" : " (" + v.config_note + ")") +
         "\n";
  out += "kill log  " + kill_log_line(v) + "\n";
  out += list_lines("problems", v.health.problems);
  out += list_lines("warnings", v.health.warnings);
  if (!v.last_kills.empty()) {
    out += "last kills:\n" + render_kills_text(v.last_kills, "  ");
  }
  return out;
}

namespace {

std::string json_strings(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const std::string& s : items) {
    std::string q;
    hog::append_json_string(q, s);
    quoted.push_back(q);
  }
  return hog::json_array(quoted);
}

// Age in ms as a JSON number, or null when the time is 0 (never).
hog::JsonObject& add_age_ms(hog::JsonObject& o, std::string_view key, std::uint64_t now_ns,
                            std::uint64_t then_ns) {
  if (then_ns == 0) return o.add_null(key);
  return o.add_double(key, static_cast<double>(age(now_ns, then_ns)) / 1e6, 1);
}

std::string core_json(const StatusView& v) {
  const RegionState& s = *v.state;
  hog::JsonObject prot;
  std::vector<std::string> off;
  for (const ProtectionName& p : protection_names()) {
    prot.add_bool(p.name, (s.protections & p.bit) != 0);
    if (protection_word(v, p.bit) == "off") off.push_back(p.name);
  }
  hog::JsonObject o;
  o.add_int("pid", s.core_pid).add_bool("running", v.live.core_alive);
  add_age_ms(o, "uptime_ms", v.now_ns, s.core_start_ns);
  add_age_ms(o, "heartbeat_age_ms", v.now_ns, s.core_heartbeat_ns);
  o.add_raw("protections", prot.str())
      .add_raw("protections_off", json_strings(off))
      .add_bool("dry_run", (s.flags & shm::kFlagDryRun) != 0)
      .add_bool("extended_enabled", (s.flags & shm::kFlagNoExtended) == 0)
      .add_string("abi", std::to_string(s.abi_major) + "." + std::to_string(s.abi_minor));
  return o.str();
}

std::string extended_json(const StatusView& v) {
  const RegionState& s = *v.state;
  hog::JsonObject o;
  if (s.extended_pid == 0) {
    o.add_null("pid");
  } else {
    o.add_int("pid", s.extended_pid);
  }
  o.add_bool("running", s.extended_pid != 0 && v.live.extended_alive);
  add_age_ms(o, "heartbeat_age_ms", v.now_ns, s.extended_heartbeat_ns);
  return o.str();
}

std::string ranking_json(const StatusView& v) {
  const RegionState& s = *v.state;
  hog::JsonObject o;
  o.add_uint("head_generation", s.head_generation);
  if (s.ranking == nullptr) {
    o.add_null("generation").add_null("entries").add_null("age_ms");
  } else {
    o.add_uint("generation", s.ranking->generation).add_uint("entries", s.ranking->count);
    add_age_ms(o, "age_ms", v.now_ns, s.ranking->created_ns);
  }
  return o.str();
}

}  // namespace

std::string render_status_json(const StatusView& v) {
  const RegionState& s = *v.state;
  hog::JsonObject events;
  events.add_uint("sent", s.events_produced)
      .add_uint("taken", s.events_consumed)
      .add_uint("dropped", s.events_dropped);
  hog::JsonObject log;
  log.add_string("path", v.kill_log_path);
  if (v.kill_log_error.empty()) {
    log.add_null("error").add_uint("kills", v.total_kills);
  } else {
    log.add_string("error", v.kill_log_error).add_null("kills");
  }
  std::vector<std::string> kills;
  for (const KillEntry& k : v.last_kills) kills.push_back(k.raw);
  hog::JsonObject o;
  o.add_string("health", v.health.ok() ? "ok" : "degraded")
      .add_raw("problems", json_strings(v.health.problems))
      .add_raw("warnings", json_strings(v.health.warnings))
      .add_int("inspected_pid", v.pid)
      .add_raw("core", core_json(v))
      .add_raw("extended", extended_json(v))
      .add_raw("ranking", ranking_json(v))
      .add_raw("events", events.str())
      .add_string("config", v.config_path)
      .add_raw("kill_log", log.str())
      .add_raw("last_kills", hog::json_array(kills));
  return o.str() + "\n";
}

}  // namespace oomguard::ctl

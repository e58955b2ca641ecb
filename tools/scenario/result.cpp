#include "tools/scenario/result.h"

#include <cstdio>
#include <map>

#include "tools/scenario/process.h"

namespace oomguard::scenario {
namespace {

std::string fixed(double v, int decimals) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string opt_s(const std::optional<double>& v) { return v ? fixed(*v, 2) + " s" : "n/a"; }

}  // namespace

const RoleOutcome* RunResult::role(const std::string& name) const {
  for (const RoleOutcome& r : roles) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

int RunResult::kills_of(const std::string& name) const {
  int n = 0;
  for (const VictimInfo& v : victims) n += v.role == name;
  return n;
}

std::string victims_text(const RunResult& r) {
  if (r.victims.empty()) return "none";
  std::vector<std::string> order;
  std::map<std::string, int> count;
  for (const VictimInfo& v : r.victims) {
    const std::string key = (v.killer == "kernel" ? "K:" : "") + v.role + ":" + v.comm;
    if (count[key]++ == 0) order.push_back(key);
  }
  std::string text;
  for (const std::string& key : order) {
    if (!text.empty()) text += ",";
    text += key;
    if (count[key] > 1) text += "x" + std::to_string(count[key]);
  }
  return text;
}

std::string describe(const RunResult& r) {
  std::string s = "scenario " + std::to_string(r.scenario) + " (" + r.key + "), mode " +
                  std::string(mode_name(r.mode)) + "\n";
  if (!r.error.empty()) return s + "  SET-UP ERROR: " + r.error + "\n";
  s += "  outcome: " +
       (r.outcome == "timeout" ? std::string("timeout (nothing ended the incident in time; the "
                                             "runner killed what was left)")
                               : r.outcome) +
       "; onset " + opt_s(r.onset_s) + ", relief " + opt_s(r.relief_s) + ", time to relief " +
       opt_s(r.ttd_s) + "\n";
  s += "  PSI during the incident (0.." + fixed(r.end_s, 1) + " s): full " +
       fixed(r.full_stall_ms, 0) + " ms, some " + fixed(r.some_stall_ms, 0) +
       " ms, worst 1 s full " + fixed(r.worst_full_1s_ms, 0) + " ms\n";
  s += "  canary worst stall: " +
       (r.canary_worst_ms ? fixed(*r.canary_worst_ms, 1) + " ms" : std::string("n/a")) +
       (r.canary_alive ? "" : " (canary died)") + "\n";
  s += "  sandbox usage: " + fixed(r.usage_start_mib, 0) + " MiB at the start, " +
       fixed(r.usage_end_mib, 0) + " MiB at the end\n";
  s += "  kills: " + std::to_string(r.kills()) + " — " + victims_text(r) + "\n";
  for (const VictimInfo& v : r.victims) {
    s += "    " + v.killer + " killed pid " + std::to_string(v.pid) + " (" + v.comm + ") in " +
         v.cgroup + " [" + v.how + "]" +
         (v.rss_mib >= 0 ? ", " + std::to_string(v.rss_mib) + " MiB rss+swap" : "") + " at " +
         fixed(v.killed_s, 2) + " s, relief " + fixed(v.relief_s, 2) + " s\n";
  }
  for (const CoreKill& k : r.dry_run_kills) {
    s += "    DRY RUN would kill #" + std::to_string(k.id) + " pid " + std::to_string(k.pid) +
         " (" + k.comm + ") [" + k.source + "], trigger " + k.trigger + ": stall " +
         std::to_string(k.stall_ms) + " ms in " + std::to_string(k.window_ms) + " ms\n";
  }
  for (const RoleOutcome& role : r.roles) {
    s += "  role " + role.name + " (pid " + std::to_string(role.pid) +
         "): " + describe_status(role.status) +
         (role.ended_s ? " at " + fixed(*role.ended_s, 2) + " s" : "") + "\n";
  }
  if (!r.fault.empty()) s += "  fault: " + r.fault + " at " + opt_s(r.fault_s) + "\n";
  if (r.extended_pid_before != 0 || r.extended_pid_after != 0) {
    s += "  extended pid " + std::to_string(r.extended_pid_before) + " -> " +
         std::to_string(r.extended_pid_after) + ", starts " + std::to_string(r.extended_starts) +
         ", heartbeat age at the end " + opt_s(r.extended_heartbeat_age_after_s) +
         (r.extended_cgroup.empty() ? "" : ", cgroup " + r.extended_cgroup) + "\n";
  }
  for (const std::string& n : r.notes) s += "  note: " + n + "\n";
  if (!r.daemon_problems.empty()) s += "  daemon: " + r.daemon_problems + "\n";
  for (const std::string& l : r.leftovers) s += "  LEFTOVER: " + l + "\n";
  for (const std::string& u : r.unexplained) s += "  UNEXPLAINED: " + u + "\n";
  s += "  logs: " + r.run_dir + "\n";
  return s;
}

}  // namespace oomguard::scenario

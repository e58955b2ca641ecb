// The incident itself: the 100 ms sampling loop, what it learns from each source, fault
// injection, and the figures derived at the end.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "tools/hog/json.h"
#include "tools/scenario/incident.h"

namespace oomguard::scenario {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

// Sleeps until the absolute monotonic time `t` (seconds).
void sleep_until(double t) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(t);
  ts.tv_nsec = static_cast<long>((t - static_cast<double>(ts.tv_sec)) * 1e9);
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

std::string rooted(const std::string& cgroup) {
  return cgroup.empty() || cgroup.front() != '/' ? "/" + cgroup : cgroup;
}

// The cgroup2 path of a process ("0::/x" line of /proc/PID/cgroup), or "".
std::string v2_cgroup_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return {};
}

}  // namespace

std::string Incident::role_of_cgroup(const std::string& cgroup) const {
  const std::string c = rooted(cgroup);
  for (const RoleSpec& role : spec_.roles) {
    if (c == "/" + sb_ + "/" + role.cgroup) return role.name;
  }
  if (c == "/" + sb_ + "/" + spec_.canary_cgroup) return "canary";
  return "?";
}

void Incident::on_core_line(const SeenLine& line, RunResult* r) {
  const CoreLine& c = line.parsed;
  if (c.kind == CoreLine::Kind::kKill && c.kill.dry_run) {
    r->dry_run_kills.push_back(c.kill);
  } else if (c.kind == CoreLine::Kind::kKill && c.kill.signal_sent) {
    r->victims.push_back({.pid = c.kill.pid,
                          .comm = c.kill.comm,
                          .cgroup = rooted(c.kill.cgroup),
                          .role = role_of_cgroup(c.kill.cgroup),
                          .killer = "oomguard",
                          .how = c.kill.source,
                          .rss_mib = c.kill.rss_mib,
                          .killed_s = line.t_s,
                          .relief_s = line.t_s,
                          .core_kill_id = c.kill.id});
    use_reaping_time(&r->victims.back());
  } else if (c.kind == CoreLine::Kind::kRelease) {
    for (VictimInfo& v : r->victims) {
      if (v.killer == "oomguard" && v.core_kill_id == c.release.id) v.relief_s = line.t_s;
    }
  } else if (c.kind == CoreLine::Kind::kExtendedStarted) {
    pids_.push_back(c.extended_pid);
  }
}

void Incident::on_kernel_line(const std::string& line, double t, RunResult* r) {
  const std::optional<KernelKill> k = parse_kernel_oom_line(line);
  if (!k || k->task_memcg.rfind("/" + p_.top + "/", 0) != 0) return;
  r->victims.push_back({.pid = k->pid,
                        .comm = k->comm,
                        .cgroup = k->task_memcg,
                        .role = role_of_cgroup(k->task_memcg),
                        .killer = "kernel",
                        .how = "memcg oom (" + k->oom_memcg + ")",
                        .killed_s = t,
                        .relief_s = t});
  use_reaping_time(&r->victims.back());
}

// A victim that is one of our roles and was already reaped: its death is the reaping.
void Incident::use_reaping_time(VictimInfo* v) const {
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i].pid() == v->pid && role_ended_[i]) {
      v->relief_s = *role_ended_[i];
      v->killed_s = std::min(v->killed_s, *role_ended_[i]);
    }
  }
}

void Incident::on_role_exit(std::size_t index, double t, RunResult* r) {
  role_ended_[index] = t;
  const pid_t pid = roles_[index].pid();
  for (VictimInfo& v : r->victims) {
    if (v.pid == pid) v.relief_s = t;  // reaped: the baseline's "death"
  }
}

void Incident::inject_fault(double t, RunResult* r) {
  fault_done_ = true;
  const pid_t ext = daemon_.extended_pid();
  r->extended_pid_before = ext;
  if (ext <= 0) {
    r->notes.push_back("no extended running at onset: fault not injected");
    return;
  }
  const bool stop = p_.mode == Mode::kExtendedStopped;
  kill(ext, stop ? SIGSTOP : SIGKILL);
  r->fault = std::string(stop ? "SIGSTOP" : "SIGKILL") + " extended (pid " + std::to_string(ext) +
             (psi_.onset_s(0) ? ") at the PSI onset" : ") with no onset yet");
  r->fault_s = t;
  if (!r->victims.empty()) {
    r->killed_before_fault = true;
    r->notes.push_back("a kill was seen before the fault was injected");
  }
}

void Incident::sample(double t, RunResult* r) {
  if (const std::optional<PsiTotals> totals = pressure_.read()) psi_.add({t, *totals});
  for (const SeenLine& line : daemon_.poll_log(t)) on_core_line(line, r);
  if (std::string ranking = daemon_.new_ranking_text(&ranking_seen_, 8); !ranking.empty()) {
    rankings_log_ << std::fixed << std::setprecision(2) << t << " " << ranking << "\n";
  }
  for (const std::string& line : kmsg_.read_lines()) on_kernel_line(line, t, r);
  for (const std::string& line : canary_out_->read_lines()) {
    auto v = hog::parse_json(line);
    if (!v.ok()) continue;
    const hog::JsonValue* at = v->find("t_s");
    const hog::JsonValue* stall = v->find("stall_ms");
    if (at == nullptr || stall == nullptr) continue;
    canary_samples_.push_back(
        {.t_s = canary_start_ - t0_ + at->as_number(), .stall_ms = stall->as_number()});
  }
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    if (!role_ended_[i] && roles_[i].pid() > 0 && roles_[i].poll()) on_role_exit(i, t, r);
  }
  const bool faulty = p_.mode == Mode::kExtendedStopped || p_.mode == Mode::kExtendedKilled;
  if (faulty && !fault_done_ && (psi_.onset_s(0) || t >= spec_.fault_after_s)) {
    inject_fault(t, r);
  }
}

void Incident::run(RunResult* r) {
  if (p_.mode == Mode::kExtendedThrashing && daemon_.extended_pid() > 0) {
    r->extended_cgroup = v2_cgroup_of(daemon_.extended_pid());
  }
  r->extended_pid_before = daemon_.extended_pid();
  rankings_log_.open(p_.run_dir + "/rankings.log");
  if (std::string ranking = daemon_.new_ranking_text(&ranking_seen_, 8); !ranking.empty()) {
    rankings_log_ << "before " << ranking << "\n";
  }
  t0_ = monotonic_s();
  psi_.add({0, pressure_.read().value_or(PsiTotals{})});
  r->usage_start_mib = static_cast<double>(cgroups_[kSandboxIndex]->usage_bytes()) / kMiB;
  if (spec_.start_limit_mib != 0) {
    // The incident: the sandbox shrinks under the running workload (blocks while reclaiming).
    const std::string error =
        cgroups_[kSandboxIndex]->set_limit(spec_.limit_mib * kMiB, spec_.swap_mib * kMiB);
    if (!error.empty()) {
      r->error = "lowering the sandbox's limit: " + error;
      return;
    }
    const double took = monotonic_s() - t0_;
    r->usage_start_mib = static_cast<double>(cgroups_[kSandboxIndex]->usage_bytes()) / kMiB;
    if (took > 0.2) r->notes.push_back("lowering the limit took " + std::to_string(took) + " s");
  }
  for (std::size_t i = 0; i < spec_.roles.size(); ++i) {
    if (spec_.roles[i].before_incident) continue;
    if (std::string error = start_role(spec_.roles[i]); !error.empty()) {
      r->error = error;
      return;
    }
  }
  std::optional<double> targets_done;
  double t = 0;
  for (double next = t0_;;) {
    next += PressureFile::kSampleIntervalMs / 1000.0;
    sleep_until(next);
    t = monotonic_s() - t0_;
    sample(t, r);
    bool all_ended = true;
    for (std::size_t i = 0; i < spec_.roles.size(); ++i) {
      if (spec_.roles[i].target && !role_ended_[i]) all_ended = false;
    }
    if (all_ended && !targets_done) targets_done = t;
    if (targets_done && t >= *targets_done + spec_.settle_s) break;
    if (!targets_done && t > spec_.timeout_s) {
      r->outcome = "timeout";
      break;
    }
  }
  r->usage_end_mib = static_cast<double>(cgroups_[kSandboxIndex]->usage_bytes()) / kMiB;
  summarize(r, targets_done.value_or(t));
  finish(r);
}

void Incident::summarize(RunResult* r, double targets_end) {
  r->onset_s = psi_.onset_s(0);
  for (const VictimInfo& v : r->victims) {
    if (!r->relief_s || v.relief_s > *r->relief_s) r->relief_s = v.relief_s;
  }
  r->end_s = r->relief_s.value_or(targets_end);
  if (r->onset_s && r->relief_s) {
    if (*r->relief_s >= *r->onset_s) {
      r->ttd_s = *r->relief_s - *r->onset_s;
    } else {
      r->notes.push_back("relief came before the PSI onset");
    }
  }
  if (r->outcome.empty()) r->outcome = r->victims.empty() ? "exited by itself" : "killed";
  const PsiTotals start = psi_.at(0);
  const PsiTotals last = psi_.at(r->end_s);
  r->full_stall_ms = static_cast<double>(last.full_us - start.full_us) / 1000.0;
  r->some_stall_ms = static_cast<double>(last.some_us - start.some_us) / 1000.0;
  r->worst_full_1s_ms = psi_.worst_full_ms(0, r->end_s, 1.0);
  for (const CanarySample& c : canary_samples_) {
    if (c.t_s <= 0 || c.t_s > r->end_s + 1.0) continue;
    r->canary_worst_ms = std::max(r->canary_worst_ms.value_or(0), c.stall_ms);
  }
  std::ofstream psi_log(p_.run_dir + "/psi.log");
  psi_log << "# t_s some_total_us full_total_us (sandbox memory.pressure, 100 ms)\n";
  for (const PsiSample& s : psi_.samples()) {
    psi_log << s.t_s << " " << s.totals.some_us << " " << s.totals.full_us << "\n";
  }
}

void Incident::finish(RunResult* r) {
  for (const SeenLine& line : daemon_.poll_log(monotonic_s() - t0_)) on_core_line(line, r);
  if (mode_runs_daemon(p_.mode)) {
    r->extended_pid_after = daemon_.extended_pid();
    r->extended_heartbeat_age_after_s = daemon_.extended_heartbeat_age_s();
    r->extended_starts = daemon_.extended_starts();
    if (r->extended_pid_after > 0) pids_.push_back(r->extended_pid_after);
    r->daemon_problems = daemon_.stop();
    r->daemon_log = daemon_.log_text();
  }
  std::ifstream kill_log(p_.run_dir + "/kills.jsonl");
  for (std::string line; std::getline(kill_log, line);) {
    if (auto rec = parse_kill_log_line(line)) r->kill_log.push_back(*rec);
  }
  r->canary_alive = !canary_.poll();
  for (std::size_t i = 0; i < spec_.roles.size(); ++i) {
    roles_[i].poll();
    r->roles.push_back({.name = spec_.roles[i].name,
                        .pid = roles_[i].pid(),
                        .status = roles_[i].status(),
                        .ended_s = role_ended_[i]});
  }
  r->roles.push_back({.name = "canary",
                      .pid = canary_.pid(),
                      .status = canary_.status(),
                      .ended_s = std::nullopt});
  cross_check(r);
}

void Incident::cross_check(RunResult* r) const {
  for (const RoleOutcome& role : r->roles) {
    if (!role.status || !WIFSIGNALED(*role.status)) continue;
    const bool known = std::any_of(r->victims.begin(), r->victims.end(),
                                   [&](const VictimInfo& v) { return v.pid == role.pid; });
    if (!known) {
      r->unexplained.push_back(role.name + " (pid " + std::to_string(role.pid) + ") died of " +
                               describe_status(role.status) + " but no killer reported it");
    }
  }
  const bool undisturbed =
      p_.mode == Mode::kOomguard || p_.mode == Mode::kDryRun || p_.mode == Mode::kExtendedThrashing;
  if (!undisturbed) return;
  auto logged = [&](pid_t pid, bool dry_run) {
    return std::any_of(r->kill_log.begin(), r->kill_log.end(), [&](const KillLogRecord& k) {
      return k.pid == pid && k.dry_run == dry_run;
    });
  };
  for (const VictimInfo& v : r->victims) {
    if (v.killer == "oomguard" && !logged(v.pid, false)) {
      r->unexplained.push_back("kill of pid " + std::to_string(v.pid) + " (" + v.comm +
                               ") is missing from extended's kill log");
    }
  }
  for (const CoreKill& k : r->dry_run_kills) {
    if (!logged(k.pid, true)) {
      r->unexplained.push_back("dry-run kill #" + std::to_string(k.id) +
                               " is missing from extended's kill log");
    }
  }
}

}  // namespace oomguard::scenario

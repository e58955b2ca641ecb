// tools/scenario/result: what one scenario run measured, with the peer baseline's definitions
// (research/baseline): times are seconds since the incident's workload started; onset = first
// 100 ms PSI interval with > 10 ms "some" stall in the sandbox; relief = the last victim's
// death (reaped, or its release / kernel kill seen); time to relief = relief - onset; stall =
// delta of the total= counters from the workload's start to the end of the incident (relief,
// or the workload's own end when nothing was killed); canary worst = the worst per-second stall
// the canary reported during the incident.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "tools/scenario/daemon_log.h"
#include "tools/scenario/spec.h"

namespace oomguard::scenario {

struct VictimInfo {
  pid_t pid = 0;
  std::string comm;
  std::string cgroup;  // '/'-rooted
  std::string role;    // the scenario role whose cgroup it was in ("?" if none)
  std::string killer;  // "oomguard" | "kernel"
  std::string how;     // core: as CoreKill::source; kernel: "memcg oom"
  long rss_mib = -1;   // at the kill (core's line); -1 unknown
  double killed_s = 0;
  double relief_s = 0;   // reaped (direct child) / released / seen
  int core_kill_id = 0;  // "kill #N" of oomguard-core
};

struct RoleOutcome {
  std::string name;
  pid_t pid = 0;
  std::optional<int> status;  // wait status; nullopt = still running at the end (then killed)
  std::optional<double> ended_s;
};

struct RunResult {
  std::string error;  // set-up failure: nothing else is meaningful
  int scenario = 0;
  std::string key;
  Mode mode = Mode::kOomguard;
  std::string run_dir;

  std::optional<double> onset_s;
  std::optional<double> relief_s;
  std::optional<double> ttd_s;  // time to relief
  double end_s = 0;             // end of the incident (stall window)
  std::string outcome;          // "killed", "exited by itself", "timeout"
  double full_stall_ms = 0;
  double some_stall_ms = 0;
  double worst_full_1s_ms = 0;  // worst "full" stall within 1 s (the e2e monitors' window)
  std::optional<double> canary_worst_ms;
  bool canary_alive = false;
  double usage_start_mib = 0;  // sandbox memory usage when the incident started (limit lowered)
  double usage_end_mib = 0;    // ... at the end of the run (after the settle time)

  std::vector<VictimInfo> victims;  // real kills, in order
  std::vector<CoreKill> dry_run_kills;
  std::vector<KillLogRecord> kill_log;
  std::vector<RoleOutcome> roles;

  std::string fault;  // "SIGSTOP extended pid N" ...
  std::optional<double> fault_s;
  bool killed_before_fault = false;  // a kill came first: the run did not test the fault
  pid_t extended_pid_before = 0;
  pid_t extended_pid_after = 0;
  std::optional<double> extended_heartbeat_age_after_s;
  int extended_starts = 0;
  std::string extended_cgroup;  // cgroup2 path of extended during the incident (ext-thrashing)

  std::string daemon_problems;         // from Daemon::stop()
  std::vector<std::string> leftovers;  // cgroups, processes, swap state not restored
  // Sources that disagree: a hog SIGKILLed with no killer on record, an oomguard kill missing
  // from extended's kill log (checked where extended ran undisturbed).
  std::vector<std::string> unexplained;
  std::string swaps_before, swaps_after;
  std::string daemon_log;
  std::vector<std::string> notes;

  int kills() const { return static_cast<int>(victims.size()); }
  const RoleOutcome* role(const std::string& name) const;
  // Victims whose role is `role`.
  int kills_of(const std::string& role) const;
};

// "thrash:thrash", "make:cc1 x3" — victims grouped by role:comm, in first-seen order.
std::string victims_text(const RunResult& r);
// One multi-line human report of a run (what the e2e tests print).
std::string describe(const RunResult& r);

}  // namespace oomguard::scenario

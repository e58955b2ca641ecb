// tools/scenario/incident: one run of one scenario in one mode — the sandbox subtree, the optional
// zram swap, the canary, oomguard, the hogs, the 100 ms sampling loop (PSI, core's log, kernel
// OOM kills, the canary, the hogs' exits), fault injection at onset, and the teardown that
// undoes everything (also on early returns; signals go through tests/support/emergency.h).
//
// Cgroups of a run, below both hierarchy roots:
//   <top>            limit = sandbox + 512 MiB (at most 2 GiB)
//   <top>/daemon     oomguard-core and oomguard-extended
//   <top>/sb         the sandbox, "the machine" of the scenario: its limit, its memory.pressure
//   <top>/sb/<name>  the scenario's cgroups (work, canary, session, ...)
#pragma once

#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/sandbox.h"
#include "tools/scenario/daemon.h"
#include "tools/scenario/process.h"
#include "tools/scenario/psi.h"
#include "tools/scenario/result.h"
#include "tools/scenario/spec.h"
#include "tools/scenario/zram.h"

namespace oomguard::scenario {

struct IncidentParams {
  const ScenarioSpec* spec = nullptr;
  Mode mode = Mode::kOomguard;
  std::string hog_path;
  std::string core_path;
  std::string top;      // top-level cgroup name, unique per run
  std::string run_dir;  // logs, configuration, the thrash file
};

// Monotonic clock in seconds (the runner's clock for every timestamp).
double monotonic_s();

class Incident {
 public:
  explicit Incident(const IncidentParams& params) : p_(params), spec_(*params.spec) {}
  ~Incident() { teardown(); }
  Incident(const Incident&) = delete;
  Incident& operator=(const Incident&) = delete;

  // Sandbox, zram, canary, oomguard, the roles that precede the incident. "" or the error.
  std::string setup();
  // The incident: starts the remaining roles and samples until the targets ended (+ settle) or
  // the timeout; then stops oomguard and fills *r.
  void run(RunResult* r);
  // Kills what runs, stops oomguard, removes the cgroups, disables zram. Idempotent.
  void teardown();

  // Every pid this run started or saw (roles, canary, core, extended), for leftover checks.
  const std::vector<pid_t>& pids() const { return pids_; }
  const std::string& swaps_before() const { return swaps_before_; }

 private:
  struct CanarySample {
    double t_s;  // end of its interval, on the incident's clock
    double stall_ms;
  };

  std::string make_cgroups();
  std::string start_role(const RoleSpec& role);
  std::string wait_role_holding(std::size_t index, double timeout_s);
  std::string start_daemon();
  std::vector<std::string> cgroup_dirs(const std::string& relative) const;
  std::string role_of_cgroup(const std::string& cgroup) const;

  void sample(double t, RunResult* r);
  void on_core_line(const SeenLine& line, RunResult* r);
  void on_kernel_line(const std::string& line, double t, RunResult* r);
  void on_role_exit(std::size_t index, double t, RunResult* r);
  void use_reaping_time(VictimInfo* v) const;
  void inject_fault(double t, RunResult* r);
  void summarize(RunResult* r, double end_t);
  void finish(RunResult* r);
  void cross_check(RunResult* r) const;

  IncidentParams p_;
  const ScenarioSpec& spec_;
  std::string sb_;  // "<top>/sb"
  // Destroyed by teardown() in reverse order of set-up.
  std::optional<ZramSwap> zram_;
  // Parents first: <top>, <top>/daemon, <top>/sb (kSandboxIndex), then the scenario's.
  std::vector<std::unique_ptr<testing::Sandbox>> cgroups_;
  static constexpr std::size_t kSandboxIndex = 2;
  Daemon daemon_;
  Process canary_;
  std::vector<Process> roles_;  // index = spec_.roles index
  std::vector<std::optional<double>> role_ended_;

  double t0_ = 0;  // monotonic_s() when the incident's roles started
  double canary_start_ = 0;
  PressureFile pressure_;
  PsiSeries psi_;
  std::optional<FileTail> canary_out_;
  std::vector<CanarySample> canary_samples_;
  KmsgReader kmsg_;
  std::vector<pid_t> pids_;
  std::string swaps_before_;
  std::string extended_cgroup_;
  bool fault_done_ = false;
  std::uint64_t ranking_seen_ = 0;
  std::ofstream rankings_log_;  // every new ranking generation seen during the incident
};

}  // namespace oomguard::scenario

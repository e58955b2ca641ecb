// tools/scenario/runner: the entry point shared by the e2e tests and oomguard-bench. Runs one
// scenario in one mode from set-up to teardown, then checks that nothing was left behind
// (cgroups, processes, swap state).
//
//   Runner runner({.hog_path = ..., .core_path = ..., .work_dir = "/tmp/x", .prefix =
//   "oomguard-e2e"}); if (std::string why = runner.unavailable_reason(spec); !why.empty())
//   skip(why); RunResult r = runner.run(spec, Mode::kOomguard);
#pragma once

#include <string>

#include "tools/scenario/result.h"
#include "tools/scenario/spec.h"

namespace oomguard::scenario {

struct RunnerParams {
  std::string hog_path;
  std::string core_path;  // oomguard-extended must be next to it
  std::string work_dir;   // one sub-directory of logs per run
  std::string prefix;     // cgroup names: <prefix>-<pid>-<run number>
  bool keep_logs = true;  // false: delete a run's directory when it left nothing behind
};

class Runner {
 public:
  // Installs the emergency signal handlers and sweeps what SIGKILLed earlier runs (of this
  // prefix) left behind; the sweep's report is in sweep_report().
  explicit Runner(RunnerParams params);
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  // Why `spec` cannot run on this host ("" if it can): root, cgroups, zram, binaries.
  std::string unavailable_reason(const ScenarioSpec& spec, Mode mode) const;
  RunResult run(const ScenarioSpec& spec, Mode mode);
  const std::string& sweep_report() const { return sweep_report_; }

 private:
  RunnerParams p_;
  int runs_ = 0;
  std::string sweep_report_;
};

// Kills and removes cgroups named <prefix>-<pid>-* of processes that no longer exist (in both
// hierarchies, children first). Returns one line per cgroup removed.
std::string sweep_stale_cgroups(const std::string& prefix);

}  // namespace oomguard::scenario

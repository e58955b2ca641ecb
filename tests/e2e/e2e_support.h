// Shared by the e2e scenario tests: one Runner per test process, running a scenario with the
// skip reasons, the per-run report, the results file the summary is built from, and the checks
// every run must pass (set-up worked, nothing left behind, the canary survived).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/scenario/result.h"
#include "tools/scenario/runner.h"
#include "tools/scenario/spec.h"

namespace oomguard::e2e {

using scenario::Mode;
using scenario::RunResult;

// Why e2e scenarios cannot run here ("" if they can), for GTEST_SKIP.
std::string unavailable_reason(const scenario::ScenarioSpec& spec, Mode mode);

// Runs scenario `number` in `mode` (its own mode when nullopt), prints the report, and records
// the run for the summary (the verdict is added by record_verdict at the end of the test).
RunResult run(int number, std::optional<Mode> mode = std::nullopt);

// run() for the scenarios whose trigger is the thrash monitor. A run in which nothing was killed
// and the workload never reached the monitor's threshold (no 1 s with kThrashFullThresholdMs of
// "full" stall, as the runner sampled it) had no incident: not killing was right, and the run
// says nothing about oomguard. It is recorded as "NO INCIDENT" and run again, three attempts
// at most; the last attempt is returned whatever its outcome.
RunResult run_incident(int number, std::optional<Mode> mode = std::nullopt);

// Checks of every run: set-up ok, oomguard stopped cleanly, no cgroup/process/swap left, and the
// canary (a bystander) was not killed.
void expect_clean(const RunResult& r);

// The run's victims with this role.
std::vector<scenario::VictimInfo> victims_of(const RunResult& r, const std::string& role);
// True when the role's process was still running when the run ended (then the runner killed it).
bool survived(const RunResult& r, const std::string& role);
// True when the role's process was SIGKILLed (by oomguard or the kernel).
bool sigkilled(const RunResult& r, const std::string& role);

// Adds PASS/FAIL of the current test to every run recorded since the test started, writes them
// to the results file and to this process's summary; deletes the logs of passing runs.
void record_verdict();

// The results file (OOMGUARD_E2E_RESULTS, else the build's default), and the summary table of
// the rows in it / of this process.
std::string results_path();
std::string summary_of_file(const std::string& path);
std::string summary_of_process();

}  // namespace oomguard::e2e

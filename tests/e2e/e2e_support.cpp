#include "tests/e2e/e2e_support.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "tools/scenario/stats.h"

namespace oomguard::e2e {
namespace {

struct Pending {
  RunResult result;
  std::string verdict;  // set when the run did not count ("" = the test's verdict)
};

scenario::Runner& runner() {
  static std::unique_ptr<scenario::Runner> r = [] {
    auto made = std::make_unique<scenario::Runner>(
        scenario::RunnerParams{.hog_path = OOMGUARD_HOG_PATH,
                               .core_path = OOMGUARD_CORE_PATH,
                               .work_dir = "/tmp/oomguard-e2e/" + std::to_string(getpid()),
                               .prefix = "oomguard-e2e",
                               .keep_logs = true});
    if (!made->sweep_report().empty()) {
      std::printf("swept what earlier runs left:\n%s", made->sweep_report().c_str());
    }
    return made;
  }();
  return *r;
}

std::vector<Pending>& pending() {
  static std::vector<Pending> p;
  return p;
}

std::vector<std::string>& process_rows() {
  static std::vector<std::string> rows;
  return rows;
}

}  // namespace

std::string unavailable_reason(const scenario::ScenarioSpec& spec, Mode mode) {
  return runner().unavailable_reason(spec, mode);
}

RunResult run(int number, std::optional<Mode> mode) {
  const std::optional<scenario::ScenarioSpec> spec = scenario::scenario(number);
  EXPECT_TRUE(spec.has_value()) << "no scenario " << number;
  if (!spec) return {};
  RunResult r = runner().run(*spec, mode.value_or(spec->mode));
  std::printf("%s", scenario::describe(r).c_str());
  std::fflush(stdout);
  pending().push_back({r, ""});
  return r;
}

RunResult run_incident(int number, std::optional<Mode> mode) {
  constexpr int kAttempts = 3;
  for (int attempt = 1;; ++attempt) {
    RunResult r = run(number, mode);
    const bool incident = r.kills() > 0 || !r.dry_run_kills.empty() ||
                          r.worst_full_1s_ms >= scenario::kThrashFullThresholdMs;
    if (incident || attempt == kAttempts) return r;
    pending().back().verdict = "NO INCIDENT";
    std::printf(
        "no incident: nothing was killed and the workload never reached %.0f ms of \"full\" "
        "stall within 1 s (worst %.0f ms); attempt %d of %d, running it again\n",
        scenario::kThrashFullThresholdMs, r.worst_full_1s_ms, attempt, kAttempts);
  }
}

void expect_clean(const RunResult& r) {
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_TRUE(r.leftovers.empty()) << "left behind:\n"
                                   << [&] {
                                        std::string s;
                                        for (const std::string& l : r.leftovers) s += l + "\n";
                                        return s;
                                      }();
  EXPECT_EQ(r.swaps_after, r.swaps_before) << "/proc/swaps changed";
  EXPECT_TRUE(r.daemon_problems.empty()) << r.daemon_problems;
  EXPECT_TRUE(r.canary_alive) << "the canary (a bystander) died";
  EXPECT_EQ(r.kills_of("canary"), 0) << "the canary was killed";
  for (const std::string& u : r.unexplained) ADD_FAILURE() << "sources disagree: " << u;
}

std::vector<scenario::VictimInfo> victims_of(const RunResult& r, const std::string& role) {
  std::vector<scenario::VictimInfo> out;
  for (const scenario::VictimInfo& v : r.victims) {
    if (v.role == role) out.push_back(v);
  }
  return out;
}

bool survived(const RunResult& r, const std::string& role) {
  const scenario::RoleOutcome* o = r.role(role);
  return o != nullptr && !o->status;
}

bool sigkilled(const RunResult& r, const std::string& role) {
  const scenario::RoleOutcome* o = r.role(role);
  return o != nullptr && o->status && WIFSIGNALED(*o->status) && WTERMSIG(*o->status) == SIGKILL;
}

void record_verdict() {
  const bool failed = ::testing::Test::HasFailure();
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string verdict = std::string(failed ? "FAIL" : "PASS") +
                              (info != nullptr ? " " + std::string(info->name()) : "");
  std::ofstream out(results_path(), std::ios::app);
  for (const Pending& p : pending()) {
    const std::string row =
        scenario::summary_line(p.result, p.verdict.empty() ? verdict : p.verdict);
    out << row << "\n";
    process_rows().push_back(row);
    if (!failed) {
      std::error_code ec;
      std::filesystem::remove_all(p.result.run_dir, ec);
    } else {
      std::printf("logs of the failed run: %s\n", p.result.run_dir.c_str());
    }
  }
  pending().clear();
}

std::string results_path() {
  const char* env = std::getenv("OOMGUARD_E2E_RESULTS");
  return env != nullptr && *env != '\0' ? env : OOMGUARD_E2E_RESULTS_DEFAULT;
}

std::string summary_of_file(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> rows;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) rows.push_back(line);
  }
  return rows.empty() ? "" : scenario::summary_table(rows);
}

std::string summary_of_process() {
  return process_rows().empty() ? "" : scenario::summary_table(process_rows());
}

}  // namespace oomguard::e2e

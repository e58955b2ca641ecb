// Whole oomguardctl commands in-process, against a region this test process created (so
// --pid getpid() finds "/memfd:oomguard (deleted)" in /proc/self/fd).
#include "tools/ctl/ctl_main.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tools/ctl/cli.h"
#include "tools/ctl/ctl_test_util.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {
namespace {

using testing::FakeDaemons;
using testing::TempDir;

struct CtlRun {
  int status = -1;
  std::string out, err;
};

CtlRun run(std::vector<std::string> args) {
  CtlRun r;
  r.status = ctl_main(args, &r.out, &r.err);
  return r;
}

// A configuration whose kill log is a copy of the sample log, with two named rules.
std::string write_config(const TempDir& dir) {
  const std::string log = dir.path() + "/kills.jsonl";
  std::filesystem::copy_file(std::string(OOMGUARD_CTL_TESTDATA) + "/kills.jsonl", log);
  const std::string path = dir.path() + "/oomguard.toml";
  std::ofstream(path) << "[output]\nkill_log = \"" << log << "\"\n"
                      << "[[rules]]\nname = \"editors\"\ncomm = \"^vim$\"\npriority = 900\n"
                      << "[[rules]]\nname = \"compilers\"\ncomm = \"^cc1\"\npriority = 100\n";
  return path;
}

TEST(CtlMain, StatusOfAHealthyPair) {
  TempDir dir;
  const std::string config = write_config(dir);
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  const std::string pid = std::to_string(getpid());
  CtlRun r = run({"status", "--pid", pid, "--config", config});
  EXPECT_EQ(r.status, kExitOk) << r.out << r.err;
  EXPECT_NE(r.out.find("oomguard: OK"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("kill log  " + dir.path() + "/kills.jsonl: 4 kills"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("python3"), std::string::npos) << "last kill shown\n" << r.out;

  r = run({"--json", "--pid", pid, "--config", config, "--limit", "2"});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  auto j = hog::parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->find("health")->as_string(), "ok");
  EXPECT_EQ(j->find("inspected_pid")->as_number(), getpid());
  ASSERT_EQ(j->find("last_kills")->items().size(), 2u);
  EXPECT_EQ(j->find("last_kills")->items()[1].find("kill_id")->as_number(), 10);
}

TEST(CtlMain, StatusDegradedExitsThree) {
  TempDir dir;
  const std::string config = write_config(dir);
  FakeDaemons d;
  d.publish(testing::sample_ranking(), 60'000);
  d.beat(60'000);
  CtlRun r = run({"status", "--pid", std::to_string(getpid()), "--config", config});
  EXPECT_EQ(r.status, kExitDegraded) << r.out << r.err;
  EXPECT_NE(r.out.find("oomguard: DEGRADED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("oomguard-core heartbeat is 60.0 s old"), std::string::npos) << r.out;
}

TEST(CtlMain, RankUsesRuleNamesOfTheConfiguration) {
  TempDir dir;
  const std::string config = write_config(dir);
  FakeDaemons d;
  d.publish(testing::sample_ranking());
  CtlRun r = run({"rank", "--pid", std::to_string(getpid()), "--config", config});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("#2 compilers"), std::string::npos) << r.out;

  r = run({"rank", "--json", "--pid", std::to_string(getpid()), "--config", config});
  auto j = hog::parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  EXPECT_EQ(j->find("entries")->items()[0].find("rule")->as_string(), "compilers");
}

TEST(CtlMain, KillsWorkWithoutARunningCore) {
  TempDir dir, empty_proc;
  const std::string config = write_config(dir);
  CtlRun r = run({"kills", "--config", config, "--proc-root", empty_proc.path()});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  EXPECT_NE(r.out.find("build-jobs"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("1 unreadable lines skipped"), std::string::npos) << r.err;

  r = run({"kills", "--json", "--since", "2024-05-01T12:30:00Z", "--config", config, "--proc-root",
           empty_proc.path()});
  EXPECT_EQ(r.status, kExitOk) << r.err;
  auto j = hog::parse_json(r.out);
  ASSERT_TRUE(j) << r.out;
  ASSERT_EQ(j->find("kills")->items().size(), 3u);
  EXPECT_EQ(j->find("kills")->items()[0].find("kill_id")->as_number(), 8);

  r = run({"kills", "--since", "1h", "--config", config, "--proc-root", empty_proc.path()});
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_NE(r.out.find("no kills in"), std::string::npos) << r.out;

  r = run({"kills", "--since", "soon", "--config", config, "--proc-root", empty_proc.path()});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_NE(r.err.find("--since: not a duration"), std::string::npos) << r.err;

  r = run({"kills", "--kill-log", dir.path() + "/none.jsonl", "--config", config, "--proc-root",
           empty_proc.path()});
  EXPECT_EQ(r.status, kExitError);
  EXPECT_NE(r.err.find("none.jsonl does not exist"), std::string::npos) << r.err;
}

TEST(CtlMain, ClearErrorWhenNotRunning) {
  TempDir empty_proc;
  for (const char* command : {"status", "rank"}) {
    CtlRun r = run({command, "--proc-root", empty_proc.path()});
    EXPECT_EQ(r.status, kExitError);
    EXPECT_NE(r.err.find("oomguard is not running: no oomguard-core process found"),
              std::string::npos)
        << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

TEST(CtlMain, ProcessWithoutRegion) {
  CtlRun r = run({"status", "--pid", std::to_string(getpid())});
  EXPECT_EQ(r.status, kExitError);
  EXPECT_NE(r.err.find("holds no oomguard region"), std::string::npos) << r.err;
}

TEST(CtlMain, BadConfigNamedExplicitlyIsAnError) {
  TempDir dir;
  std::ofstream(dir.path() + "/bad.toml") << "[output]\nkill_log = 5\n";
  FakeDaemons d;
  CtlRun r =
      run({"status", "--pid", std::to_string(getpid()), "--config", dir.path() + "/bad.toml"});
  EXPECT_EQ(r.status, kExitError);
  EXPECT_NE(r.err.find("--config: " + dir.path() + "/bad.toml:2:"), std::string::npos) << r.err;
}

TEST(CtlMain, UsageErrorsAndHelp) {
  CtlRun r = run({"bogus"});
  EXPECT_EQ(r.status, kExitUsage);
  EXPECT_NE(r.err.find("unknown argument 'bogus'"), std::string::npos);
  r = run({"--help"});
  EXPECT_EQ(r.status, kExitOk);
  EXPECT_NE(r.out.find("usage: oomguardctl"), std::string::npos);
}

}  // namespace
}  // namespace oomguard::ctl

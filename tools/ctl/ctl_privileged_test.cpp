// oomguardctl against a real oomguard-core: the core runs alone (--no-extended) with a small
// configuration scoped to a sandbox cgroup this test creates (v1 memcg + cgroup2 dir), and
// `oomguardctl status/rank --pid` must report it. Skips with a reason where the host cannot run
// it (not root, no cgroup hierarchies).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "tests/support/sandbox.h"
#include "tools/hog/json.h"

namespace oomguard::ctl {
namespace {

using namespace std::chrono_literals;
using oomguard::testing::Child;
using oomguard::testing::Sandbox;

struct Output {
  int status = -1;
  std::string out, err;
};

Output run_ctl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {OOMGUARD_CTL_PATH};
  argv.insert(argv.end(), args.begin(), args.end());
  Child ctl(argv);
  Output o;
  const std::optional<int> status = ctl.wait(10s);
  if (status && WIFEXITED(*status)) o.status = WEXITSTATUS(*status);
  for (const std::string& line : ctl.rest_of_stdout()) o.out += line + "\n";
  o.err = ctl.stderr_text();
  return o;
}

std::string write_config(const std::string& dir, const std::string& scope) {
  const std::string path = dir + "/oomguard.toml";
  std::ofstream(path) << "[core]\nscope = \"/" << scope << "\"\n"
                      << "extended = false\nkmsg = false\nsched_fifo_priority = 0\n"
                      << "[[core.monitors]]\nname = \"sandbox_full\"\nkind = \"pressure\"\n"
                      << "stall = \"full\"\nthreshold_ms = 100\nwindow_ms = 2000\n"
                      << "cgroup = \"/" << scope << "\"\n"
                      << "[output]\nkill_log = \"" << dir << "/kills.jsonl\"\n";
  std::ofstream(dir + "/kills.jsonl")
      << R"({"time":"2024-05-01T12:00:00.002Z","kill_id":1,"complete":true,)"
      << R"("victim":{"pid":4242,"comm":"victim","cgroup":")" << scope << R"("},)"
      << R"("source":"fallback","reason":null,"rule":null,"priority":0,"rss_swap_bytes":1})"
      << "\n";
  return path;
}

TEST(CtlPrivileged, StatusOfARealCoreRunningAlone) {
  if (std::string why = oomguard::testing::sandbox_unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  const std::string name = "oomguard-test-ctl-" + std::to_string(getpid());
  Sandbox sandbox(name, 64 << 20);
  ASSERT_TRUE(sandbox.ok()) << sandbox.error();
  char tmpl[] = "/tmp/oomguardctl-priv-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string config = write_config(dir, name);
  Child core({OOMGUARD_CORE_PATH, "--config", config, "--no-extended"});
  const std::string pid = std::to_string(core.pid());

  // Start-up takes a moment: the region appears first, the flags right before steady state.
  Output status;
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(100ms);
    status = run_ctl({"status", "--pid", pid, "--config", config});
    if (status.out.find("extended  off") != std::string::npos) break;
  }
  Output json = run_ctl({"status", "--json", "--pid", pid, "--config", config});
  Output rank = run_ctl({"rank", "--pid", pid, "--config", config});
  Output kills = run_ctl({"kills", "--config", config, "--json"});
  kill(core.pid(), SIGTERM);
  const std::optional<int> core_status = core.wait(5s);
  const std::string core_log = core.stderr_text();
  std::filesystem::remove_all(dir);

  EXPECT_EQ(status.status, 0) << status.out << status.err << core_log;
  EXPECT_NE(status.out.find("oomguard: OK"), std::string::npos) << status.out << core_log;
  EXPECT_NE(status.out.find("core      pid " + pid + ", up "), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("extended  off (core runs alone)"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("extended is off"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("mlock yes"), std::string::npos) << status.out << core_log;
  EXPECT_NE(status.out.find("ranking   none published yet"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find(": 1 kills"), std::string::npos) << status.out;

  auto j = hog::parse_json(json.out);
  ASSERT_TRUE(j) << json.out << json.err;
  EXPECT_EQ(j->find("core")->find("pid")->as_number(), core.pid());
  EXPECT_TRUE(j->find("core")->find("running")->as_bool());
  EXPECT_FALSE(j->find("core")->find("extended_enabled")->as_bool());
  EXPECT_FALSE(j->find("core")->find("dry_run")->as_bool());
  // The core wakes at least every poll_max_ms (100 ms): its heartbeat is fresh.
  EXPECT_LT(j->find("core")->find("heartbeat_age_ms")->as_number(), 2000) << json.out;
  EXPECT_TRUE(j->find("extended")->find("pid")->is_null());

  EXPECT_EQ(rank.status, 0) << rank.err;
  EXPECT_NE(rank.out.find("no ranking published yet"), std::string::npos) << rank.out;
  auto k = hog::parse_json(kills.out);
  ASSERT_TRUE(k) << kills.out << kills.err;
  EXPECT_EQ(k->find("kills")->items().size(), 1u);

  ASSERT_TRUE(core_status.has_value()) << "core did not exit on SIGTERM\n" << core_log;
  EXPECT_TRUE(WIFEXITED(*core_status) && WEXITSTATUS(*core_status) == 0) << core_log;
}

// The same core seen by an unprivileged user: found (by comm, since its exe link is not readable),
// but its region refused with a message that says what to do.
TEST(CtlPrivileged, UnprivilegedCallerIsToldWhy) {
  if (std::string why = oomguard::testing::sandbox_unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  if (access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "no /usr/bin/setpriv (util-linux)";
  const std::string name = "oomguard-test-ctl-nobody-" + std::to_string(getpid());
  Sandbox sandbox(name, 64 << 20);
  ASSERT_TRUE(sandbox.ok()) << sandbox.error();
  char tmpl[] = "/tmp/oomguardctl-priv-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string config = write_config(dir, name);
  Child core({OOMGUARD_CORE_PATH, "--config", config, "--no-extended"});
  const std::string pid = std::to_string(core.pid());
  const std::vector<std::string> as_nobody = {"/usr/bin/setpriv", "--reuid=65534",
                                              "--regid=65534",    "--clear-groups",
                                              "--inh-caps=-all",  OOMGUARD_CTL_PATH};
  for (int i = 0; i < 50; ++i) {  // until the core has created its region
    std::this_thread::sleep_for(100ms);
    if (run_ctl({"status", "--pid", pid, "--config", config}).status == 0) break;
  }
  Child ctl([&] {
    std::vector<std::string> argv = as_nobody;
    for (const char* a : {"status", "--pid"}) argv.emplace_back(a);
    argv.push_back(pid);
    return argv;
  }());
  const std::optional<int> status = ctl.wait(10s);
  const std::string err = ctl.stderr_text();
  kill(core.pid(), SIGTERM);
  core.wait(5s);
  std::filesystem::remove_all(dir);

  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1) << err;
  EXPECT_NE(err.find("no permission to open /proc/" + pid + "/fd"), std::string::npos) << err;
  EXPECT_NE(err.find("run oomguardctl as root"), std::string::npos) << err;
}

}  // namespace
}  // namespace oomguard::ctl

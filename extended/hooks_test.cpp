#include "extended/hooks.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "extended/daemon_time.h"

namespace oomguard::extended {
namespace {

constexpr std::uint64_t kMs = 1'000'000;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Polls the runner (as the daemon loop does) until every hook is reaped or `limit` passes.
std::vector<HookExit> run_until_reaped(HookRunner& runner, std::chrono::milliseconds limit) {
  std::vector<HookExit> exits;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (runner.running() > 0 && std::chrono::steady_clock::now() < end) {
    std::vector<pollfd> fds;
    runner.append_pollfds(fds);
    poll(fds.data(), fds.size(), 20);
    for (const HookExit& e : runner.poll(monotonic_ns())) exits.push_back(e);
  }
  return exits;
}

KillRecord sample_record() {
  KillRecord record;
  shm::KillEvent& e = record.event;
  e.kill_id = 7;
  e.pid = 4242;
  e.source = static_cast<std::uint8_t>(shm::VictimSource::kRanking);
  e.reason = static_cast<std::uint16_t>(shm::Reason::kRule);
  e.kind = static_cast<std::uint8_t>(shm::EntryKind::kProcess);
  e.kill_mode = static_cast<std::uint8_t>(shm::KillMode::kProcess);
  e.priority = 100;
  e.rss_swap_bytes = 4096;
  e.trigger_ns = 1000 * kMs;
  e.released_ns = 1250 * kMs;
  e.freed_bytes = 2048;
  std::strcpy(e.comm, "make");
  std::strcpy(e.cgroup_path, "build.slice");
  return record;
}

class HooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/oomguard-hooks-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string dir_;
};

TEST_F(HooksTest, PrekillRunsAsynchronouslyWithTheKillsEnvironment) {
  setenv("OOMGUARD_PID", "1", 1);  // extended's own OOMGUARD_* never leak into a hook
  const std::string out = dir_ + "/env";
  const KillContext context{.rule = "build-jobs", .monitors = {"memory_full", "memory_some"}};
  HookSpec spec{.kind = HookKind::kPrekill,
                .argv = {"sh", "-c",
                         "sleep 2; env > \"$OUT_FILE.tmp\"; mv \"$OUT_FILE.tmp\" "
                         "\"$OUT_FILE\""},
                .env = hook_env(HookKind::kPrekill, sample_record(), context),
                .kill_id = 7,
                .timeout_ns = 10'000 * kMs};
  spec.env.push_back("OUT_FILE=" + out);
  HookRunner runner;
  const auto before = std::chrono::steady_clock::now();
  const int pid = runner.start(spec, monotonic_ns());
  const auto took = std::chrono::steady_clock::now() - before;
  unsetenv("OOMGUARD_PID");
  ASSERT_GT(pid, 0) << std::strerror(-pid);
  EXPECT_LT(took, std::chrono::milliseconds(1000)) << "start() must not wait for the 2 s hook";
  EXPECT_EQ(runner.running(), 1u);
  EXPECT_TRUE(runner.poll(monotonic_ns()).empty()) << "still sleeping";
  EXPECT_NE(access(out.c_str(), F_OK), 0);

  const std::vector<HookExit> exits = run_until_reaped(runner, std::chrono::seconds(10));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].pid, pid);
  EXPECT_EQ(exits[0].kill_id, 7u);
  EXPECT_EQ(exits[0].result(), "ok");
  const std::string env = read_text(out);
  for (const char* want :
       {"OOMGUARD_HOOK=prekill\n", "OOMGUARD_PID=4242\n", "OOMGUARD_COMM=make\n",
        "OOMGUARD_CGROUP=build.slice\n", "OOMGUARD_KILL_ID=7\n", "OOMGUARD_DRY_RUN=0\n",
        "OOMGUARD_RULE=build-jobs\n", "OOMGUARD_REASON=rule\n", "OOMGUARD_SOURCE=ranking\n",
        "OOMGUARD_TRIGGER=memory_full,memory_some\n", "OOMGUARD_PRIORITY=100\n"}) {
    EXPECT_NE(env.find(want), std::string::npos) << want << "in:\n" << env;
  }
  EXPECT_EQ(env.find("OOMGUARD_PID=1\n"), std::string::npos);
  EXPECT_EQ(env.find("OOMGUARD_FREED_BYTES"), std::string::npos) << "postkill only";
}

TEST_F(HooksTest, PostkillIsKilledWithItsChildrenAtTheTimeoutAndReaped) {
  const std::string child_pid_file = dir_ + "/child";
  HookSpec spec{.kind = HookKind::kPostkill,
                .argv = {"/bin/sh", "-c", "sleep 30 & echo $! > \"$F\"; wait"},
                .env = {"F=" + child_pid_file},
                .kill_id = 9,
                .timeout_ns = 300 * kMs};
  HookRunner runner;
  const auto before = std::chrono::steady_clock::now();
  const int pid = runner.start(spec, monotonic_ns());
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(runner.next_deadline_ns().has_value());
  const std::vector<HookExit> exits = run_until_reaped(runner, std::chrono::seconds(10));
  const auto took = std::chrono::steady_clock::now() - before;
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].outcome, HookExit::Outcome::kTimedOut);
  EXPECT_EQ(exits[0].result(), "timeout");
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(runner.running(), 0u);
  EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1) << "already reaped";
  EXPECT_EQ(errno, ECHILD);

  // The hook's own child (same process group) was killed too: gone or a zombie of its new parent.
  const pid_t child = std::atoi(read_text(child_pid_file).c_str());
  ASSERT_GT(child, 0);
  bool dead = false;
  for (int i = 0; i < 100 && !dead; ++i) {
    const std::string stat = read_text("/proc/" + std::to_string(child) + "/stat");
    dead = stat.empty() || stat.find(") Z ") != std::string::npos;
    if (!dead) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(dead) << "child " << child << " survived its hook's timeout";
}

TEST_F(HooksTest, FailuresAreReported) {
  HookRunner runner;
  EXPECT_EQ(runner.start(HookSpec{.argv = {}}, 0), -EINVAL);
  EXPECT_EQ(runner.start(HookSpec{.argv = {"/nonexistent/oomguard-hook"}}, 0), -ENOENT);
  ASSERT_GT(runner.start(HookSpec{.argv = {"sh", "-c", "exit 3"}}, monotonic_ns()), 0);
  const std::vector<HookExit> exits = run_until_reaped(runner, std::chrono::seconds(10));
  ASSERT_EQ(exits.size(), 1u);
  EXPECT_EQ(exits[0].outcome, HookExit::Outcome::kExited);
  EXPECT_EQ(exits[0].code, 3);
  EXPECT_EQ(exits[0].result(), "failed");
}

TEST_F(HooksTest, AtMostMaxRunningAndKillAllReaps) {
  HookRunner runner;
  std::vector<int> pids;
  for (std::size_t i = 0; i < HookRunner::kMaxRunning; ++i) {
    pids.push_back(runner.start(HookSpec{.argv = {"sleep", "30"}}, monotonic_ns()));
    ASSERT_GT(pids.back(), 0);
  }
  EXPECT_EQ(runner.start(HookSpec{.argv = {"sleep", "30"}}, monotonic_ns()), -EAGAIN);
  runner.kill_all();
  EXPECT_EQ(runner.running(), 0u);
  for (const int pid : pids) EXPECT_EQ(waitpid(pid, nullptr, WNOHANG), -1);
}

TEST(HookEnv, PostkillAddsReleaseFacts) {
  const std::vector<std::string> env =
      hook_env(HookKind::kPostkill, sample_record(), KillContext{});
  const auto has = [&](const std::string& entry) {
    return std::find(env.begin(), env.end(), entry) != env.end();
  };
  EXPECT_TRUE(has("OOMGUARD_HOOK=postkill"));
  EXPECT_TRUE(has("OOMGUARD_FREED_BYTES=2048"));
  EXPECT_TRUE(has("OOMGUARD_TIME_TO_RELIEF_MS=250"));
  EXPECT_TRUE(has("OOMGUARD_RELEASE_TIMED_OUT=0"));
  EXPECT_TRUE(has("OOMGUARD_RULE="));
}

}  // namespace
}  // namespace oomguard::extended

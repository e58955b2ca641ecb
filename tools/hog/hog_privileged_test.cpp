// Runs the real hog binary inside sandbox cgroups (v1 memcg limited to 64 MiB + a cgroup2 dir).
// Skips with a reason when not root or when the hierarchies are missing.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>

#include "tests/support/sandbox.h"
#include "tools/hog/json.h"

namespace oomguard::hog {
namespace {

using testing::Child;
using testing::Sandbox;
using namespace std::chrono_literals;

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kLimit = 64 * kMiB;

std::vector<std::string> hog_args(std::vector<std::string> args) {
  args.insert(args.begin(), HOG_PATH);
  return args;
}

std::string unique_name() {
  static std::atomic<int> n{0};
  return "oomguard-test-hog-" + std::to_string(getpid()) + "-" + std::to_string(n++);
}

// Parses a line that must be one JSON object (a test failure otherwise).
JsonValue parse_line(const std::string& line) {
  auto v = parse_json(line);
  EXPECT_TRUE(v.ok()) << (v.ok() ? "" : v.error().message) << " in: " << line;
  if (!v.ok() || !v->is_object()) {
    ADD_FAILURE() << "not a JSON object: " << line;
    return JsonValue::null();
  }
  return *v;
}

double num(const JsonValue& v, std::string_view key) {
  const JsonValue* f = v.find(key);
  EXPECT_NE(f, nullptr) << "missing " << key;
  return f != nullptr ? f->as_number() : -1;
}

std::string str(const JsonValue& v, std::string_view key) {
  const JsonValue* f = v.find(key);
  EXPECT_NE(f, nullptr) << "missing " << key;
  return f != nullptr ? f->as_string() : "";
}

// Reads lines until `pred` holds for a progress line; returns it (null on timeout/EOF).
JsonValue wait_progress(Child& child, const std::function<bool(const JsonValue&)>& pred,
                        std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto line = child.read_line(1000ms);
    if (!line) continue;
    JsonValue v = parse_line(*line);
    if (v.is_object() && str(v, "type") == "progress" && pred(v)) return v;
  }
  return JsonValue::null();
}

// The summary object among the remaining stdout lines (all of which must parse).
JsonValue summary_of(Child& child) {
  JsonValue summary = JsonValue::null();
  for (const std::string& line : child.rest_of_stdout()) {
    JsonValue v = parse_line(line);
    if (v.is_object() && str(v, "type") == "summary") summary = v;
  }
  EXPECT_TRUE(summary.is_object()) << "no summary line";
  return summary;
}

const JsonValue* mode_summary(const JsonValue& summary, std::string_view mode) {
  const JsonValue* modes = summary.is_object() ? summary.find("modes") : nullptr;
  if (modes == nullptr) return nullptr;
  for (const JsonValue& m : modes->items()) {
    if (m.find("mode") != nullptr && m.find("mode")->as_string() == mode) return &m;
  }
  return nullptr;
}

bool contains(const std::vector<pid_t>& pids, pid_t pid) {
  return std::find(pids.begin(), pids.end(), pid) != pids.end();
}

std::string comm_of(pid_t pid) {
  std::string c = testing::read_text("/proc/" + std::to_string(pid) + "/comm");
  if (!c.empty() && c.back() == '\n') c.pop_back();
  return c;
}

class HogPrivileged : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = testing::sandbox_unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << why;
    }
    sandbox_ = std::make_unique<Sandbox>(unique_name(), kLimit);
    ASSERT_TRUE(sandbox_->ok()) << sandbox_->error();
  }
  void TearDown() override {
    if (sandbox_) {
      EXPECT_TRUE(sandbox_->kill_all()) << "processes left in " << sandbox_->name();
    }
    sandbox_.reset();
  }

  std::unique_ptr<Sandbox> sandbox_;
};

TEST_F(HogPrivileged, AnonJoinsBothHierarchiesAndHolds32MiB) {
  Child hog(hog_args({"--json", "--interval-ms", "200", "--comm", "hog-anon-test", "--cgroup",
                      sandbox_->name(), "anon", "--total-mib", "32", "--rate-mib", "64"}));
  JsonValue held = wait_progress(
      hog, [](const JsonValue& v) { return str(v, "phase") == "hold"; }, 30s);
  ASSERT_TRUE(held.is_object()) << "hog never reached hold; stderr: " << hog.stderr_text();
  EXPECT_EQ(num(held, "held_mib"), 32.0);
  EXPECT_EQ(num(held, "pid"), hog.pid());

  const std::string cg = testing::read_text("/proc/" + std::to_string(hog.pid()) + "/cgroup");
  EXPECT_NE(cg.find(":memory:/" + sandbox_->name() + "\n"), std::string::npos) << cg;
  EXPECT_NE(cg.find("0::/" + sandbox_->name() + "\n"), std::string::npos) << cg;
  EXPECT_TRUE(contains(sandbox_->procs_v1(), hog.pid()));
  EXPECT_TRUE(contains(sandbox_->procs_v2(), hog.pid()));
  EXPECT_EQ(comm_of(hog.pid()), "hog-anon-test");

  const std::uint64_t usage = sandbox_->v1_value("memory.usage_in_bytes");
  EXPECT_GE(usage, 31 * kMiB);
  EXPECT_LE(usage, 48 * kMiB);

  ASSERT_TRUE(sandbox_->kill_all());
  auto status = hog.wait(10s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
}

TEST_F(HogPrivileged, ExceedingTheLimitIsKilledByTheMemcgOomKiller) {
  ASSERT_EQ(sandbox_->v1_keyed("memory.oom_control", "oom_kill"), 0u);
  Child hog(hog_args({"--cgroup", sandbox_->name(), "anon", "--total-mib", "128"}));
  auto status = hog.wait(60s);
  ASSERT_TRUE(status.has_value()) << "hog still alive; stderr: " << hog.stderr_text();
  ASSERT_TRUE(WIFSIGNALED(*status))
      << "exit status " << WEXITSTATUS(*status) << ": " << hog.stderr_text();
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
  EXPECT_GE(sandbox_->v1_keyed("memory.oom_control", "oom_kill"), 1u);
  EXPECT_GE(sandbox_->v1_value("memory.max_usage_in_bytes"), 60 * kMiB);
}

TEST_F(HogPrivileged, SpikeCompletesWithExitZero) {
  Child hog(hog_args({"--json", "--interval-ms", "200", "--cgroup", sandbox_->name(), "spike",
                      "--mib", "16", "--hold-ms", "200", "--repeat", "3", "--every-ms", "300"}));
  auto status = hog.wait(30s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status)) << "killed by signal " << WTERMSIG(*status);
  EXPECT_EQ(WEXITSTATUS(*status), 0) << hog.stderr_text();
  JsonValue summary = summary_of(hog);
  EXPECT_EQ(num(summary, "exit_code"), 0);
  const JsonValue* spike = mode_summary(summary, "spike");
  ASSERT_NE(spike, nullptr);
  EXPECT_EQ(num(*spike, "spikes"), 3);
  EXPECT_EQ(num(*spike, "max_held_mib"), 16);
  EXPECT_EQ(num(*spike, "work_mib"), 48);
}

TEST_F(HogPrivileged, FanoutWorkersAreInTheCgroupAndDeathsAreReported) {
  Child hog(hog_args({"--json", "--interval-ms", "200", "--cgroup", sandbox_->name(), "fanout",
                      "--workers", "4", "--worker-mib", "8", "--worker-comm", "hogw-test",
                      "--hold-s", "4"}));
  JsonValue up = wait_progress(
      hog, [](const JsonValue& v) { return num(v, "alive") == 4 && num(v, "held_mib") >= 32; },
      30s);
  ASSERT_TRUE(up.is_object()) << "workers never came up; stderr: " << hog.stderr_text();

  std::vector<pid_t> workers;
  for (pid_t pid : sandbox_->procs_v2()) {
    if (pid != hog.pid() && comm_of(pid) == "hogw-test") workers.push_back(pid);
  }
  ASSERT_EQ(workers.size(), 4u);
  const std::vector<pid_t> v1 = sandbox_->procs_v1();
  EXPECT_TRUE(contains(v1, hog.pid()));
  for (pid_t w : workers) EXPECT_TRUE(contains(v1, w)) << w;

  ASSERT_EQ(kill(workers[0], SIGKILL), 0);
  auto status = hog.wait(30s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << hog.stderr_text();
  JsonValue summary = summary_of(hog);
  const JsonValue* fanout = mode_summary(summary, "fanout");
  ASSERT_NE(fanout, nullptr);
  EXPECT_EQ(num(*fanout, "killed"), 1);
  EXPECT_EQ(num(*fanout, "exited_ok"), 3);
  const JsonValue* list = fanout->find("worker_status");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->items().size(), 4u);
  int killed_seen = 0;
  for (const JsonValue& w : list->items()) {
    if (num(w, "pid") == workers[0]) {
      EXPECT_EQ(str(w, "signal_name"), "SIGKILL");
      EXPECT_TRUE(w.find("exit_code")->is_null());
      ++killed_seen;
    } else {
      EXPECT_EQ(num(w, "exit_code"), 0);
    }
  }
  EXPECT_EQ(killed_seen, 1);
}

TEST_F(HogPrivileged, JsonOutputOfCanaryAndThrashParses) {
  const std::string file = std::filesystem::temp_directory_path() / (sandbox_->name() + ".dat");
  Child hog(hog_args({"--json", "--interval-ms", "200", "--cgroup", sandbox_->name(), "canary",
                      "--duration-s", "1.5", "thrash", "--file", file, "--file-mib", "16",
                      "--passes", "3", "--remove"}));
  auto status = hog.wait(30s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 0) << hog.stderr_text();
  EXPECT_FALSE(std::filesystem::exists(file));

  int progress_lines = 0;
  JsonValue summary = JsonValue::null();
  for (const std::string& line : hog.rest_of_stdout()) {
    JsonValue v = parse_line(line);
    if (str(v, "type") == "summary") {
      summary = v;
      continue;
    }
    ++progress_lines;
    EXPECT_EQ(str(v, "type"), "progress");
    for (auto key : {"pid", "t_s", "held_mib", "rate_mib_s", "stall_ms", "max_stall_ms"}) {
      EXPECT_TRUE(v.find(key) != nullptr && v.find(key)->is_number()) << key << " in " << line;
    }
    EXPECT_FALSE(str(v, "phase").empty());
  }
  EXPECT_GE(progress_lines, 4);  // two modes, 1.5 s at 200 ms
  ASSERT_TRUE(summary.is_object());
  const JsonValue* canary = mode_summary(summary, "canary");
  const JsonValue* thrash = mode_summary(summary, "thrash");
  ASSERT_NE(canary, nullptr);
  ASSERT_NE(thrash, nullptr);
  EXPECT_GE(num(*canary, "iterations"), 50);  // 10 ms period for 1.5 s, generously
  EXPECT_GE(num(*canary, "max_late_ms"), 0);
  EXPECT_EQ(num(*thrash, "passes"), 3);
  EXPECT_EQ(num(*thrash, "created_mib"), 16);
}

TEST(HogExitCodes, MissingCgroupIsARuntimeErrorAndBadUsageIsTwo) {
  const std::string missing = "oomguard-test-hog-missing-" + std::to_string(getpid());
  Child hog(hog_args({"--cgroup", "/sys/fs/cgroup/" + missing, "anon", "--total-mib", "1"}));
  auto status = hog.wait(10s);
  ASSERT_TRUE(status.has_value());
  ASSERT_TRUE(WIFEXITED(*status));
  EXPECT_EQ(WEXITSTATUS(*status), 1);
  const std::string err = hog.stderr_text();
  EXPECT_NE(err.find(missing), std::string::npos) << err;

  Child bad(hog_args({"anon", "--total-mib", "lots"}));
  auto bad_status = bad.wait(10s);
  ASSERT_TRUE(bad_status.has_value());
  ASSERT_TRUE(WIFEXITED(*bad_status));
  EXPECT_EQ(WEXITSTATUS(*bad_status), 2);
  EXPECT_NE(bad.stderr_text().find("usage error"), std::string::npos);
}

}  // namespace
}  // namespace oomguard::hog

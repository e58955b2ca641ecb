// The real core against a real incident on this host: a page-cache thrash by `hog` inside a
// sandbox cgroup (v1 memcg limit + cgroup2 dir for PSI) is detected from the cgroup's memory
// pressure and killed by oomguard-core alone (fallback scan). Skips with a reason where the
// host cannot run it (not root, no cgroup hierarchies).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <string>

#include "tests/support/sandbox.h"

namespace oomguard::core {
namespace {

using namespace std::chrono_literals;
using oomguard::testing::Child;
using oomguard::testing::Sandbox;

constexpr std::uint64_t kMiB = 1024 * 1024;

std::string write_config(const std::string& scope) {
  const std::string path = "/tmp/oomguard-core-priv-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << "[core]\n"
                      << "scope = \"/" << scope << "\"\n"
                      << "extended = false\nkmsg = false\nsched_fifo_priority = 0\n"
                      << "[[core.monitors]]\nname = \"sandbox_full\"\nkind = \"pressure\"\n"
                      << "stall = \"full\"\nthreshold_ms = 100\nwindow_ms = 1000\n"
                      << "cgroup = \"/" << scope << "\"\n";
  return path;
}

// The number right after `before` (or right before `after`) in the core's kill lines, e.g.
// "decided +0.1 ms" or "23.4 ms after the signal". (No std::regex: GCC 12 warns inside it.)
std::string number_after(const std::string& log, const std::string& before) {
  const std::size_t at = log.find(before);
  if (at == std::string::npos) return "?";
  const std::size_t b = at + before.size();
  return log.substr(b, log.find_first_not_of("0123456789.", b) - b);
}
std::string number_before(const std::string& log, const std::string& after) {
  const std::size_t at = log.find(after);
  if (at == std::string::npos) return "?";
  const std::size_t b = log.find_last_not_of("0123456789.", at - 1) + 1;
  return log.substr(b, at - b);
}

TEST(CorePrivileged, KillsAThrashingHogInASandbox) {
  if (std::string why = oomguard::testing::sandbox_unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << why;
  }
  const std::string name = "oomguard-test-core-" + std::to_string(getpid());
  Sandbox sandbox(name, 256 * kMiB);
  ASSERT_TRUE(sandbox.ok()) << sandbox.error();
  const std::string config = write_config(name);
  Child core({OOMGUARD_CORE_PATH, "--config", config});
  std::this_thread::sleep_for(500ms);  // start-up: monitors armed before the incident

  // A 300 MiB file re-read in a 256 MiB memcg: constant refaults, a "full" memory stall.
  const std::string file = "/tmp/oomguard-core-priv-" + std::to_string(getpid()) + ".dat";
  Child hog({OOMGUARD_HOG_PATH, "--cgroup", name, "--comm", "victim", "--quiet", "thrash",
             "--file-mib", "300", "--file", file, "--remove", "--duration-s", "60"});
  const std::optional<int> status = hog.wait(45s);
  kill(core.pid(), SIGTERM);
  core.wait(5s);
  const std::string log = core.stderr_text();
  unlink(config.c_str());
  unlink(file.c_str());

  ASSERT_TRUE(status.has_value()) << "the hog was not killed within 45 s\n" << log;
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << log;
  EXPECT_NE(log.find("kill #1: pid " + std::to_string(hog.pid()) + " (victim)"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("kill #2"), std::string::npos) << "exactly one kill expected\n" << log;
  EXPECT_NE(log.find("kill #1 released"), std::string::npos) << log;
  std::printf(
      "stall at decision: %s ms in 1000 ms; trigger -> decision: +%s ms; signal -> "
      "memory released: %s ms; trigger -> released: %s ms\n",
      number_after(log, "stall ").c_str(), number_after(log, "decided +").c_str(),
      number_before(log, " ms after the signal").c_str(),
      number_before(log, " ms after the trigger").c_str());
}

}  // namespace
}  // namespace oomguard::core

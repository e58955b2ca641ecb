// What oomguard.service expects of oomguard-core, checked against the real binary with a
// NOTIFY_SOCKET of our own (as systemd sets it for Type=notify, WatchdogSec=):
//   READY=1 once start-up is done; WATCHDOG=1 at least every WATCHDOG_USEC / 2 while it runs;
//   SIGHUP does not stop it (ExecReload=); STOPPING=1 and exit status 0 on SIGTERM (a clean stop
//   is not a failure for Restart=on-failure); exit status 2 for a configuration error
//   (RestartPreventExitStatus=2).
// The core runs alone, in dry-run mode (it can never kill) and scoped to an empty sandbox cgroup
// this test creates; skipped where that sandbox cannot be made (not root, no cgroup hierarchies).
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/sandbox.h"

namespace oomguard {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::Child;
using testing::Sandbox;

// A bound AF_UNIX datagram socket at a path, like systemd's notify socket.
class NotifySocket {
 public:
  NotifySocket() : path_("/tmp/oomguard-notify-" + std::to_string(getpid()) + ".sock") {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    unlink(path_.c_str());
    ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifySocket() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;

  bool ok() const { return ok_; }
  const std::string& path() const { return path_; }
  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> receive(std::chrono::milliseconds timeout) {
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    char buf[512];
    const ssize_t n = recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool ok_ = false;
};

std::string write_config(const std::string& scope, const std::string& extra = "") {
  const std::string path = "/tmp/oomguard-notify-" + std::to_string(getpid()) + ".toml";
  std::ofstream(path) << "[core]\nscope = \"/" << scope << "\"\n"
                      << "extended = false\nkmsg = false\nsched_fifo_priority = 0\n"
                      << "dry_run = true\n"
                      << extra;
  return path;
}

// Datagrams until one contains `what` (returned), or nullopt at the deadline.
std::optional<std::string> wait_for(NotifySocket& s, const std::string& what,
                                    std::chrono::milliseconds within) {
  const auto deadline = Clock::now() + within;
  while (Clock::now() < deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    const auto msg = s.receive(left);
    if (msg && msg->find(what) != std::string::npos) return msg;
  }
  return std::nullopt;
}

TEST(SystemdContract, ReadyWatchdogReloadAndStop) {
  if (std::string why = testing::sandbox_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  Sandbox sandbox("oomguard-test-notify-" + std::to_string(getpid()), 64 << 20);
  ASSERT_TRUE(sandbox.ok()) << sandbox.error();
  NotifySocket sock;
  ASSERT_TRUE(sock.ok()) << std::strerror(errno);
  const std::string config = write_config(sandbox.name());
  setenv("NOTIFY_SOCKET", sock.path().c_str(), 1);
  setenv("WATCHDOG_USEC", "1000000", 1);  // WatchdogSec=1s: pings every 0.5 s at the latest
  Child core({OOMGUARD_CORE_PATH, "--config", config});
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");

  const auto ready = wait_for(sock, "READY=1", 10s);
  ASSERT_TRUE(ready.has_value()) << "no READY=1 within 10 s\n" << core.stderr_text();
  // Watchdog pings: count them over 3 s and find the longest gap.
  int pings = 0;
  auto last = Clock::now();
  std::chrono::milliseconds longest{0};
  const auto until = Clock::now() + 3s;
  while (Clock::now() < until) {
    const auto msg = sock.receive(1500ms);
    if (!msg) break;
    if (*msg == "WATCHDOG=1") {
      ++pings;
      longest = std::max(
          longest, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last));
      last = Clock::now();
    }
  }
  // ExecReload=: SIGHUP must not stop the core.
  kill(core.pid(), SIGHUP);
  const bool alive_after_hup = !core.wait(1s).has_value();
  kill(core.pid(), SIGTERM);
  const auto stopping = wait_for(sock, "STOPPING=1", 5s);
  const std::optional<int> status = core.wait(5s);
  const std::string log = core.stderr_text();
  unlink(config.c_str());

  EXPECT_GE(pings, 5) << "WATCHDOG=1 pings in 3 s with WATCHDOG_USEC=1 s\n" << log;
  EXPECT_LT(longest.count(), 1000) << "longest gap between pings (ms), WatchdogSec=1s\n" << log;
  EXPECT_TRUE(alive_after_hup) << log;
  EXPECT_TRUE(stopping.has_value()) << "no STOPPING=1 after SIGTERM\n" << log;
  ASSERT_TRUE(status.has_value()) << "core did not exit within 5 s of SIGTERM\n" << log;
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << log;
  std::printf("READY=1 %s; %d watchdog pings in 3 s, longest gap %lld ms\n",
              ready->find("STATUS=") != std::string::npos ? "with STATUS" : "alone", pings,
              static_cast<long long>(longest.count()));
}

TEST(SystemdContract, ConfigurationErrorExitsWithTwo) {
  const std::string config = write_config("", "no_such_key = 1\n");
  Child core({OOMGUARD_CORE_PATH, "--config", config});
  const std::optional<int> status = core.wait(10s);
  unlink(config.c_str());
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2) << core.stderr_text();
  EXPECT_NE(core.stderr_text().find("no_such_key"), std::string::npos) << core.stderr_text();
}

}  // namespace
}  // namespace oomguard

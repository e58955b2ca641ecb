#include "extended/bench/bench_sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace oomguard::extended::bench {
namespace {

// Paths for the async-signal-safe cleanup (signal handlers and atexit).
char g_v2_dir[512];
char g_v1_dir[512];

bool write_file(const char* path, const char* text) {
  const int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const auto len = strlen(text);
  const bool ok = write(fd, text, len) == static_cast<ssize_t>(len);
  close(fd);
  return ok;
}

void sleep_ms(long ms) {
  timespec ts{.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1'000'000};
  nanosleep(&ts, nullptr);
}

std::size_t count_procs(const std::string& dir) {
  std::ifstream in(dir + "/cgroup.procs");
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

// Async-signal-safe: cgroup.kill, reap (we are the subreaper), rmdir; bounded to ~5 s.
void emergency_cleanup() {
  if (g_v2_dir[0] == '\0') return;
  char path[600];
  snprintf(path, sizeof path, "%s/cgroup.kill", g_v2_dir);
  write_file(path, "1");
  for (int i = 0; i < 500; ++i) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (rmdir(g_v2_dir) == 0 || errno == ENOENT) break;
    sleep_ms(10);
  }
  if (g_v1_dir[0] != '\0') rmdir(g_v1_dir);
  g_v2_dir[0] = g_v1_dir[0] = '\0';
}

void on_signal(int sig) {
  emergency_cleanup();
  _exit(128 + sig);
}

[[noreturn]] void run_spawner(const std::string& v2_dir, const std::string& v1_dir,
                              std::size_t count, int report_fd) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  const std::string self = std::to_string(getpid());
  if (!write_file((v2_dir + "/cgroup.procs").c_str(), self.c_str()) ||
      (!v1_dir.empty() && !write_file((v1_dir + "/cgroup.procs").c_str(), self.c_str()))) {
    dprintf(report_fd, "cannot enter the sandbox cgroups: %s", strerror(errno));
    _exit(1);
  }
  for (std::size_t i = 0; i < count; ++i) {
    const pid_t pid = fork();
    if (pid < 0) {
      dprintf(report_fd, "fork %zu of %zu failed: %s", i + 1, count, strerror(errno));
      _exit(1);
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      for (;;) pause();
    }
  }
  dprintf(report_fd, "ok");
  close(report_fd);
  for (;;) pause();
}

}  // namespace

std::string Sandbox::create(const SandboxParams& params) {
  name_ = params.name;
  v2_dir_ = params.v2_root + "/" + name_;
  if (mkdir(v2_dir_.c_str(), 0755) != 0) {
    return "mkdir " + v2_dir_ + ": " + strerror(errno);
  }
  snprintf(g_v2_dir, sizeof g_v2_dir, "%s", v2_dir_.c_str());
  if (!params.v1_memory_root.empty()) {
    v1_dir_ = params.v1_memory_root + "/" + name_;
    if (mkdir(v1_dir_.c_str(), 0755) != 0) {
      const std::string err = "mkdir " + v1_dir_ + ": " + strerror(errno);
      v1_dir_.clear();
      destroy();
      return err;
    }
    snprintf(g_v1_dir, sizeof g_v1_dir, "%s", v1_dir_.c_str());
    const std::string limit = std::to_string(params.limit_bytes);
    if (!write_file((v1_dir_ + "/memory.limit_in_bytes").c_str(), limit.c_str())) {
      const std::string err = "cannot set memory.limit_in_bytes: " + std::string(strerror(errno));
      destroy();
      return err;
    }
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
  std::atexit(emergency_cleanup);
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // orphaned sleepers come back to us to be reaped
  return {};
}

std::string Sandbox::spawn(std::size_t count) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return std::string("pipe: ") + strerror(errno);
  spawner_ = fork();
  if (spawner_ < 0) return std::string("fork: ") + strerror(errno);
  if (spawner_ == 0) {
    close(fds[0]);
    run_spawner(v2_dir_, v1_dir_, count, fds[1]);
  }
  close(fds[1]);
  char report[256] = {};
  const ssize_t n = read(fds[0], report, sizeof report - 1);
  close(fds[0]);
  if (n <= 0 || std::strcmp(report, "ok") != 0) {
    return n > 0 ? std::string(report) : std::string("the spawner died");
  }
  for (int i = 0; i < 1000 && count_procs(v2_dir_) < count + 1; ++i) sleep_ms(10);
  const std::size_t in = count_procs(v2_dir_);
  if (in < count + 1) return "only " + std::to_string(in) + " processes in the sandbox";
  return {};
}

void Sandbox::destroy() {
  if (v2_dir_.empty()) return;
  if (!write_file((v2_dir_ + "/cgroup.kill").c_str(), "1")) {
    // No cgroup.kill (kernel < 5.14): SIGKILL each member; all of them are ours.
    std::ifstream in(v2_dir_ + "/cgroup.procs");
    for (std::string line; std::getline(in, line);) kill(std::atoi(line.c_str()), SIGKILL);
  }
  for (int i = 0; i < 1000; ++i) {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    if (count_procs(v2_dir_) == 0 && rmdir(v2_dir_.c_str()) == 0) break;
    sleep_ms(10);
  }
  if (rmdir(v2_dir_.c_str()) != 0 && errno != ENOENT) {
    std::fprintf(stderr, "warning: could not remove %s: %s\n", v2_dir_.c_str(), strerror(errno));
  }
  if (!v1_dir_.empty() && rmdir(v1_dir_.c_str()) != 0 && errno != ENOENT) {
    std::fprintf(stderr, "warning: could not remove %s: %s\n", v1_dir_.c_str(), strerror(errno));
  }
  v2_dir_.clear();
  v1_dir_.clear();
  g_v2_dir[0] = g_v1_dir[0] = '\0';
  spawner_ = -1;
}

}  // namespace oomguard::extended::bench

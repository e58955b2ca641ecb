#include "tests/support/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "tools/hog/cgroup_join.h"

namespace oomguard::testing {
using hog::CgroupHierarchies;
using hog::detect_cgroup_hierarchies;
namespace {

using Clock = std::chrono::steady_clock;

bool write_text(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  return ok;
}

std::vector<pid_t> read_pids(const std::string& path) {
  std::vector<pid_t> out;
  std::istringstream in(read_text(path));
  pid_t pid = 0;
  while (in >> pid) out.push_back(pid);
  return out;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

}  // namespace

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string sandbox_unavailable_reason() {
  if (geteuid() != 0) return "needs root to create cgroups";
  const CgroupHierarchies h = detect_cgroup_hierarchies();
  if (h.v1_memory.empty()) return "no cgroup v1 memory controller at /sys/fs/cgroup/memory";
  if (h.v2.empty()) return "no cgroup2 hierarchy at /sys/fs/cgroup/unified";
  if (!exists(h.v2 + "/cgroup.procs")) return "cgroup2 hierarchy unreadable";
  return {};
}

Sandbox::Sandbox(std::string name, std::uint64_t limit_bytes) : name_(std::move(name)) {
  const CgroupHierarchies h = detect_cgroup_hierarchies();
  v1_ = h.v1_memory + "/" + name_;
  v2_ = h.v2 + "/" + name_;
  if (mkdir(v1_.c_str(), 0755) != 0) {
    error_ = "mkdir " + v1_ + ": " + std::strerror(errno);
    return;
  }
  made_v1_ = true;
  const std::string limit = std::to_string(limit_bytes);
  if (!write_text(v1_ + "/memory.limit_in_bytes", limit)) {
    error_ = "cannot set " + v1_ + "/memory.limit_in_bytes";
    return;
  }
  // No swapping inside the sandbox, even if swap appears while the test runs.
  if (exists(v1_ + "/memory.memsw.limit_in_bytes") &&
      !write_text(v1_ + "/memory.memsw.limit_in_bytes", limit)) {
    error_ = "cannot set " + v1_ + "/memory.memsw.limit_in_bytes";
    return;
  }
  if (mkdir(v2_.c_str(), 0755) != 0) {
    error_ = "mkdir " + v2_ + ": " + std::strerror(errno);
    return;
  }
  made_v2_ = true;
  if (!exists(v2_ + "/cgroup.kill")) error_ = "kernel has no cgroup.kill (needs 5.14)";
}

std::vector<pid_t> Sandbox::procs_v1() const { return read_pids(v1_ + "/cgroup.procs"); }
std::vector<pid_t> Sandbox::procs_v2() const { return read_pids(v2_ + "/cgroup.procs"); }

std::uint64_t Sandbox::v1_value(const std::string& file) const {
  std::uint64_t v = 0;
  std::istringstream(read_text(v1_ + "/" + file)) >> v;
  return v;
}

std::uint64_t Sandbox::v1_keyed(const std::string& file, const std::string& key) const {
  std::istringstream in(read_text(v1_ + "/" + file));
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

bool Sandbox::kill_all() {
  if (made_v2_) write_text(v2_ + "/cgroup.kill", "1");
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    if ((!made_v1_ || procs_v1().empty()) && (!made_v2_ || procs_v2().empty())) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

Sandbox::~Sandbox() {
  kill_all();
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (made_v2_ && rmdir(v2_.c_str()) == 0) made_v2_ = false;
    if (made_v1_ && rmdir(v1_.c_str()) == 0) made_v1_ = false;
    if (!made_v1_ && !made_v2_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Child::Child(const std::vector<std::string>& argv) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return;
  if (pipe2(err, O_CLOEXEC) != 0) {
    close(out[0]);
    close(out[1]);
    return;
  }
  std::vector<char*> args;
  std::vector<std::string> copy = argv;
  for (std::string& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  pid_ = fork();
  if (pid_ == 0) {
    dup2(out[1], STDOUT_FILENO);
    dup2(err[1], STDERR_FILENO);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  out_fd_ = out[0];
  err_fd_ = err[0];
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

std::optional<std::string> Child::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (auto nl = out_buf_.find('\n'); nl != std::string::npos) {
      std::string line = out_buf_.substr(0, nl);
      out_buf_.erase(0, nl + 1);
      return line;
    }
    if (out_eof_ || out_fd_ < 0) return std::nullopt;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{.fd = out_fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    char buf[4096];
    const ssize_t n = read(out_fd_, buf, sizeof buf);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      out_eof_ = true;
    } else {
      out_buf_.append(buf, static_cast<std::size_t>(n));
    }
  }
}

std::optional<int> Child::wait(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      return status;
    }
    if (r < 0 || Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::vector<std::string> Child::rest_of_stdout() {
  std::vector<std::string> lines;
  while (auto line = read_line(std::chrono::milliseconds(2000))) lines.push_back(*line);
  if (!out_buf_.empty()) lines.push_back(std::exchange(out_buf_, {}));
  return lines;
}

std::string Child::stderr_text() {
  std::string text;
  char buf[4096];
  while (err_fd_ >= 0) {
    pollfd p{.fd = err_fd_, .events = POLLIN, .revents = 0};
    if (poll(&p, 1, 1000) <= 0) break;
    const ssize_t n = read(err_fd_, buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace oomguard::testing

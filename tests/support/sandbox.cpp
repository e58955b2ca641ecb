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

#include "tests/support/emergency.h"
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

// True when the whitespace-separated `text` contains `word`.
bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w == word) return true;
  }
  return false;
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

std::string memory_sandbox_unavailable_reason() {
  if (geteuid() != 0) return "needs root to create cgroups";
  const CgroupHierarchies h = detect_cgroup_hierarchies();
  if (h.v2.empty()) return "no cgroup2 hierarchy (neither /sys/fs/cgroup nor .../unified)";
  if (!exists(h.v2 + "/cgroup.procs")) return "cgroup2 hierarchy unreadable";
  if (h.v1_memory.empty() && !has_word(read_text(h.v2 + "/cgroup.controllers"), "memory")) {
    return "no memory controller (neither cgroup v1 memory nor memory in cgroup2)";
  }
  return {};
}

Sandbox::Sandbox(std::string name, std::uint64_t limit_bytes)
    : Sandbox(SandboxParams{.name = std::move(name), .limit_bytes = limit_bytes}) {}

Sandbox::Sandbox(const SandboxParams& params) : name_(params.name) { create(params); }

void Sandbox::create(const SandboxParams& p) {
  const bool nested = name_.find('/') != std::string::npos;
  if (name_.empty() || name_.front() == '/' || name_.back() == '/') {
    error_ = "bad sandbox name '" + name_ + "'";
    return;
  }
  if (!nested && (p.limit_bytes == 0 || p.limit_bytes > kMaxSandboxLimitBytes)) {
    error_ = "a top-level sandbox needs a memory limit of at most 2 GiB";
    return;
  }
  const CgroupHierarchies h = detect_cgroup_hierarchies();
  if (h.v2.empty()) {
    error_ = "no cgroup2 hierarchy";
    return;
  }
  if (!h.v1_memory.empty()) {
    v1_ = h.v1_memory + "/" + name_;
    if (mkdir(v1_.c_str(), 0755) != 0) {
      error_ = "mkdir " + v1_ + ": " + std::strerror(errno);
      return;
    }
    made_v1_ = true;
    slot_v1_ = emergency::add_cgroup(v1_.c_str());
    if (!set_limits_v1(p)) return;
  }
  v2_ = h.v2 + "/" + name_;
  if (mkdir(v2_.c_str(), 0755) != 0) {
    error_ = "mkdir " + v2_ + ": " + std::strerror(errno);
    return;
  }
  made_v2_ = true;
  slot_v2_ = emergency::add_cgroup(v2_.c_str());
  if (!exists(v2_ + "/cgroup.kill")) {
    error_ = "kernel has no cgroup.kill (needs 5.14)";
    return;
  }
  if (v1_.empty()) set_limits_v2(p);
}

bool Sandbox::set_limits_v1(const SandboxParams& p) {
  if (p.limit_bytes == 0) return true;
  if (!write_text(v1_ + "/memory.limit_in_bytes", std::to_string(p.limit_bytes))) {
    error_ = "cannot set " + v1_ + "/memory.limit_in_bytes";
    return false;
  }
  // memsw = limit: no swapping inside the sandbox, even if swap appears while the test runs.
  const std::string memsw = std::to_string(p.limit_bytes + p.swap_bytes);
  if (exists(v1_ + "/memory.memsw.limit_in_bytes") &&
      !write_text(v1_ + "/memory.memsw.limit_in_bytes", memsw)) {
    error_ = "cannot set " + v1_ + "/memory.memsw.limit_in_bytes";
    return false;
  }
  return true;
}

bool Sandbox::set_limits_v2(const SandboxParams& p) {
  const std::size_t slash = v2_.find_last_of('/');
  const std::string parent = v2_.substr(0, slash);
  const bool nested = name_.find('/') != std::string::npos;
  // Our own parent sandbox delegates the memory controller; the root must already do so.
  if (!has_word(read_text(parent + "/cgroup.subtree_control"), "memory") &&
      (!nested || !write_text(parent + "/cgroup.subtree_control", "+memory")) &&
      p.limit_bytes != 0) {
    error_ = "memory controller not enabled in " + parent + "/cgroup.subtree_control";
    return false;
  }
  if (p.limit_bytes == 0) return true;
  if (!write_text(v2_ + "/memory.max", std::to_string(p.limit_bytes))) {
    error_ = "cannot set " + v2_ + "/memory.max";
    return false;
  }
  if (exists(v2_ + "/memory.swap.max") &&
      !write_text(v2_ + "/memory.swap.max", std::to_string(p.swap_bytes))) {
    error_ = "cannot set " + v2_ + "/memory.swap.max";
    return false;
  }
  return true;
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

std::string Sandbox::set_limit(std::uint64_t limit_bytes, std::uint64_t swap_bytes) {
  if (limit_bytes == 0) return "a limit of 0";
  if (!has_v1()) {
    if (!write_text(v2_ + "/memory.max", std::to_string(limit_bytes))) return "memory.max refused";
    if (exists(v2_ + "/memory.swap.max") &&
        !write_text(v2_ + "/memory.swap.max", std::to_string(swap_bytes))) {
      return "memory.swap.max refused";
    }
    return {};
  }
  // memsw >= limit at every step: raise memsw first when growing, lower it last when shrinking.
  const std::string memsw_file = v1_ + "/memory.memsw.limit_in_bytes";
  const bool memsw = exists(memsw_file);
  const bool growing = limit_bytes > v1_value("memory.limit_in_bytes");
  const std::string memsw_value = std::to_string(limit_bytes + swap_bytes);
  if (memsw && growing && !write_text(memsw_file, memsw_value)) return "memsw limit refused";
  // EBUSY: the kernel could not reclaim down to the new limit in one go; it keeps what it got.
  bool set = false;
  for (int attempt = 0; attempt < 10 && !set; ++attempt) {
    set = write_text(v1_ + "/memory.limit_in_bytes", std::to_string(limit_bytes));
    if (!set && errno != EBUSY) break;
  }
  if (!set) return std::string("memory.limit_in_bytes refused: ") + std::strerror(errno);
  if (memsw && !growing && !write_text(memsw_file, memsw_value)) return "memsw limit refused";
  return {};
}

std::uint64_t Sandbox::usage_bytes() const {
  if (has_v1()) return v1_value("memory.usage_in_bytes");
  std::uint64_t v = 0;
  std::istringstream(read_text(v2_ + "/memory.current")) >> v;
  return v;
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
    if (!made_v1_ && !made_v2_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Removed (or hopeless after 5 s): the signal-time cleanup has nothing left to do here.
  emergency::remove(slot_v2_);
  emergency::remove(slot_v1_);
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

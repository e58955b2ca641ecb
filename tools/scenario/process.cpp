#include "tools/scenario/process.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <utility>

namespace oomguard::scenario {
namespace {

void sleep_ms(int ms) {
  timespec ts{.tv_sec = ms / 1000, .tv_nsec = static_cast<long>(ms % 1000) * 1'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Why the child could not exec, sent over a close-on-exec pipe (EOF = exec succeeded).
enum class SetupFailure : char { kDeathSignal = 1, kCgroup, kOutput, kExec };

const char* failure_text(SetupFailure f) {
  switch (f) {
    case SetupFailure::kDeathSignal:
      return "the runner died before the child started";
    case SetupFailure::kCgroup:
      return "cannot join a cgroup";
    case SetupFailure::kOutput:
      return "cannot open an output file";
    case SetupFailure::kExec:
      return "exec failed";
  }
  return "?";
}

[[noreturn]] void fail(int report_fd, SetupFailure why) {
  const char code = static_cast<char>(why);
  (void)!write(report_fd, &code, 1);
  _exit(127);
}

// Decimal pid text without stdio (async-signal-safe).
std::size_t format_pid(pid_t pid, char* out) {
  char digits[16];
  std::size_t n = 0;
  for (auto v = static_cast<unsigned>(pid); n == 0 || v > 0; v /= 10) {
    digits[n++] = static_cast<char>('0' + v % 10);
  }
  for (std::size_t i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
  return n;
}

struct ChildSetup {
  char* const* argv;
  const std::vector<const char*>* procs_files;
  const char* out_path;
  const char* err_path;  // nullptr = same as out
  pid_t parent;
  int report_fd;
};

// In the child between fork and exec: only async-signal-safe calls, no allocation.
[[noreturn]] void exec_child(const ChildSetup& c) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != c.parent) fail(c.report_fd, SetupFailure::kDeathSignal);
  char pid_text[16];
  const std::size_t n = format_pid(getpid(), pid_text);
  for (const char* file : *c.procs_files) {
    const int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, pid_text, n) != static_cast<ssize_t>(n)) {
      fail(c.report_fd, SetupFailure::kCgroup);
    }
    close(fd);
  }
  const int out = open(c.out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) fail(c.report_fd, SetupFailure::kOutput);
  int err = out;
  if (c.err_path != nullptr) {
    err = open(c.err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err < 0) fail(c.report_fd, SetupFailure::kOutput);
  }
  const int null_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_in < 0 || dup2(null_in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
      dup2(err, STDERR_FILENO) < 0) {
    fail(c.report_fd, SetupFailure::kOutput);
  }
  execv(c.argv[0], c.argv);
  fail(c.report_fd, SetupFailure::kExec);
}

}  // namespace

Process::~Process() {
  if (pid_ > 0 && !status_) kill_and_reap();
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
  }
  return *this;
}

std::string Process::spawn(const SpawnParams& p, Process* out) {
  if (p.argv.empty()) return "no argv";
  std::vector<std::string> argv_copy = p.argv;
  std::vector<char*> argv;
  for (std::string& a : argv_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> procs;
  for (const std::string& dir : p.cgroup_dirs) procs.push_back(dir + "/cgroup.procs");
  std::vector<const char*> procs_files;
  for (const std::string& f : procs) procs_files.push_back(f.c_str());
  const std::string out_path = p.stdout_path.empty() ? "/dev/null" : p.stdout_path;
  const char* err_path = p.stderr_path.empty() ? nullptr : p.stderr_path.c_str();
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return std::string("pipe2: ") + std::strerror(errno);
  const ChildSetup setup{.argv = argv.data(),
                         .procs_files = &procs_files,
                         .out_path = out_path.c_str(),
                         .err_path = err_path,
                         .parent = getpid(),
                         .report_fd = report[1]};
  const pid_t pid = fork();
  if (pid == 0) exec_child(setup);
  close(report[1]);
  if (pid < 0) {
    close(report[0]);
    return std::string("fork: ") + std::strerror(errno);
  }
  *out = Process();
  out->pid_ = pid;
  char code = 0;
  ssize_t n;
  while ((n = read(report[0], &code, 1)) < 0 && errno == EINTR) {
  }
  close(report[0]);
  if (n == 1) {
    out->wait(5000);
    return "cannot start " + p.argv[0] + ": " + failure_text(static_cast<SetupFailure>(code));
  }
  return {};
}

std::optional<int> Process::poll() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = status;
  return status_;
}

std::optional<int> Process::wait(int timeout_ms) {
  for (int waited = 0; !poll() && waited < timeout_ms; waited += 10) sleep_ms(10);
  return status_;
}

void Process::signal(int sig) const {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

void Process::kill_and_reap() {
  signal(SIGKILL);
  wait(10'000);
}

std::string describe_status(const std::optional<int>& status) {
  if (!status) return "running";
  if (WIFEXITED(*status)) return "exit " + std::to_string(WEXITSTATUS(*status));
  if (WIFSIGNALED(*status)) {
    const char* abbrev = sigabbrev_np(WTERMSIG(*status));
    return abbrev != nullptr ? std::string("SIG") + abbrev
                             : "signal " + std::to_string(WTERMSIG(*status));
  }
  return "status " + std::to_string(*status);
}

std::vector<std::string> FileTail::read_lines() {
  std::vector<std::string> lines;
  std::ifstream in(path_, std::ios::binary);
  if (!in) return lines;
  in.seekg(static_cast<std::streamoff>(offset_));
  std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  offset_ += chunk.size();
  partial_ += chunk;
  std::size_t pos = 0;
  for (std::size_t nl; (nl = partial_.find('\n', pos)) != std::string::npos; pos = nl + 1) {
    lines.push_back(partial_.substr(pos, nl - pos));
  }
  partial_.erase(0, pos);
  return lines;
}

KmsgReader::~KmsgReader() {
  if (fd_ >= 0) close(fd_);
}

bool KmsgReader::open() {
  fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ < 0) return false;
  lseek(fd_, 0, SEEK_END);
  return true;
}

std::vector<std::string> KmsgReader::read_lines() {
  std::vector<std::string> lines;
  if (fd_ < 0) return lines;
  char buf[8192];
  for (int i = 0; i < 10000; ++i) {
    const ssize_t n = ::read(fd_, buf, sizeof buf - 1);
    if (n > 0) {
      lines.emplace_back(buf, static_cast<std::size_t>(n));
    } else if (n < 0 && errno == EPIPE) {
      continue;  // overwritten records: the next read returns the oldest available one
    } else {
      break;  // EAGAIN: nothing new
    }
  }
  return lines;
}

std::string sibling_binary(const std::string& name) {
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return {};
  std::string path(self, static_cast<std::size_t>(n));
  const std::size_t slash = path.find_last_of('/');
  return path.substr(0, slash + 1) + name;
}

}  // namespace oomguard::scenario

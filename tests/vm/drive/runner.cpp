#include "tests/vm/drive/runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <optional>

namespace oomguard::vmdrive {
namespace {

constexpr double kSampleS = 0.1;

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// A small kernel file read whole (/proc/meminfo, /proc/vmstat); "" on error.
std::string read_small(const char* path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

long meminfo_mib(std::string_view text, std::string_view key) {
  const std::size_t at = text.find(key);
  if (at == std::string_view::npos) return -1;
  std::size_t i = at + key.size();
  while (i < text.size() && text[i] == ' ') ++i;
  long kib = 0;
  std::from_chars(text.data() + i, text.data() + text.size(), kib);
  return kib / 1024;
}

std::int64_t vmstat_oom_kills() {
  const std::string text = read_small("/proc/vmstat");
  const std::size_t at = text.find("\noom_kill ");
  if (at == std::string::npos) return 0;
  return std::strtoll(text.c_str() + at + 10, nullptr, 10);
}

// In the child: join the cgroup, redirect output, exec. Never returns.
[[noreturn]] void exec_role(const RoleSpec& role, const std::string& log_path,
                            const sigset_t& old_mask) {
  sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  if (!role.cgroup_dir.empty()) {
    const std::string procs = role.cgroup_dir + "/cgroup.procs";
    const int fd = open(procs.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1) {
      std::fprintf(stderr, "drive: cannot join %s: %s\n", procs.c_str(), std::strerror(errno));
      _exit(126);
    }
    close(fd);
  }
  const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
  std::vector<char*> argv;
  for (const std::string& a : role.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  execvp(argv[0], argv.data());
  std::fprintf(stderr, "drive: exec %s: %s\n", argv[0], std::strerror(errno));
  _exit(127);
}

}  // namespace

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

Runner::~Runner() {
  stop_all();
  if (signal_fd_ >= 0) close(signal_fd_);
  if (psi_fd_ >= 0) close(psi_fd_);
  if (meminfo_fd_ >= 0) close(meminfo_fd_);
}

double Runner::now_s() const { return monotonic_s() - t0_mono_; }

std::string Runner::open_files() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGCHLD);
  // Blocked for the whole run (SIGCHLD arrives through the signalfd); children get the old mask.
  sigprocmask(SIG_BLOCK, &mask, &child_mask_);
  sigdelset(&child_mask_, SIGCHLD);
  signal_fd_ = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd_ < 0) return errno_text("signalfd");
  psi_fd_ = open(spec_.psi_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (psi_fd_ < 0) return errno_text("open " + spec_.psi_path);
  meminfo_fd_ = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
  if (meminfo_fd_ < 0) return errno_text("open /proc/meminfo");
  // Every sample of the run fits without a reallocation.
  const auto max_samples =
      static_cast<std::size_t>((spec_.timeout_s + spec_.settle_s + 60) / kSampleS);
  rows_.reserve(max_samples);
  tl_.psi.reserve(max_samples);
  return "";
}

std::string Runner::spawn(std::size_t index) {
  RoleRecord& r = tl_.roles[index];
  const std::string log = spec_.out_dir + "/" + r.spec.name + ".log";
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) return errno_text("fork");
  if (pid == 0) exec_role(r.spec, log, child_mask_);
  r.pid = pid;
  r.start_s = now_s();
  if (r.spec.canary) canary_start_mono_ = monotonic_s();
  return "";
}

// Reaps every ended child; true if any ended.
bool Runner::reap(double now_s_value) {
  signalfd_siginfo info{};
  while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
  }
  bool any = false;
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    for (RoleRecord& r : tl_.roles) {
      if (r.pid == pid && !r.end_s) {
        r.end_s = now_s_value;
        r.wait_status = status;
        any = true;
      }
    }
  }
  return any;
}

std::string Runner::wait_ready(std::size_t index) {
  const RoleRecord& r = tl_.roles[index];
  const std::string log = spec_.out_dir + "/" + r.spec.name + ".log";
  const double deadline = monotonic_s() + spec_.ready_timeout_s;
  while (monotonic_s() < deadline) {
    reap(now_s());
    if (r.end_s) return r.spec.name + " ended before it was ready (see " + log + ")";
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);) {
      if (is_ready_line(line)) return "";
    }
    poll(nullptr, 0, 100);
  }
  return r.spec.name + " not ready within " + std::to_string(spec_.ready_timeout_s) + " s";
}

void Runner::sample(double t_s, long tick) {
  const ssize_t n = pread(psi_fd_, read_buf_, sizeof read_buf_ - 1, 0);
  if (n <= 0) return;
  const auto p = parse_pressure(std::string_view(read_buf_, static_cast<std::size_t>(n)));
  if (!p) return;
  LogRow row{.t_s = t_s, .pressure = *p};
  if (tick % 5 == 0) {
    const ssize_t m = pread(meminfo_fd_, read_buf_, sizeof read_buf_ - 1, 0);
    if (m > 0) {
      const std::string_view text(read_buf_, static_cast<std::size_t>(m));
      row.avail_mib = meminfo_mib(text, "MemAvailable:");
      row.swap_free_mib = meminfo_mib(text, "SwapFree:");
    }
  }
  // Kept in memory (reserved, locked) and written at the end: a write to the log in the loop
  // could wait for page-cache memory in reclaim and hold up the samples.
  if (rows_.size() < rows_.capacity()) rows_.push_back(row);
  if (tl_.psi.size() < tl_.psi.capacity()) {
    tl_.psi.push_back({.t_s = t_s, .some_us = p->some.total_us, .full_us = p->full.total_us});
  }
}

void Runner::write_psi_log() const {
  const std::string path = spec_.out_dir + "/psi.log";
  std::FILE* f = std::fopen(path.c_str(), "we");
  if (f == nullptr) return;
  std::fprintf(f,
               "# t_s some_avg10 some_total_us full_avg10 full_total_us d_some_ms d_full_ms "
               "MemAvailable_MiB SwapFree_MiB\n");
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const Pressure& p = rows_[i].pressure;
    const Pressure& prev = rows_[i == 0 ? 0 : i - 1].pressure;
    std::fprintf(f, "%.2f %.2f %llu %.2f %llu %.1f %.1f %ld %ld\n", rows_[i].t_s, p.some.avg10,
                 static_cast<unsigned long long>(p.some.total_us), p.full.avg10,
                 static_cast<unsigned long long>(p.full.total_us),
                 static_cast<double>(p.some.total_us - prev.some.total_us) / 1000.0,
                 static_cast<double>(p.full.total_us - prev.full.total_us) / 1000.0,
                 rows_[i].avail_mib, rows_[i].swap_free_mib);
  }
  std::fclose(f);
}

void Runner::watch_incident(Timeline* out) {
  double next = kSampleS;
  long tick = 0;
  std::optional<double> stop_at;
  while (true) {
    double now = now_s();
    if (now >= next) {
      sample(now, ++tick);
      next += kSampleS;
      if (next <= now) next = (std::floor(now / kSampleS) + 1) * kSampleS;  // no catch-up burst
    }
    reap(now);
    if (!stop_at) {
      bool all_ended = true;
      double last_end = 0;
      for (const RoleRecord& r : tl_.roles) {
        if (!r.spec.target) continue;
        all_ended = all_ended && r.end_s.has_value();
        if (r.end_s) last_end = std::max(last_end, *r.end_s);
      }
      if (all_ended) {
        out->incident_end_s = last_end;
        stop_at = now + spec_.settle_s;
      } else if (now >= spec_.timeout_s) {
        for (RoleRecord& r : tl_.roles) {
          if (r.spec.target && !r.end_s) {
            r.killed_by_drive = true;
            kill(r.pid, SIGKILL);
          }
        }
        stop_at = now + spec_.settle_s;
      }
    }
    if (stop_at && now >= *stop_at) break;
    now = now_s();
    const double wait_s = std::min(next, stop_at.value_or(next)) - now;
    pollfd pfd{.fd = signal_fd_, .events = POLLIN, .revents = 0};
    poll(&pfd, 1, std::max(0, static_cast<int>(std::ceil(wait_s * 1000))));
  }
  out->stop_s = now_s();
}

void Runner::stop_all() {
  for (RoleRecord& r : tl_.roles) {
    if (r.pid <= 0 || r.end_s) continue;
    r.killed_by_drive = true;
    kill(r.pid, SIGKILL);
    int status = 0;
    if (waitpid(r.pid, &status, 0) == r.pid) {
      r.end_s = now_s();
      r.wait_status = status;
    }
  }
}

void Runner::read_canary(Timeline* out) const {
  if (canary_start_mono_ < 0) return;
  for (const RoleRecord& r : tl_.roles) {
    if (!r.spec.canary) continue;
    std::ifstream in(spec_.out_dir + "/" + r.spec.name + ".log");
    for (std::string line; std::getline(in, line);) {
      if (auto c = parse_canary_line(line)) {
        // hog's canary counts from its own start (about when we spawned it).
        c->t_s = c->mono_s ? *c->mono_s - t0_mono_ : c->t_s + canary_start_mono_ - t0_mono_;
        out->canary.push_back(*c);
      }
    }
  }
}

std::string Runner::start_first_roles() {
  for (std::size_t i = 0; i < tl_.roles.size(); ++i) {
    if (!tl_.roles[i].spec.first) continue;
    if (std::string e = spawn(i); !e.empty()) return e;
    if (std::string e = wait_ready(i); !e.empty()) return e;
  }
  const double warm_end = monotonic_s() + spec_.warm_s;
  while (monotonic_s() < warm_end) {
    poll(nullptr, 0, 50);
    reap(now_s());
    for (const RoleRecord& r : tl_.roles) {
      if (r.end_s) return r.spec.name + " ended before the incident";
    }
  }
  return "";
}

std::string Runner::run(Timeline* out) {
  t0_mono_ = monotonic_s();
  if (std::string e = open_files(); !e.empty()) return e;
  // The drive's own page faults must not delay its samples; a few MiB.
  if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
    std::fprintf(stderr, "drive: warning: mlockall: %s\n", std::strerror(errno));
  }
  for (const RoleSpec& spec : spec_.roles) {
    RoleRecord r;
    r.spec = spec;
    tl_.roles.push_back(std::move(r));
  }
  if (std::string e = start_first_roles(); !e.empty()) return e;
  // The incident's clock starts now; the first roles started before it (negative times).
  const double shift = now_s();
  for (RoleRecord& r : tl_.roles) r.start_s -= shift;
  t0_mono_ += shift;
  const std::int64_t oom_kills_before = vmstat_oom_kills();
  sample(0, 0);
  for (std::size_t i = 0; i < tl_.roles.size(); ++i) {
    if (tl_.roles[i].spec.first) continue;
    if (std::string e = spawn(i); !e.empty()) return e;
  }
  out->timeout_s = spec_.timeout_s;
  watch_incident(out);
  stop_all();
  read_canary(out);
  write_psi_log();
  out->kernel_oom_kills = vmstat_oom_kills() - oom_kills_before;
  out->psi = tl_.psi;
  out->roles = tl_.roles;
  return "";
}

}  // namespace oomguard::vmdrive

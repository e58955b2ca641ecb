#include "tools/scenario/daemon.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <thread>

#include "shm/heartbeat.h"

namespace oomguard::scenario {
namespace {

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000 +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// The fd number of core's memfd region ("/memfd:oomguard (deleted)"), or -1.
int find_region_fd(pid_t core) {
  const std::string dir = "/proc/" + std::to_string(core) + "/fd";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return -1;
  int found = -1;
  while (const dirent* e = readdir(d)) {
    char target[PATH_MAX];
    const std::string link = dir + "/" + e->d_name;
    const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
    if (n <= 0) continue;
    target[n] = '\0';
    if (std::string_view(target).rfind("/memfd:oomguard", 0) == 0) {
      const std::string_view name = e->d_name;
      std::from_chars(name.data(), name.data() + name.size(), found);
      break;
    }
  }
  closedir(d);
  return found;
}

}  // namespace

std::string Daemon::start(const DaemonParams& p) {
  std::vector<std::string> argv = {p.core_path, "--config", p.config_path};
  if (p.mode == Mode::kCoreAlone) argv.push_back("--no-extended");
  if (p.mode == Mode::kDryRun) argv.push_back("--dry-run");
  const std::string error = Process::spawn(
      {.argv = argv, .cgroup_dirs = p.cgroup_dirs, .stdout_path = p.log_path, .stderr_path = ""},
      &core_);
  if (!error.empty()) return error;
  log_.emplace(p.log_path);
  mode_ = p.mode;
  stopped_ = false;
  return {};
}

bool Daemon::attach_region() {
  if (region_.usable()) return true;
  const int n = find_region_fd(core_.pid());
  if (n < 0) return false;
  const std::string path = "/proc/" + std::to_string(core_.pid()) + "/fd/" + std::to_string(n);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const int rc = shm::Region::attach(fd, shm::Access::kReadOnly, &region_);
  close(fd);  // the Region keeps its own duplicate
  return rc == 0;
}

std::string Daemon::wait_ready(double timeout_s, double (*now_s)()) {
  const double deadline = now_s() + timeout_s;
  while (now_s() < deadline) {
    poll_log(now_s());
    if (core_.poll()) return "oomguard-core exited: " + describe_status(core_.status());
    bool steady = false;
    for (const SeenLine& l : lines_) steady = steady || l.text.find("steady state") != l.text.npos;
    const bool region = attach_region();
    if (steady && region && !mode_runs_extended(mode_)) return {};
    if (steady && region && extended_pid() > 0 && ranking_generation() > 0) {
      const std::optional<double> age = extended_heartbeat_age_s();
      if (age && *age < 2.0) return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "oomguard not ready within " + std::to_string(static_cast<int>(timeout_s)) + " s";
}

std::vector<SeenLine> Daemon::poll_log(double t_s) {
  std::vector<SeenLine> fresh;
  if (!log_) return fresh;
  for (std::string& text : log_->read_lines()) {
    SeenLine l{.t_s = t_s, .text = std::move(text), .parsed = {}};
    l.parsed = parse_core_line(l.text);
    lines_.push_back(l);
    fresh.push_back(std::move(l));
  }
  return fresh;
}

std::string Daemon::log_text() const {
  std::string text;
  for (const SeenLine& l : lines_) text += l.text + "\n";
  return text;
}

pid_t Daemon::extended_pid() const {
  if (!region_.usable()) return 0;
  return region_.header().extended_pid.load(std::memory_order_relaxed);
}

std::optional<double> Daemon::extended_heartbeat_age_s() const {
  if (!region_.usable()) return std::nullopt;
  const std::uint64_t beat = shm::extended_heartbeat_ns(region_);
  if (beat == 0) return std::nullopt;
  const std::uint64_t now = monotonic_ns();
  return now > beat ? static_cast<double>(now - beat) / 1e9 : 0.0;
}

std::uint64_t Daemon::ranking_generation() const {
  if (!region_.usable()) return 0;
  return region_.ranking_control().head_generation.load(std::memory_order_acquire);
}

int Daemon::extended_starts() const {
  int n = 0;
  for (const SeenLine& l : lines_) n += l.parsed.kind == CoreLine::Kind::kExtendedStarted;
  return n;
}

std::string Daemon::new_ranking_text(std::uint64_t* seen, std::size_t max_entries) {
  if (!region_.usable()) return {};
  if (!reader_) reader_ = std::make_unique<shm::RankingReader>(region_);
  reader_->read();
  const shm::Snapshot* snap = reader_->last_good();
  if (snap == nullptr || snap->generation == *seen) return {};
  *seen = snap->generation;
  const std::uint64_t now = monotonic_ns();
  char head[96];
  std::snprintf(head, sizeof head, "gen %llu, %u entries, created %.2f s ago:",
                static_cast<unsigned long long>(snap->generation), snap->count,
                now > snap->created_ns ? static_cast<double>(now - snap->created_ns) / 1e9 : 0.0);
  std::string text = head;
  constexpr double kMiB = 1024.0 * 1024.0;
  for (std::uint32_t i = 0; i < snap->count && i < max_entries; ++i) {
    const shm::RankingEntry& e = snap->entries[i];
    char item[192];
    std::snprintf(
        item, sizeof item,
        " [%u] %s %d (%s) /%s prio %d rss %.0f MiB badness %.0f MiB growth %.1f MiB/s;", i,
        e.kind == static_cast<std::uint8_t>(shm::EntryKind::kCgroup) ? "cgroup" : "pid", e.pid,
        e.comm, e.cgroup_path, e.priority, static_cast<double>(e.rss_swap_bytes) / kMiB,
        static_cast<double>(e.badness) / kMiB, static_cast<double>(e.growth_bytes_per_s) / kMiB);
    text += item;
  }
  return text;
}

std::string Daemon::stop() {
  if (stopped_) return {};
  stopped_ = true;
  std::string problems;
  const pid_t ext = extended_pid();
  if (ext > 0) kill(ext, SIGCONT);
  core_.signal(SIGTERM);
  if (!core_.wait(5000)) {
    problems += "oomguard-core did not exit within 5 s of SIGTERM (SIGKILLed); ";
    core_.kill_and_reap();
  }
  // extended leaves when core is gone (its core watch); give it the same time.
  for (int i = 0; ext > 0 && i < 50 && kill(ext, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (ext > 0 && kill(ext, 0) == 0) {
    problems +=
        "oomguard-extended (pid " + std::to_string(ext) + ") still running 5 s after core exited; ";
  }
  reader_.reset();
  region_ = shm::Region();
  return problems;
}

}  // namespace oomguard::scenario

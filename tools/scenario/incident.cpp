// Set-up and teardown of one run (the sampling loop is in incident_loop.cpp).
#include "tools/scenario/incident.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <thread>

#include "tools/hog/cgroup_join.h"
#include "tools/hog/json.h"

namespace oomguard::scenario {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kDaemonHeadroomMiB = 512;

}  // namespace

double monotonic_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::vector<std::string> Incident::cgroup_dirs(const std::string& relative) const {
  const hog::CgroupHierarchies h = hog::detect_cgroup_hierarchies();
  std::vector<std::string> dirs;
  if (!h.v1_memory.empty()) dirs.push_back(h.v1_memory + "/" + relative);
  dirs.push_back(h.v2 + "/" + relative);
  return dirs;
}

std::string Incident::make_cgroups() {
  using testing::Sandbox;
  using testing::SandboxParams;
  const std::uint64_t sb_mib = std::max(spec_.limit_mib, spec_.start_limit_mib);
  const std::uint64_t top_mib = std::min<std::uint64_t>(
      sb_mib + spec_.swap_mib + kDaemonHeadroomMiB, testing::kMaxSandboxLimitBytes / kMiB);
  sb_ = p_.top + "/sb";
  std::vector<SandboxParams> wanted = {
      {.name = p_.top, .limit_bytes = top_mib * kMiB, .swap_bytes = 0},
      {.name = p_.top + "/daemon", .limit_bytes = 0, .swap_bytes = 0},
      {.name = sb_, .limit_bytes = sb_mib * kMiB, .swap_bytes = spec_.swap_mib * kMiB}};
  for (const CgroupSpec& c : spec_.cgroups) {
    wanted.push_back(
        {.name = sb_ + "/" + c.name, .limit_bytes = c.limit_mib * kMiB, .swap_bytes = 0});
  }
  for (const SandboxParams& w : wanted) {
    cgroups_.push_back(std::make_unique<Sandbox>(w));
    if (!cgroups_.back()->ok()) return "cgroup " + w.name + ": " + cgroups_.back()->error();
  }
  return {};
}

std::string Incident::start_role(const RoleSpec& role) {
  std::vector<std::string> argv = {p_.hog_path, "--comm",        role.name,
                                   "--json",    "--interval-ms", "500"};
  for (const std::string& a : role.args) argv.push_back(substitute(a, "run", p_.run_dir));
  Process proc;
  const std::string error = Process::spawn({.argv = argv,
                                            .cgroup_dirs = cgroup_dirs(sb_ + "/" + role.cgroup),
                                            .stdout_path = p_.run_dir + "/" + role.name + ".out",
                                            .stderr_path = p_.run_dir + "/" + role.name + ".err"},
                                           &proc);
  if (!error.empty()) return "role " + role.name + ": " + error;
  pids_.push_back(proc.pid());
  for (std::size_t i = 0; i < spec_.roles.size(); ++i) {
    if (spec_.roles[i].name == role.name) roles_[i] = std::move(proc);
  }
  return {};
}

// Until the role's JSON progress reports that it holds its memory: anon "hold" or "retouch",
// thrash "read" (the file exists and is being re-read).
std::string Incident::wait_role_holding(std::size_t index, double timeout_s) {
  const RoleSpec& role = spec_.roles[index];
  FileTail out(p_.run_dir + "/" + role.name + ".out");
  const double deadline = monotonic_s() + timeout_s;
  while (monotonic_s() < deadline) {
    for (const std::string& line : out.read_lines()) {
      auto v = hog::parse_json(line);
      if (!v.ok()) continue;
      const hog::JsonValue* phase = v->find("phase");
      if (phase == nullptr) continue;
      const std::string& name = phase->as_string();
      if (name == "hold" || name == "retouch" || name == "read") return {};
    }
    if (roles_[index].poll()) {
      return "role " + role.name +
             " ended before holding its memory: " + describe_status(roles_[index].status());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return "role " + role.name + " did not reach its hold phase in time";
}

std::string Incident::start_daemon() {
  const std::string config = p_.run_dir + "/oomguard.toml";
  std::ofstream(config) << render_config({.spec = &spec_,
                                          .mode = p_.mode,
                                          .sandbox_cgroup = "/" + sb_,
                                          .kill_log_path = p_.run_dir + "/kills.jsonl"});
  std::string error = daemon_.start({.core_path = p_.core_path,
                                     .config_path = config,
                                     .mode = p_.mode,
                                     .cgroup_dirs = cgroup_dirs(p_.top + "/daemon"),
                                     .log_path = p_.run_dir + "/oomguard.log"});
  if (!error.empty()) return error;
  pids_.push_back(daemon_.core_pid());
  error = daemon_.wait_ready(20, monotonic_s);
  if (!error.empty()) return error + "\n" + daemon_.log_text();
  if (const pid_t ext = daemon_.extended_pid(); ext > 0) pids_.push_back(ext);
  return {};
}

std::string Incident::setup() {
  mkdir(p_.run_dir.c_str(), 0755);
  roles_.resize(spec_.roles.size());
  role_ended_.resize(spec_.roles.size());
  swaps_before_ = read_proc_swaps();
  if (std::string error = make_cgroups(); !error.empty()) return error;
  if (spec_.zram) {
    zram_.emplace();
    if (std::string error = ZramSwap::enable(*spec_.zram, &*zram_); !error.empty()) {
      return error;
    }
  }
  canary_start_ = monotonic_s();
  std::string error = Process::spawn({.argv = {p_.hog_path, "--comm", "canary", "--json", "canary"},
                                      .cgroup_dirs = cgroup_dirs(sb_ + "/" + spec_.canary_cgroup),
                                      .stdout_path = p_.run_dir + "/canary.out",
                                      .stderr_path = p_.run_dir + "/canary.err"},
                                     &canary_);
  if (!error.empty()) return "canary: " + error;
  pids_.push_back(canary_.pid());
  canary_out_.emplace(p_.run_dir + "/canary.out");
  // The roles that precede the incident run before oomguard starts: like processes that have
  // been running for a long time, oomguard never sees them grow (extended's growth estimate
  // would otherwise count their start-up allocation as growth for a whole growth window).
  for (std::size_t i = 0; i < spec_.roles.size(); ++i) {
    if (!spec_.roles[i].before_incident) continue;
    if (!(error = start_role(spec_.roles[i])).empty()) return error;
    if (!(error = wait_role_holding(i, 30)).empty()) return error;
  }
  if (mode_runs_daemon(p_.mode) && !(error = start_daemon()).empty()) return error;
  // A quiet second: the canary is warm and the pressure counters settle. With extended, two more
  // rankings, so the running workload is ranked before the incident starts.
  const std::uint64_t generation = daemon_.ranking_generation();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 0; mode_runs_extended(p_.mode) && i < 100; ++i) {
    if (daemon_.ranking_generation() >= generation + 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!pressure_.open(hog::detect_cgroup_hierarchies().v2 + "/" + sb_ + "/memory.pressure")) {
    return "cannot open the sandbox's memory.pressure";
  }
  kmsg_.open();
  return {};
}

void Incident::teardown() {
  for (Process& role : roles_) role.kill_and_reap();
  canary_.kill_and_reap();
  daemon_.stop();
  // Children before parents; each Sandbox kills what is left inside (cgroup.kill).
  while (!cgroups_.empty()) cgroups_.pop_back();
  if (zram_) zram_->disable();
  zram_.reset();
}

}  // namespace oomguard::scenario

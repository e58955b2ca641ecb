#include "tools/scenario/runner.h"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "tests/support/emergency.h"
#include "tests/support/sandbox.h"
#include "tools/hog/cgroup_join.h"
#include "tools/scenario/incident.h"

namespace oomguard::scenario {
namespace {

std::vector<std::string> hierarchy_roots() {
  const hog::CgroupHierarchies h = hog::detect_cgroup_hierarchies();
  std::vector<std::string> roots;
  if (!h.v2.empty()) roots.push_back(h.v2);  // first: cgroup.kill lives here
  if (!h.v1_memory.empty()) roots.push_back(h.v1_memory);
  return roots;
}

bool exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (const dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  return out;
}

// Removes a cgroup directory tree, children first (retrying while tasks exit).
bool remove_tree(const std::string& dir) {
  for (const std::string& child : subdirs(dir)) remove_tree(dir + "/" + child);
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool process_alive(pid_t pid) { return pid > 0 && (kill(pid, 0) == 0 || errno != ESRCH); }

// argv[0] of a live process, or "".
std::string argv0(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline");
  std::string first;
  std::getline(in, first, '\0');
  return first;
}

std::vector<std::string> leftovers(const std::string& top, const std::vector<pid_t>& pids,
                                   const RunnerParams& p) {
  std::vector<std::string> out;
  for (const std::string& root : hierarchy_roots()) {
    if (exists(root + "/" + top)) out.push_back("cgroup " + root + "/" + top + " still exists");
  }
  const std::string extended =
      p.core_path.substr(0, p.core_path.find_last_of('/') + 1) + "oomguard-extended";
  for (const pid_t pid : pids) {
    if (!process_alive(pid)) continue;
    const std::string exe = argv0(pid);
    if (exe == p.hog_path || exe == p.core_path || exe == extended) {
      out.push_back("process " + std::to_string(pid) + " (" + exe + ") still running");
    }
  }
  return out;
}

}  // namespace

std::string sweep_stale_cgroups(const std::string& prefix) {
  std::string report;
  const std::string lead = prefix + "-";
  for (const std::string& root : hierarchy_roots()) {
    for (const std::string& name : subdirs(root)) {
      if (name.rfind(lead, 0) != 0) continue;
      pid_t owner = 0;
      std::from_chars(name.data() + lead.size(), name.data() + name.size(), owner);
      if (owner <= 0 || process_alive(owner)) continue;
      const std::string dir = root + "/" + name;
      if (std::ofstream kill_file{dir + "/cgroup.kill"}) kill_file << "1";
      report += dir + " (owner pid " + std::to_string(owner) +
                " gone): " + (remove_tree(dir) ? "removed" : "COULD NOT BE REMOVED") + "\n";
    }
  }
  return report;
}

Runner::Runner(RunnerParams params) : p_(std::move(params)) {
  testing::emergency::install_handlers();
  if (geteuid() == 0) sweep_report_ = sweep_stale_cgroups(p_.prefix) + sweep_stale_zram();
}

std::string Runner::unavailable_reason(const ScenarioSpec& spec, Mode mode) const {
  if (std::string why = testing::memory_sandbox_unavailable_reason(); !why.empty()) return why;
  if (access(p_.hog_path.c_str(), X_OK) != 0) return "no hog binary at " + p_.hog_path;
  if (mode_runs_daemon(mode) && access(p_.core_path.c_str(), X_OK) != 0) {
    return "no oomguard-core binary at " + p_.core_path;
  }
  if (spec.zram) return ZramSwap::unavailable_reason();
  return {};
}

RunResult Runner::run(const ScenarioSpec& spec, Mode mode) {
  RunResult r;
  r.scenario = spec.number;
  r.key = spec.key;
  r.mode = mode;
  const std::string top =
      p_.prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(++runs_);
  r.run_dir = p_.work_dir + "/" + top + "-" + spec.key + "-" + std::string(mode_name(mode));
  std::filesystem::create_directories(p_.work_dir);
  std::vector<pid_t> pids;
  {
    Incident incident({.spec = &spec,
                       .mode = mode,
                       .hog_path = p_.hog_path,
                       .core_path = p_.core_path,
                       .top = top,
                       .run_dir = r.run_dir});
    r.error = incident.setup();
    if (r.error.empty()) incident.run(&r);
    incident.teardown();
    pids = incident.pids();
    r.swaps_before = incident.swaps_before();
  }
  r.swaps_after = read_proc_swaps();
  r.leftovers = leftovers(top, pids, p_);
  if (r.swaps_after != r.swaps_before) {
    r.leftovers.push_back("swap state changed:\nbefore:\n" + r.swaps_before + "after:\n" +
                          r.swaps_after);
  }
  if (!p_.keep_logs && r.leftovers.empty() && r.error.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(r.run_dir, ec);
  }
  return r;
}

}  // namespace oomguard::scenario

#include "tools/ctl/locate.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string_view>

namespace oomguard::ctl {
namespace {

std::optional<pid_t> pid_of_name(std::string_view name) {
  pid_t pid = 0;
  const auto [ptr, ec] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (ec != std::errc() || ptr != name.data() + name.size() || pid <= 0) return std::nullopt;
  return pid;
}

// readlink into a string; sets errno and returns nullopt on failure.
std::optional<std::string> read_link(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0 || static_cast<std::size_t>(n) >= sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_core_exe(std::string_view exe) {
  constexpr std::string_view kDeleted = " (deleted)";
  if (exe.ends_with(kDeleted)) exe.remove_suffix(kDeleted.size());
  const std::size_t slash = exe.rfind('/');
  return exe.substr(slash == exe.npos ? 0 : slash + 1) == kCoreName;
}

// Field 4 of /proc/PID/stat (after the parenthesised comm), or 0.
pid_t parent_of(const std::string& proc_root, pid_t pid) {
  const std::string stat = read_small_file(proc_root + "/" + std::to_string(pid) + "/stat");
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 4 >= stat.size()) return 0;
  const std::string_view rest = std::string_view(stat).substr(close + 4);  // ") S " skipped
  pid_t ppid = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), ppid);
  return ppid;
}

std::string list_pids(const std::vector<CoreCandidate>& cores) {
  std::string out;
  for (const CoreCandidate& c : cores) out += (out.empty() ? "" : ", ") + std::to_string(c.pid);
  return out;
}

}  // namespace

std::vector<CoreCandidate> find_cores(const std::string& proc_root) {
  std::vector<CoreCandidate> found;
  DIR* dir = ::opendir(proc_root.c_str());
  if (dir == nullptr) return found;
  while (const dirent* entry = ::readdir(dir)) {
    const auto pid = pid_of_name(entry->d_name);
    if (!pid) continue;
    const std::string base = proc_root + "/" + entry->d_name;
    if (const auto exe = read_link(base + "/exe")) {
      if (is_core_exe(*exe)) found.push_back({.pid = *pid, .exe_readable = true});
    } else if (errno == EACCES || errno == EPERM) {
      std::string comm = read_small_file(base + "/comm");
      if (!comm.empty() && comm.back() == '\n') comm.pop_back();
      if (comm == kCoreName) found.push_back({.pid = *pid, .exe_readable = false});
    }
  }
  ::closedir(dir);
  std::sort(found.begin(), found.end(),
            [](const CoreCandidate& a, const CoreCandidate& b) { return a.pid < b.pid; });
  // A core's child between fork and exec still runs the core's binary: not a core of its own.
  std::vector<CoreCandidate> cores;
  for (const CoreCandidate& c : found) {
    const pid_t ppid = parent_of(proc_root, c.pid);
    const bool child_of_core = std::any_of(
        found.begin(), found.end(), [ppid](const CoreCandidate& o) { return o.pid == ppid; });
    if (!child_of_core) cores.push_back(c);
  }
  return cores;
}

Result<pid_t> choose_core(const std::string& proc_root, std::optional<pid_t> wanted) {
  if (wanted) {
    struct stat st {};
    if (::stat((proc_root + "/" + std::to_string(*wanted)).c_str(), &st) != 0) {
      return Error{"no process " + std::to_string(*wanted) + " (--pid)"};
    }
    return *wanted;
  }
  const std::vector<CoreCandidate> cores = find_cores(proc_root);
  if (cores.empty()) {
    return Error{"oomguard is not running: no " + std::string(kCoreName) + " process found in " +
                 proc_root + " (start it with 'systemctl start oomguard')"};
  }
  if (cores.size() > 1) {
    return Error{std::to_string(cores.size()) + " " + kCoreName + " processes run (pids " +
                 list_pids(cores) + "): choose one with --pid PID"};
  }
  return cores.front().pid;
}

Result<int> open_region_fd(const std::string& proc_root, pid_t pid) {
  const std::string fd_dir = proc_root + "/" + std::to_string(pid) + "/fd";
  DIR* dir = ::opendir(fd_dir.c_str());
  if (dir == nullptr) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return Error{"no permission to open " + fd_dir +
                   " (the region is readable only to root, or with CAP_SYS_PTRACE over the "
                   "core): run oomguardctl as root"};
    }
    if (err == ENOENT) return Error{"process " + std::to_string(pid) + " is gone"};
    return hog::errno_error("cannot open " + fd_dir, err);
  }
  std::string found;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    const auto link = read_link(fd_dir + "/" + entry->d_name);
    if (link && *link == kRegionLink) {
      found = fd_dir + "/" + entry->d_name;
      break;
    }
  }
  ::closedir(dir);
  if (found.empty()) {
    return Error{"process " + std::to_string(pid) + " holds no oomguard region (no fd links to " +
                 std::string(kRegionLink) + "): is it oomguard-core, still starting?"};
  }
  const int fd = ::open(found.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == EACCES || err == EPERM) {
      return Error{"no permission to open the region " + found +
                   " (a 0600 memfd of the core's user): run oomguardctl as root"};
    }
    return hog::errno_error("cannot open the region " + found, err);
  }
  return fd;
}

std::string core_config_arg(const std::string& proc_root, pid_t pid) {
  const std::string base = proc_root + "/" + std::to_string(pid);
  const std::string cmdline = read_small_file(base + "/cmdline");
  std::vector<std::string> args;
  for (std::size_t start = 0; start < cmdline.size();) {
    std::size_t end = cmdline.find('\0', start);
    if (end == std::string::npos) end = cmdline.size();
    args.emplace_back(cmdline.substr(start, end - start));
    start = end + 1;
  }
  std::string path;
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[++i];
    } else if (args[i].starts_with("--config=")) {
      path = args[i].substr(std::strlen("--config="));
    }
  }
  if (!path.empty() && path.front() != '/') {
    const auto cwd = read_link(base + "/cwd");
    path = cwd ? *cwd + "/" + path : "";
  }
  return path;
}

bool process_alive(const std::string& proc_root, pid_t pid) {
  const std::string stat = read_small_file(proc_root + "/" + std::to_string(pid) + "/stat");
  const std::size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 >= stat.size()) return false;
  const char state = stat[close + 2];
  return state != 'Z' && state != 'X';
}

}  // namespace oomguard::ctl

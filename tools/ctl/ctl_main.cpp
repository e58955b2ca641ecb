#include "tools/ctl/ctl_main.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "config/load.h"
#include "shm/region.h"
#include "tools/ctl/cli.h"
#include "tools/ctl/killlog.h"
#include "tools/ctl/locate.h"
#include "tools/ctl/render.h"
#include "tools/ctl/state.h"

namespace oomguard::ctl {
namespace {

constexpr std::uint64_t kNsPerMs = 1'000'000;
constexpr std::size_t kStatusKills = 5;

struct LoadedConfig {
  std::string path{};
  std::string note{};  // "" when loaded as is
  bool explicit_path = false;
  config::Config config = config::defaults();
};

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// --config, else the running core's --config, else the default path; a missing or invalid
// file leaves the defaults in place with a note (an error only when --config named it).
hog::Result<LoadedConfig> load_config(const CtlOptions& o, std::optional<pid_t> core) {
  LoadedConfig c;
  c.explicit_path = !o.config_path.empty();
  c.path = o.config_path;
  if (c.path.empty() && core) c.path = core_config_arg(o.proc_root, *core);
  if (c.path.empty()) c.path = config::kDefaultPath;
  if (!c.explicit_path && !file_exists(c.path)) {
    c.note = "not found: defaults assumed";
    return c;
  }
  config::LoadResult loaded = config::load_file(c.path);
  if (loaded.config) {
    c.config = std::move(*loaded.config);
    return c;
  }
  const std::string first = loaded.errors.empty() ? "?" : loaded.errors.front().to_string();
  if (c.explicit_path) return hog::Error{"--config: " + first};
  c.note = "unusable (" + first + "): defaults assumed";
  return c;
}

Thresholds thresholds_from(const config::CoreConfig& core) {
  Thresholds t;
  // The core beats on every wake-up, and its poll timer wakes it at least every poll_max_ms.
  t.core_stale_ns =
      std::max<std::uint64_t>(2000, 3 * std::uint64_t{core.poll_max_ms} + 1000) * kNsPerMs;
  t.extended_stale_ns = std::uint64_t{core.ranking_stale_ms} * kNsPerMs;
  if (core.sched_fifo_priority == 0) t.expected_protections &= ~std::uint32_t{shm::kProtSchedFifo};
  if (core.memory_min_bytes == 0) t.expected_protections &= ~std::uint32_t{shm::kProtMemoryMin};
  return t;
}

struct Attached {
  pid_t pid = 0;
  shm::Region region{};
};

hog::Result<Attached> attach(const CtlOptions& o, pid_t pid) {
  auto fd = open_region_fd(o.proc_root, pid);
  if (!fd) return hog::Error{fd.error().message};
  Attached a{.pid = pid};
  const int rc = shm::Region::attach(*fd, shm::Access::kReadOnly, &a.region);
  ::close(*fd);
  if (rc == -EPROTO) {
    return hog::Error{"the region of pid " + std::to_string(pid) +
                      " has an unexpected layout (oomguardctl reads shm ABI " +
                      std::to_string(shm::kAbiMajor) + ".x: mismatched versions?)"};
  }
  if (rc < 0) return hog::errno_error("cannot map the region of pid " + std::to_string(pid), -rc);
  return a;
}

int run_status(const CtlOptions& o, const Attached& a, const LoadedConfig& c, std::string* out) {
  const RegionState state = read_region(a.region);
  StatusView v{.pid = a.pid, .state = &state, .now_ns = monotonic_now_ns()};
  v.live.core_alive = process_alive(o.proc_root, state.core_pid);
  v.live.extended_alive = state.extended_pid != 0 && process_alive(o.proc_root, state.extended_pid);
  const Thresholds limits = thresholds_from(c.config.core);
  v.health = assess(state, v.live, limits, v.now_ns);
  v.expected_protections = limits.expected_protections | shm::kProtPsiTriggers;
  v.config_path = c.path;
  v.config_note = c.note;
  v.kill_log_path = o.kill_log.empty() ? c.config.extended.output.kill_log : o.kill_log;
  if (!v.kill_log_path.empty()) {
    auto log = read_kill_log(v.kill_log_path);
    if (log) {
      v.total_kills = log->entries.size();
      const std::size_t n = std::min(v.total_kills, o.limit.value_or(kStatusKills));
      v.last_kills.assign(log->entries.end() - static_cast<std::ptrdiff_t>(n), log->entries.end());
    } else {
      v.kill_log_error = log.error().message;
    }
  }
  *out += o.json ? render_status_json(v) : render_status_text(v);
  return v.health.ok() ? kExitOk : kExitDegraded;
}

int run_rank(const CtlOptions& o, const Attached& a, const LoadedConfig& c, std::string* out) {
  const RegionState state = read_region(a.region);
  RankView v{.state = &state, .now_ns = monotonic_now_ns(), .limit = o.limit.value_or(0)};
  for (const config::Rule& r : c.config.extended.rules) v.rule_names.push_back(r.name);
  *out += o.json ? render_rank_json(v) : render_rank_text(v);
  return kExitOk;
}

int run_kills(const CtlOptions& o, const LoadedConfig& c, std::string* out, std::string* err) {
  const std::string path = o.kill_log.empty() ? c.config.extended.output.kill_log : o.kill_log;
  if (path.empty()) {
    *err += "oomguardctl: the kill log is off (output.kill_log = \"\" in " + c.path + ")\n";
    return kExitError;
  }
  std::optional<std::int64_t> since;
  if (o.since) {
    auto t = parse_since(*o.since, realtime_now_ns());
    if (!t) {
      *err += "oomguardctl: " + t.error().message + "\n";
      return kExitUsage;
    }
    since = *t;
  }
  auto log = read_kill_log(path, since);
  if (!log) {
    *err += "oomguardctl: " + log.error().message + "\n";
    return kExitError;
  }
  std::vector<KillEntry>& all = log->entries;
  const std::size_t n = o.limit.value_or(0) == 0 ? all.size() : std::min(all.size(), *o.limit);
  const std::vector<KillEntry> kills(all.end() - static_cast<std::ptrdiff_t>(n), all.end());
  if (o.json) {
    *out += render_kills_json(*log, path, kills);
  } else if (kills.empty()) {
    *out += "no kills in " + path + (o.since ? " since " + *o.since : "") + "\n";
  } else {
    *out += render_kills_text(kills);
  }
  if (log->bad_lines > 0) {
    *err += "oomguardctl: " + std::to_string(log->bad_lines) + " unreadable lines skipped\n";
  }
  return kExitOk;
}

}  // namespace

int ctl_main(const std::vector<std::string>& args, std::string* out, std::string* err) {
  const CliParse parsed = parse_cli(args);
  if (!parsed.options) {
    *err += "oomguardctl: " + parsed.error + "\n(oomguardctl --help for usage)\n";
    return kExitUsage;
  }
  const CtlOptions& o = *parsed.options;
  if (o.command == Command::kHelp) {
    *out += usage_text();
    return kExitOk;
  }
  // kills works without a running core (the log is a file); status and rank need one.
  auto pid = choose_core(o.proc_root, o.pid);
  if (!pid && o.command != Command::kKills) {
    *err += "oomguardctl: " + pid.error().message + "\n";
    return kExitError;
  }
  auto config = load_config(o, pid ? std::optional<pid_t>(*pid) : std::nullopt);
  if (!config) {
    *err += "oomguardctl: " + config.error().message + "\n";
    return kExitError;
  }
  if (o.command == Command::kKills) return run_kills(o, *config, out, err);
  auto attached = attach(o, *pid);
  if (!attached) {
    *err += "oomguardctl: " + attached.error().message + "\n";
    return kExitError;
  }
  if (!config->note.empty() && !o.json && o.command == Command::kRank) {
    *err += "oomguardctl: configuration " + config->path + " " + config->note + "\n";
  }
  return o.command == Command::kStatus ? run_status(o, *attached, *config, out)
                                       : run_rank(o, *attached, *config, out);
}

}  // namespace oomguard::ctl

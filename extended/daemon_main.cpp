#include "extended/daemon_main.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "config/load.h"
#include "extended/daemon.h"
#include "extended/daemon_cli.h"
#include "extended/daemon_ranker.h"
#include "extended/explain.h"
#include "extended/jemalloc.h"
#include "shm/region.h"

namespace oomguard::extended {
namespace {

// Loads the configuration for start-up; prints every error. Nullptr on failure.
std::shared_ptr<const config::Config> load_or_report(ConfigStore& configs) {
  const ConfigStore::Outcome outcome = configs.load();
  if (!outcome.ok) {
    log_to_stderr("invalid configuration " + configs.path() + ":");
    for (const std::string& error : outcome.errors) log_to_stderr("  " + error);
    return nullptr;
  }
  return configs.current();
}

// What the allocator really runs with (read back through mallctl, not the requested string).
std::string allocator_report() {
  if (!jemalloc_enabled()) return "allocator libc (built without jemalloc)";
  std::string line = "allocator jemalloc:";
  for (const char* name :
       {"opt.dirty_decay_ms", "opt.muzzy_decay_ms", "opt.background_thread", "opt.narenas"}) {
    line += std::string(" ") + (name + 4) + "=" + jemalloc_option(name).value_or("?");
  }
  return line;
}

int run_explain(const std::string& config_path) {
  ConfigStore configs(config_path);
  const auto config = load_or_report(configs);
  if (!config) return kExitUsage;
  SystemRanker ranker(SystemRanker::Params{});
  Result<RankOutcome> outcome = ranker.scan_and_rank(*config);
  if (!outcome) {
    log_to_stderr("scan failed: " + outcome.error().message);
    return kExitFailure;
  }
  const ScanStats& s = outcome->scan;
  std::printf("%s", explain(outcome->ranking).c_str());
  std::printf(
      "scanned %llu cgroups, %llu processes (%llu vanished) in %.1f ms; growth needs "
      "more than one scan and shows 0 here\n",
      static_cast<unsigned long long>(s.cgroups), static_cast<unsigned long long>(s.processes),
      static_cast<unsigned long long>(s.vanished_processes + s.vanished_cgroups),
      static_cast<double>(s.duration_ns) / 1e6);
  return kExitOk;
}

// The core lowers its own oom_score_adj (to -1000 where allowed) and extended inherits it; but
// extended allocates freely, so the kernel's OOM killer must be able to take it (the core
// restarts it). Raising the value needs no privilege.
void raise_inherited_oom_score_adj() {
  std::ifstream in("/proc/self/oom_score_adj");
  int adj = 0;
  if (!(in >> adj)) {
    log_to_stderr("WARNING: cannot read /proc/self/oom_score_adj");
    return;
  }
  if (adj >= 0) return;
  std::ofstream out("/proc/self/oom_score_adj");
  out << 0 << std::flush;
  if (!out) {
    log_to_stderr("WARNING: oom_score_adj " + std::to_string(adj) +
                  " inherited from oomguard-core could not be raised to 0");
    return;
  }
  log_to_stderr("oom_score_adj " + std::to_string(adj) +
                " inherited from oomguard-core raised to 0");
}

int run_daemon(const CliOptions& options) {
  const int fd = *options.shm_fd;
  shm::Region region;
  if (const int rc = shm::Region::attach(fd, shm::Access::kReadWrite, &region); rc < 0) {
    log_to_stderr("cannot attach the shared region on fd " + std::to_string(fd) + ": " +
                  std::strerror(-rc) + " (oomguard-extended is started by oomguard-core)");
    return kExitFailure;
  }
  // The Region keeps its own O_CLOEXEC duplicate; the inherited fd would leak into hooks.
  close(fd);
  ConfigStore configs(options.config_path);
  if (!load_or_report(configs)) return kExitUsage;
  raise_inherited_oom_score_adj();
  log_to_stderr("started: pid " + std::to_string(getpid()) + ", config " + configs.path() +
                ", core pid " + std::to_string(region.header().core_pid) + ", " +
                allocator_report());
  SystemRanker ranker(SystemRanker::Params{.core_pid = region.header().core_pid});
  Daemon daemon(DaemonParams{.configs = &configs, .region = &region, .ranker = &ranker});
  const int status = daemon.run();
  if (daemon.scan_thread_stuck()) {
    // A scan blocked in the kernel still uses the ranker: leave without running destructors.
    _exit(status);
  }
  return status;
}

}  // namespace

int extended_main(int argc, char** argv) {
  // First, before any thread exists, so every thread inherits the mask and the daemon reads the
  // signals through its signalfd. (jemalloc's background thread blocks all signals itself.)
  if (const int rc = block_daemon_signals(); rc < 0) {
    log_to_stderr(std::string("cannot block signals: ") + std::strerror(-rc));
    return kExitFailure;
  }
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const CliParse parsed = parse_cli(args);
  if (!parsed.options) {
    log_to_stderr(parsed.error + " (see --help)");
    return kExitUsage;
  }
  const CliOptions& options = *parsed.options;
  switch (options.mode) {
    case CliMode::kHelp:
      std::fputs(usage_text().c_str(), stdout);
      return kExitOk;
    case CliMode::kCheckConfig:
      return config::check_config_main(options.config_path);
    case CliMode::kExplain:
      return run_explain(options.config_path);
    case CliMode::kDaemon:
      return run_daemon(options);
  }
  return kExitUsage;
}

}  // namespace oomguard::extended

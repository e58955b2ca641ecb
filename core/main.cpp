// oomguard-core: start-up (allocation allowed), then the allocation-free steady state.
#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "config/load.h"
#include "core/clock.h"
#include "core/core_loop.h"
#include "core/log.h"
#include "core/protections.h"
#include "shm/events.h"
#include "shm/rankings.h"
#include "shm/region.h"

namespace {

using namespace oomguard;

constexpr const char* kUsage =
    "usage: oomguard-core [--config FILE] [--check-config] [--no-extended] [--dry-run]\n"
    "                     [--require-protections]\n"
    "  --config FILE          configuration (default /etc/oomguard/oomguard.toml)\n"
    "  --check-config         validate FILE, print the effective configuration, exit 0 or 2\n"
    "  --no-extended          run the core alone: victims come from the fallback scan\n"
    "  --dry-run              decide and report kills, but send no signal\n"
    "  --require-protections  exit if any self-protection (memory.min, mlockall, SCHED_FIFO,\n"
    "                         oom_score_adj) cannot be applied\n";

struct Options {
  std::string config_path = config::kDefaultPath;
  bool check_config = false;
  bool no_extended = false;
  bool dry_run = false;
  bool require_protections = false;
};

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const char* a = argv[i];
    if (std::strcmp(a, "--config") == 0 && i + 1 < argc) {
      o->config_path = argv[++i];
    } else if (std::strcmp(a, "--check-config") == 0) {
      o->check_config = true;
    } else if (std::strcmp(a, "--no-extended") == 0) {
      o->no_extended = true;
    } else if (std::strcmp(a, "--dry-run") == 0) {
      o->dry_run = true;
    } else if (std::strcmp(a, "--require-protections") == 0) {
      o->require_protections = true;
    } else if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "oomguard-core: unknown or incomplete argument '%s'\n%s", a, kUsage);
      return false;
    }
  }
  return true;
}

// oomguard-extended next to our own binary unless the configuration names one.
bool extended_binary(const config::CoreConfig& c, char* out, std::size_t size) {
  if (!c.extended_path.empty()) {
    return std::snprintf(out, size, "%s", c.extended_path.c_str()) < static_cast<int>(size);
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return false;
  self[n] = '\0';
  char* slash = std::strrchr(self, '/');
  if (slash == nullptr) return false;
  *slash = '\0';
  return std::snprintf(out, size, "%s/oomguard-extended", self) < static_cast<int>(size);
}

// Everything the steady state uses, allocated once at start-up.
struct Core {
  config::CoreConfig config;
  core::MonotonicClock clock;
  ProcRoot proc;
  CgroupRoot cgroup;
  core::MonitorSet monitors;
  shm::Region region;
  std::unique_ptr<shm::RankingReader> reader;
  std::unique_ptr<shm::EventProducer> producer;
  std::unique_ptr<core::VictimFinder> finder;
  std::unique_ptr<core::SyscallKiller> killer;
  std::unique_ptr<core::KillRecorder> recorder;
  core::Supervisor supervisor;
  core::Notifier notifier;
  std::unique_ptr<core::CoreLoop> loop;
};

int start(Core& c, const Options& o) {
  using core::log_line;
  int rc = open_proc_root(c.config.proc_root.c_str(), &c.proc);
  if (rc < 0) {
    log_line("cannot open proc root %s: %s", c.config.proc_root.c_str(), core::errno_text(-rc));
    return rc;
  }
  rc = open_cgroup_root(c.config.cgroup2_root.c_str(), c.config.memcg_v1_root.c_str(), &c.cgroup);
  if (rc < 0) {
    log_line("cannot open the cgroup2 hierarchy (%s): %s", c.config.cgroup2_root.c_str(),
             core::errno_text(-rc));
    return rc;
  }
  log_line("scope /%s; cgroup v1 memory controller: %s", c.config.scope.c_str(),
           c.cgroup.v1_memory_dirfd >= 0 ? "yes (hybrid host)" : "no");
  if ((rc = c.monitors.init(c.config, c.proc, c.cgroup, core::arm_psi_trigger)) < 0) return rc;
  if ((rc = shm::Region::create(getpid(), c.clock.now_ns(), &c.region)) < 0) {
    log_line("cannot create the shared region: %s", core::errno_text(-rc));
    return rc;
  }
  c.reader = std::make_unique<shm::RankingReader>(c.region);
  c.producer = std::make_unique<shm::EventProducer>(c.region);
  c.finder = std::make_unique<core::VictimFinder>(c.proc, c.cgroup);
  c.killer = std::make_unique<core::SyscallKiller>(c.config.process_mrelease);
  c.recorder = std::make_unique<core::KillRecorder>(c.config, c.producer.get());
  if (c.config.run_extended) {
    char binary[PATH_MAX];
    if (!extended_binary(c.config, binary, sizeof binary)) return -ENAMETOOLONG;
    rc = c.supervisor.init({.binary = binary,
                            .config_path = o.config_path.c_str(),
                            .shm_fd = c.region.fd(),
                            .backoff_min_ns = c.config.extended_restart_min_ms * core::kNsPerMs,
                            .backoff_max_ns = c.config.extended_restart_max_ms * core::kNsPerMs});
    if (rc < 0) return rc;
  }
  if (int err = c.notifier.init(); err < 0) {
    log_line("WARNING: NOTIFY_SOCKET unusable: %s", core::errno_text(-err));
  }
  if (c.config.kmsg && !core::log_open_kmsg()) {
    log_line("WARNING: /dev/kmsg is not writable; kill lines go to stderr only");
  }
  c.loop = std::make_unique<core::CoreLoop>(
      core::CoreDeps{.config = &c.config,
                     .clock = &c.clock,
                     .monitors = &c.monitors,
                     .finder = c.finder.get(),
                     .killer = c.killer.get(),
                     .recorder = c.recorder.get(),
                     .region = &c.region,
                     .reader = c.reader.get(),
                     .supervisor = c.config.run_extended ? &c.supervisor : nullptr,
                     .notifier = &c.notifier,
                     .handle_signals = true});
  return c.loop->init();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_args(argc, argv, &o)) return 2;
  if (o.check_config) return config::check_config_main(o.config_path);
  config::LoadResult loaded = config::load_file(o.config_path);
  if (!loaded.config) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 2;
  }
  auto c = std::make_unique<Core>();
  c->config = loaded.config->core;
  loaded = {};  // nothing of the parsed file but CoreConfig survives start-up
  c->config.dry_run = c->config.dry_run || o.dry_run;
  c->config.run_extended = c->config.run_extended && !o.no_extended;
  c->config.require_protections = c->config.require_protections || o.require_protections;

  if (int rc = start(*c, o); rc < 0) return 1;
  const core::ProtectionResult prot = core::apply_protections(c->config, c->proc, c->cgroup);
  if (c->monitors.all_triggers_exact()) {
    core::log_line("psi triggers: ok, every pressure monitor has a kernel trigger");
  }
  if (prot.missing != 0 && c->config.require_protections) {
    core::log_line("exiting: --require-protections and a protection is missing (see above)");
    return 1;
  }
  shm::Header& h = c->region.header();
  h.core_protections =
      prot.achieved | (c->monitors.all_triggers_exact() ? shm::kProtPsiTriggers : 0u);
  h.core_flags = (c->config.dry_run ? shm::kFlagDryRun : 0u) |
                 (c->config.run_extended ? 0u : shm::kFlagNoExtended);
  if (c->config.run_extended) {
    c->supervisor.start(c->clock.now_ns());
    h.extended_pid.store(c->supervisor.pid(), std::memory_order_relaxed);
  }
  core::log_line("steady state: %zu monitors, %zu triggers, dry-run %s, extended %s",
                 c->config.monitors.size(), c->config.triggers.size(),
                 c->config.dry_run ? "on" : "off", c->config.run_extended ? "on" : "off");
  c->notifier.ready();
  while (c->loop->run_once()) {
  }
  c->notifier.stopping();
  c->supervisor.stop();
  return 0;
}

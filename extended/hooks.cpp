#include "extended/hooks.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;  // NOLINT(readability-redundant-declaration)

namespace oomguard::extended {
namespace {

constexpr std::string_view kEnvPrefix = "OOMGUARD_";

int pidfd_open(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

// extended's environment without any OOMGUARD_* (those of the hook replace them), then `extra`.
std::vector<std::string> merged_environment(const std::vector<std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    if (entry.substr(0, kEnvPrefix.size()) == kEnvPrefix) continue;
    env.emplace_back(entry);
  }
  env.insert(env.end(), extra.begin(), extra.end());
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Owns the posix_spawn attribute objects for one spawn.
class SpawnSetup {
 public:
  SpawnSetup() {
    posix_spawnattr_init(&attr_);
    posix_spawn_file_actions_init(&actions_);
  }
  ~SpawnSetup() {
    posix_spawnattr_destroy(&attr_);
    posix_spawn_file_actions_destroy(&actions_);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  // Own process group (so a timeout kills the hook's children too), empty signal mask (extended
  // blocks the signals it reads through signalfd), default dispositions; stdin /dev/null,
  // stdout -> extended's stderr.
  int prepare() {
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    for (const int sig : {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2}) {
      sigaddset(&defaults, sig);
    }
    const auto flags =
        static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawnattr_setflags(&attr_, flags);
    if (rc == 0) rc = posix_spawnattr_setpgroup(&attr_, 0);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr_, &empty);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr_, &defaults);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&actions_, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&actions_, 2, 1);
    return rc;
  }
  const posix_spawnattr_t* attr() const { return &attr_; }
  const posix_spawn_file_actions_t* actions() const { return &actions_; }

 private:
  posix_spawnattr_t attr_{};
  posix_spawn_file_actions_t actions_{};
};

std::string flag(bool value) { return value ? "1" : "0"; }

}  // namespace

std::string_view hook_name(HookKind kind) {
  return kind == HookKind::kPrekill ? "prekill" : "postkill";
}

std::string_view HookExit::result() const {
  switch (outcome) {
    case Outcome::kExited:
      return code == 0 ? "ok" : "failed";
    case Outcome::kSignaled:
      return "failed";
    case Outcome::kTimedOut:
      return "timeout";
  }
  return "failed";
}

HookRunner::~HookRunner() { kill_all(); }

int HookRunner::start(const HookSpec& spec, std::uint64_t now_ns) {
  if (spec.argv.empty()) return -EINVAL;
  if (running_.size() >= kMaxRunning) return -EAGAIN;
  std::vector<std::string> argv = spec.argv;
  std::vector<std::string> env = merged_environment(spec.env);
  std::vector<char*> argv_ptrs = pointers(argv);
  std::vector<char*> env_ptrs = pointers(env);
  SpawnSetup setup;
  if (const int rc = setup.prepare(); rc != 0) return -rc;
  pid_t pid = 0;
  // glibc's posix_spawn reports exec failures (ENOENT, EACCES) as its return value.
  const int rc = posix_spawnp(&pid, argv_ptrs[0], setup.actions(), setup.attr(), argv_ptrs.data(),
                              env_ptrs.data());
  if (rc != 0) return -rc;
  // The child cannot be reaped by anyone but us, so its pid is ours until waitpid: the pidfd
  // names the right process even if it already exited.
  const int pidfd = pidfd_open(pid);
  running_.push_back(Running{.kind = spec.kind,
                             .kill_id = spec.kill_id,
                             .pid = pid,
                             .pidfd = pidfd,
                             .started_ns = now_ns,
                             .deadline_ns = spec.timeout_ns == 0 ? 0 : now_ns + spec.timeout_ns,
                             .killed = false});
  return pid;
}

std::vector<HookExit> HookRunner::poll(std::uint64_t now_ns) {
  std::vector<HookExit> exits;
  for (auto it = running_.begin(); it != running_.end();) {
    int status = 0;
    const pid_t r = waitpid(it->pid, &status, WNOHANG);
    if (r == it->pid || (r < 0 && errno == ECHILD)) {
      HookExit exit{.kind = it->kind,
                    .kill_id = it->kill_id,
                    .pid = it->pid,
                    .duration_ns = now_ns > it->started_ns ? now_ns - it->started_ns : 0};
      if (it->killed) {
        exit.outcome = HookExit::Outcome::kTimedOut;
        exit.code = SIGKILL;
      } else if (r == it->pid && WIFSIGNALED(status)) {
        exit.outcome = HookExit::Outcome::kSignaled;
        exit.code = WTERMSIG(status);
      } else {
        exit.outcome = HookExit::Outcome::kExited;
        exit.code = r == it->pid ? WEXITSTATUS(status) : -1;
      }
      exits.push_back(exit);
      if (it->pidfd >= 0) close(it->pidfd);
      it = running_.erase(it);
      continue;
    }
    if (!it->killed && it->deadline_ns != 0 && now_ns >= it->deadline_ns) {
      // The leader is not reaped yet, so its pid (= the group id) cannot have been reused.
      kill(-it->pid, SIGKILL);
      it->killed = true;
    }
    ++it;
  }
  return exits;
}

void HookRunner::append_pollfds(std::vector<pollfd>& fds) const {
  for (const Running& r : running_) {
    if (r.pidfd >= 0) fds.push_back(pollfd{.fd = r.pidfd, .events = POLLIN, .revents = 0});
  }
}

std::optional<std::uint64_t> HookRunner::next_deadline_ns() const {
  std::optional<std::uint64_t> next;
  for (const Running& r : running_) {
    if (r.killed || r.deadline_ns == 0) continue;
    if (!next || r.deadline_ns < *next) next = r.deadline_ns;
  }
  return next;
}

void HookRunner::kill_all() {
  for (const Running& r : running_) {
    kill(-r.pid, SIGKILL);
    while (waitpid(r.pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (r.pidfd >= 0) close(r.pidfd);
  }
  running_.clear();
}

std::vector<std::string> hook_env(HookKind kind, const KillRecord& record,
                                  const KillContext& context) {
  const shm::KillEvent& e = record.event;
  std::string trigger;
  for (const std::string& name : context.monitors) {
    if (!trigger.empty()) trigger += ',';
    trigger += name;
  }
  std::vector<std::string> env = {
      "OOMGUARD_HOOK=" + std::string(hook_name(kind)),
      "OOMGUARD_KILL_ID=" + std::to_string(e.kill_id),
      "OOMGUARD_PID=" + std::to_string(e.pid),
      "OOMGUARD_COMM=" + std::string(e.comm, strnlen(e.comm, sizeof e.comm)),
      "OOMGUARD_CGROUP=" + std::string(e.cgroup_path, strnlen(e.cgroup_path, sizeof e.cgroup_path)),
      "OOMGUARD_KIND=" + std::string(kind_name(e.kind)),
      "OOMGUARD_KILL_MODE=" + std::string(kill_mode_name(e.kill_mode)),
      "OOMGUARD_SOURCE=" + std::string(event_source_name(e.source)),
      "OOMGUARD_REASON=" + std::string(event_reason_name(e.reason)),
      "OOMGUARD_RULE=" + context.rule,
      "OOMGUARD_PRIORITY=" + std::to_string(e.priority),
      "OOMGUARD_TRIGGER=" + trigger,
      "OOMGUARD_RSS_SWAP_BYTES=" + std::to_string(e.rss_swap_bytes),
      "OOMGUARD_DRY_RUN=" + flag((e.flags & shm::kEventDryRun) != 0),
  };
  if (kind == HookKind::kPostkill) {
    std::string relief;
    if (e.trigger_ns != 0 && e.released_ns >= e.trigger_ns) {
      relief = std::to_string((e.released_ns - e.trigger_ns) / 1'000'000);
    }
    env.push_back("OOMGUARD_FREED_BYTES=" + std::to_string(e.freed_bytes));
    env.push_back("OOMGUARD_RELEASE_TIMED_OUT=" +
                  flag((e.flags & shm::kEventReleaseTimedOut) != 0));
    env.push_back("OOMGUARD_TIME_TO_RELIEF_MS=" + relief);
    env.push_back("OOMGUARD_KILL_ERRNO=" + std::to_string(e.kill_errno));
  }
  return env;
}

}  // namespace oomguard::extended

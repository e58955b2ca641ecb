// extended/hooks: the kill hooks from [output] — prekill_hook (a notification started when core's
// kKilled event arrives; core never waits for it and does not know about it) and postkill_hook
// (started on kReleased). Both run asynchronously: start() spawns and returns, poll() reaps
// without blocking and SIGKILLs a hook's whole process group once it outlives hook_timeout_ms
// (applied to both hooks, so a stuck notifier cannot pile up).
//
// A hook runs with posix_spawnp (PATH search for argv[0]) in its own process group, with stdin
// from /dev/null and stdout and stderr both on extended's stderr (unprefixed; the daemon logs a
// "hook ... started/exited" line with the pid so output can be matched to its kill), the default
// signal mask and dispositions, and extended's environment plus the OOMGUARD_* variables of
// hook_env(). A pidfd per hook lets the daemon's poll(2) wake when one exits.
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extended/output_killlog.h"

namespace oomguard::extended {

enum class HookKind : std::uint8_t { kPrekill, kPostkill };
std::string_view hook_name(HookKind kind);  // "prekill" | "postkill"

struct HookSpec {
  HookKind kind = HookKind::kPrekill;
  std::vector<std::string> argv{};  // argv[0] is searched in PATH
  std::vector<std::string> env{};   // "NAME=value", added to (overriding) extended's environment
  std::uint64_t kill_id = 0;
  std::uint64_t timeout_ns = 0;  // 0 = no timeout
};

struct HookExit {
  enum class Outcome : std::uint8_t { kExited, kSignaled, kTimedOut };
  HookKind kind = HookKind::kPrekill;
  std::uint64_t kill_id = 0;
  pid_t pid = 0;
  Outcome outcome = Outcome::kExited;
  int code = 0;  // exit status (kExited) or signal number
  std::uint64_t duration_ns = 0;

  // For metrics: "ok" (exit 0), "failed" (other exit or a signal), "timeout".
  std::string_view result() const;
};

class HookRunner {
 public:
  static constexpr std::size_t kMaxRunning = 16;

  HookRunner() = default;
  ~HookRunner();  // kill_all()
  HookRunner(const HookRunner&) = delete;
  HookRunner& operator=(const HookRunner&) = delete;

  // Spawns the hook and returns its pid, or -errno: -EINVAL for an empty argv, -EAGAIN while
  // kMaxRunning hooks run, the spawn error (e.g. -ENOENT) otherwise. Never waits.
  int start(const HookSpec& spec, std::uint64_t now_ns);
  // Reaps the hooks that exited and SIGKILLs the process groups of those past their deadline
  // (reaped by a later poll). Never blocks.
  std::vector<HookExit> poll(std::uint64_t now_ns);
  // One POLLIN entry per running hook's pidfd (readable when it exits).
  void append_pollfds(std::vector<pollfd>& fds) const;
  // The earliest deadline of a running hook not yet killed.
  std::optional<std::uint64_t> next_deadline_ns() const;
  std::size_t running() const { return running_.size(); }
  // SIGKILLs every running hook's group and reaps them (blocking; for exit).
  void kill_all();

 private:
  struct Running {
    HookKind kind;
    std::uint64_t kill_id;
    pid_t pid;
    int pidfd;  // -1 if pidfd_open is unavailable (then poll() still reaps, on the next wakeup)
    std::uint64_t started_ns;
    std::uint64_t deadline_ns;  // 0 = none
    bool killed;
  };
  std::vector<Running> running_;
};

// The environment a hook gets for one kill: OOMGUARD_HOOK (prekill|postkill), OOMGUARD_KILL_ID,
// OOMGUARD_PID, OOMGUARD_COMM, OOMGUARD_CGROUP, OOMGUARD_KIND, OOMGUARD_KILL_MODE,
// OOMGUARD_SOURCE, OOMGUARD_REASON, OOMGUARD_RULE, OOMGUARD_PRIORITY, OOMGUARD_TRIGGER (monitor
// names, comma-separated), OOMGUARD_RSS_SWAP_BYTES, OOMGUARD_DRY_RUN (0|1), and for postkill also
// OOMGUARD_FREED_BYTES, OOMGUARD_RELEASE_TIMED_OUT (0|1), OOMGUARD_TIME_TO_RELIEF_MS (empty when
// unknown) and OOMGUARD_KILL_ERRNO.
std::vector<std::string> hook_env(HookKind kind, const KillRecord& record,
                                  const KillContext& context);

}  // namespace oomguard::extended

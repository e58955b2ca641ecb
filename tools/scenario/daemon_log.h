// tools/scenario/daemon_log: pure parsers for what the killers report — oomguard-core's stderr
// lines (kills, releases, extended starts/exits), oomguard-extended's JSON-lines kill log, and
// the kernel's oom-kill lines in /dev/kmsg.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace oomguard::scenario {

// "kill #N: pid P (comm) cgroup /X, R MiB rss+swap; SOURCE, priority Q;
//  trigger NAME: stall S ms in W ms; decided +D ms, ..." (or "DRY RUN, would kill #N: ...").
struct CoreKill {
  int id = 0;
  bool dry_run = false;
  bool group = false;  // "group of P"
  pid_t pid = 0;
  std::string comm;
  std::string cgroup;  // as logged, '/'-rooted
  long rss_mib = 0;
  std::string source;  // "ranking gen 12", "newer than ranking gen 12" or "fallback scan"
  int priority = 0;
  std::string trigger;
  long stall_ms = 0;
  long window_ms = 0;
  bool signal_sent = false;
};

// "kill #N released: F MiB freed, X ms after the signal, Y ms after the trigger" (or
// "kill #N NOT released within the timeout: ...").
struct CoreRelease {
  int id = 0;
  bool timed_out = false;
  long freed_mib = 0;
  double after_signal_ms = 0;
  double after_trigger_ms = 0;
};

struct CoreLine {
  enum class Kind { kOther, kKill, kRelease, kExtendedStarted, kExtendedExited };
  Kind kind = Kind::kOther;
  CoreKill kill;
  CoreRelease release;
  pid_t extended_pid = 0;  // kExtendedStarted / kExtendedExited
};

CoreLine parse_core_line(std::string_view line);

// One object of the extended kill log (output.kill_log).
struct KillLogRecord {
  int kill_id = 0;
  bool complete = false;
  pid_t pid = 0;
  std::string comm;
  std::string cgroup;
  std::string source;  // "ranking" | "fallback"
  std::string reason;  // "rule", "default", ... or "" for null
  std::string rule;    // "" for null
  int priority = 0;
  bool dry_run = false;
  std::optional<double> time_to_relief_ms;
  std::string monitors;  // trigger monitors, comma-separated
};

std::optional<KillLogRecord> parse_kill_log_line(std::string_view line);

// The kernel's "oom-kill:constraint=...,task_memcg=/X,task=COMM,pid=P,uid=U" line (a /dev/kmsg
// record "prio,seq,usec,flags;text" or the bare text).
struct KernelKill {
  pid_t pid = 0;
  std::string comm;
  std::string task_memcg;
  std::string oom_memcg;
};

std::optional<KernelKill> parse_kernel_oom_line(std::string_view line);

}  // namespace oomguard::scenario

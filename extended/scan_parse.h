// extended/scan_parse.h — pure parsers for the kernel text the scanner reads: /proc/PID/{stat,
// status,oom_score_adj,cmdline,cgroup} and cgroup files (memory.stat, memory.events, cgroup.procs,
// single numbers and "max"). No I/O: every function takes the file's text. Malformed or truncated
// input yields std::nullopt (or skips the damaged line where the rest is still meaningful): a line
// without its terminating '\n' is treated as cut off and ignored in line-oriented files.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extended/model.h"

namespace oomguard::extended {

inline constexpr std::uint32_t kPfKthread = 0x00200000;  // PF_KTHREAD in stat's flags field

struct StatFields {
  pid_t pid = 0;
  std::string comm{};  // between the first '(' and the LAST ')': comm may hold spaces and parens
  char state = '?';
  pid_t ppid = 0;
  std::uint32_t flags = 0;
  std::uint64_t start_time_ticks = 0;
  std::uint64_t rss_pages = 0;  // field 24
};
// /proc/PID/stat. Needs at least the fields up to 24 (rss).
std::optional<StatFields> parse_stat(std::string_view text);

struct StatusFields {
  std::uint32_t uid = 0;  // real uid
  std::uint64_t rss_kb = 0;
  std::uint64_t rss_anon_kb = 0;
  std::uint64_t rss_file_kb = 0;
  std::uint64_t rss_shmem_kb = 0;
  std::uint64_t swap_kb = 0;
  bool has_vm = false;            // VmRSS present (absent for kernel threads and zombies)
  std::optional<bool> kthread{};  // "Kthread:" line (newer kernels, e.g. 6.18; not 6.1)
};
// /proc/PID/status. Requires the "Uid:" line.
std::optional<StatusFields> parse_status(std::string_view text);

// /proc/PID/oom_score_adj: an integer in [-1000, 1000].
std::optional<int> parse_oom_score_adj(std::string_view text);

// /proc/PID/cmdline: NUL-separated arguments joined by single spaces, trailing NULs dropped.
std::string parse_cmdline(std::string_view text);

struct ProcCgroup {
  std::optional<std::string> v2_path{};        // "0::/a/b" -> "a/b" ("" for the root)
  std::optional<std::string> memcg_v1_path{};  // "N:memory:/a/b" (or a list with memory) -> "a/b"
};
// /proc/PID/cgroup. Lines that do not have the "id:controllers:path" shape are skipped.
ProcCgroup parse_proc_cgroup(std::string_view text);

// A decimal unsigned number with optional surrounding whitespace.
std::optional<std::uint64_t> parse_u64(std::string_view text);
// A number or "max" (-> kNoLimit). v1's "unlimited" (>= 2^62, PAGE_COUNTER_MAX pages) -> kNoLimit.
std::optional<std::uint64_t> parse_limit(std::string_view text);
// memory.stat of either hierarchy (see MemoryStat). Fails only when no line parses at all.
std::optional<MemoryStat> parse_memory_stat(std::string_view text);
// memory.events (v2).
std::optional<MemoryEvents> parse_memory_events(std::string_view text);
// cgroup.procs: one pid per line. nullopt on a malformed line.
std::optional<std::vector<pid_t>> parse_pid_list(std::string_view text);
// user.oomguard.priority xattr value: an integer in [0, 1000], optional trailing whitespace.
std::optional<int> parse_priority_xattr(std::string_view text);

}  // namespace oomguard::extended

// Allocation-free parsers for the kernel text the core reads. Pure functions over string_view,
// tested on captured kernel output (core/testdata). Each returns false on malformed or
// truncated input and leaves no partial result the caller could mistake for data.
#pragma once

#include <cstdint>
#include <string_view>

namespace oomguard::core {

// /proc/pressure/* and <cgroup>/*.pressure: cumulative stall totals in microseconds. "full" is
// absent on old kernels' cpu file (has_full = false).
struct PsiTotals {
  std::uint64_t some_us = 0;
  std::uint64_t full_us = 0;
  bool has_full = false;
};
bool parse_psi(std::string_view text, PsiTotals* out);

// /proc/meminfo, in bytes.
struct MemInfo {
  std::uint64_t total = 0;
  std::uint64_t available = 0;
  std::uint64_t swap_total = 0;
  std::uint64_t swap_free = 0;
};
bool parse_meminfo(std::string_view text, MemInfo* out);

// One unsigned integer with optional trailing newline; "max" (cgroup v2) = UINT64_MAX.
bool parse_u64_or_max(std::string_view text, std::uint64_t* out);

// The value of `key` in a flat-keyed file such as memory.stat or cgroup.events ("key value").
bool parse_keyed_u64(std::string_view text, std::string_view key, std::uint64_t* out);

// /proc/PID/stat fields the core needs.
struct ProcStat {
  std::int32_t pid = 0;
  std::string_view comm;  // points into the parsed text
  char state = '?';
  std::int32_t ppid = 0;
  std::uint32_t flags = 0;
  std::uint64_t start_time_ticks = 0;  // field 22
  std::uint64_t rss_pages = 0;         // field 24
};
inline constexpr std::uint32_t kPfKthread = 0x00200000;  // PF_KTHREAD
bool parse_proc_stat(std::string_view text, ProcStat* out);

// /proc/PID/status: VmRSS + VmSwap in bytes (kernel threads have neither: returns false).
bool parse_status_rss_swap(std::string_view text, std::uint64_t* out);

// /proc/loadavg ("0.52 0.58 0.59 2/245 8123"): the last field, the newest pid the kernel handed
// out in the reader's pid namespace.
bool parse_loadavg_last_pid(std::string_view text, std::int32_t* out);
// Reads `relpath` (a loadavg file, relative to dirfd) and parses it as above.
bool read_loadavg_last_pid(int dirfd, const char* relpath, std::int32_t* out);

// /proc/PID/cgroup: the cgroup2 ("0::") path without its leading '/' ("" for the root).
bool parse_cgroup_v2_path(std::string_view text, std::string_view* out);

// True when `path` equals `ancestor` or lies below it ("" is the root and contains all).
// Both are cgroup paths without a leading '/'.
bool cgroup_path_within(std::string_view path, std::string_view ancestor);

}  // namespace oomguard::core

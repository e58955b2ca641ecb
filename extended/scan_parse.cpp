#include "extended/scan_parse.h"

#include <charconv>

namespace oomguard::extended {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

template <typename T>
std::optional<T> parse_int(std::string_view s) {
  T value{};
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, value);
  if (ec != std::errc{} || ptr != end || s.empty()) return std::nullopt;
  return value;
}

// Calls fn(line) for every complete ('\n'-terminated) line; a trailing unterminated fragment is
// a cut-off read and is ignored.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return;
    fn(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
}

// Splits "key<sep>value" at the first separator; false if there is none.
bool split_kv(std::string_view line, char sep, std::string_view* key, std::string_view* value) {
  const auto at = line.find(sep);
  if (at == std::string_view::npos) return false;
  *key = line.substr(0, at);
  *value = trim(line.substr(at + 1));
  return true;
}

// Parses "<number> kB" (status values).
std::optional<std::uint64_t> parse_kb(std::string_view value) {
  if (value.size() > 3 && value.substr(value.size() - 3) == " kB") {
    value = trim(value.substr(0, value.size() - 3));
  }
  return parse_int<std::uint64_t>(value);
}

// Splits the space-separated fields after "pid (comm) " into views.
std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  out.reserve(52);
  while (!s.empty()) {
    const auto sp = s.find(' ');
    out.push_back(s.substr(0, sp));
    if (sp == std::string_view::npos) break;
    s.remove_prefix(sp + 1);
  }
  return out;
}

}  // namespace

std::optional<StatFields> parse_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
      close + 2 > text.size()) {
    return std::nullopt;
  }
  StatFields out;
  auto pid = parse_int<pid_t>(trim(text.substr(0, open)));
  if (!pid || *pid <= 0) return std::nullopt;
  out.pid = *pid;
  out.comm = std::string(text.substr(open + 1, close - open - 1));
  // Fields from 3 (state) on; index i here is field i + 3.
  const auto fields = split_fields(trim(text.substr(close + 1)));
  if (fields.size() < 22 || fields[0].size() != 1) return std::nullopt;
  out.state = fields[0][0];
  auto ppid = parse_int<pid_t>(fields[1]);
  auto flags = parse_int<std::uint32_t>(fields[6]);
  auto start = parse_int<std::uint64_t>(fields[19]);
  auto rss = parse_int<std::int64_t>(fields[21]);
  if (!ppid || !flags || !start || !rss) return std::nullopt;
  out.ppid = *ppid;
  out.flags = *flags;
  out.start_time_ticks = *start;
  out.rss_pages = *rss > 0 ? static_cast<std::uint64_t>(*rss) : 0;
  return out;
}

std::optional<StatusFields> parse_status(std::string_view text) {
  StatusFields out;
  bool has_uid = false;
  for_each_line(text, [&](std::string_view line) {
    // Only Uid, Kthread, Vm* and Rss* lines matter: skip the others before splitting.
    if (line.empty() || (line[0] != 'U' && line[0] != 'K' && line[0] != 'V' && line[0] != 'R')) {
      return;
    }
    std::string_view key, value;
    if (!split_kv(line, ':', &key, &value)) return;
    if (key == "Uid") {
      std::size_t end = 0;
      while (end < value.size() && !is_space(value[end])) ++end;
      auto uid = parse_int<std::uint32_t>(value.substr(0, end));
      if (uid) {
        out.uid = *uid;
        has_uid = true;
      }
    } else if (key == "Kthread") {
      if (auto k = parse_int<int>(value)) out.kthread = *k != 0;
    } else if (key.substr(0, 2) == "Vm" || key.substr(0, 3) == "Rss") {
      auto kb = parse_kb(value);
      if (!kb) return;
      if (key == "VmRSS") {
        out.rss_kb = *kb;
        out.has_vm = true;
      } else if (key == "RssAnon") {
        out.rss_anon_kb = *kb;
      } else if (key == "RssFile") {
        out.rss_file_kb = *kb;
      } else if (key == "RssShmem") {
        out.rss_shmem_kb = *kb;
      } else if (key == "VmSwap") {
        out.swap_kb = *kb;
      }
    }
  });
  if (!has_uid) return std::nullopt;
  return out;
}

std::optional<int> parse_oom_score_adj(std::string_view text) {
  auto v = parse_int<int>(trim(text));
  if (!v || *v < -1000 || *v > 1000) return std::nullopt;
  return v;
}

std::string parse_cmdline(std::string_view text) {
  while (!text.empty() && text.back() == '\0') text.remove_suffix(1);
  std::string out(text);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

ProcCgroup parse_proc_cgroup(std::string_view text) {
  ProcCgroup out;
  for_each_line(text, [&](std::string_view line) {
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) return;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) return;
    const auto id = parse_int<unsigned>(line.substr(0, c1));
    const auto controllers = line.substr(c1 + 1, c2 - c1 - 1);
    auto path = line.substr(c2 + 1);
    if (!id || path.empty() || path.front() != '/') return;
    path.remove_prefix(1);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    if (*id == 0 && controllers.empty()) {
      out.v2_path = std::string(path);
      return;
    }
    // A v1 hierarchy line; the memory controller may be co-mounted ("memory,cpu").
    for (std::string_view rest = controllers; !rest.empty();) {
      const auto comma = rest.find(',');
      if (rest.substr(0, comma) == "memory") {
        out.memcg_v1_path = std::string(path);
        return;
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  });
  return out;
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  return parse_int<std::uint64_t>(trim(text));
}

std::optional<std::uint64_t> parse_limit(std::string_view text) {
  text = trim(text);
  if (text == "max") return kNoLimit;
  auto v = parse_int<std::uint64_t>(text);
  if (v && *v >= (std::uint64_t{1} << 62)) return kNoLimit;
  return v;
}

std::optional<MemoryStat> parse_memory_stat(std::string_view text) {
  MemoryStat out;
  bool any = false;
  for_each_line(text, [&](std::string_view line) {
    std::string_view key, value;
    if (!split_kv(line, ' ', &key, &value)) return;
    auto v = parse_int<std::uint64_t>(value);
    if (!v) return;
    any = true;
    if (key == "anon" || key == "total_rss") {
      out.anon_bytes = *v;
    } else if (key == "file" || key == "total_cache") {
      out.file_bytes = *v;
    } else if (key == "shmem" || key == "total_shmem") {
      out.shmem_bytes = *v;
    } else if (key == "inactive_file" || key == "total_inactive_file") {
      out.inactive_file_bytes = *v;
    } else if (key == "total_swap") {
      out.swap_bytes = *v;
    } else if (key == "workingset_refault_file") {
      out.workingset_refault_file = *v;
    }
  });
  if (!any) return std::nullopt;
  return out;
}

std::optional<MemoryEvents> parse_memory_events(std::string_view text) {
  MemoryEvents out;
  bool any = false;
  for_each_line(text, [&](std::string_view line) {
    std::string_view key, value;
    if (!split_kv(line, ' ', &key, &value)) return;
    auto v = parse_int<std::uint64_t>(value);
    if (!v) return;
    any = true;
    if (key == "high") out.high = *v;
    if (key == "max") out.max = *v;
    if (key == "oom") out.oom = *v;
    if (key == "oom_kill") out.oom_kill = *v;
  });
  if (!any) return std::nullopt;
  return out;
}

std::optional<std::vector<pid_t>> parse_pid_list(std::string_view text) {
  std::vector<pid_t> out;
  out.reserve(text.size() / 6 + 1);
  bool ok = true;
  for_each_line(text, [&](std::string_view line) {
    auto pid = parse_int<pid_t>(line);
    if (!pid || *pid <= 0) {
      ok = false;
      return;
    }
    out.push_back(*pid);
  });
  if (!ok) return std::nullopt;
  return out;
}

std::optional<int> parse_priority_xattr(std::string_view text) {
  auto v = parse_int<int>(trim(text));
  if (!v || *v < 0 || *v > 1000) return std::nullopt;
  return v;
}

}  // namespace oomguard::extended

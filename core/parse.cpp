#include "core/parse.h"

#include <charconv>
#include <limits>

#include "core/kernel_roots.h"

namespace oomguard::core {
namespace {

bool to_u64(std::string_view s, std::uint64_t* out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

// Splits off the next whitespace-separated token.
std::string_view next_token(std::string_view* rest) {
  std::size_t b = rest->find_first_not_of(" \t\n");
  if (b == std::string_view::npos) {
    *rest = {};
    return {};
  }
  std::size_t e = rest->find_first_of(" \t\n", b);
  if (e == std::string_view::npos) e = rest->size();
  std::string_view tok = rest->substr(b, e - b);
  rest->remove_prefix(e);
  return tok;
}

// The line starting with `prefix` (at the start of the text or after a newline).
bool find_line(std::string_view text, std::string_view prefix, std::string_view* line) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view l = text.substr(pos, end - pos);
    if (l.substr(0, prefix.size()) == prefix) {
      *line = l;
      return true;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

bool psi_total(std::string_view text, std::string_view kind, std::uint64_t* out) {
  std::string_view line;
  if (!find_line(text, kind, &line)) return false;
  std::size_t t = line.find(" total=");
  if (t == std::string_view::npos) return false;
  return to_u64(line.substr(t + 7), out);
}

// "Key:   1234 kB" → bytes.
bool meminfo_field(std::string_view text, std::string_view key, std::uint64_t* out) {
  std::string_view line;
  if (!find_line(text, key, &line)) return false;
  line.remove_prefix(key.size());
  std::string_view value = next_token(&line);
  std::string_view unit = next_token(&line);
  std::uint64_t v = 0;
  if (!to_u64(value, &v) || unit != "kB" || v > std::numeric_limits<std::uint64_t>::max() / 1024) {
    return false;
  }
  *out = v * 1024;
  return true;
}

}  // namespace

bool parse_psi(std::string_view text, PsiTotals* out) {
  PsiTotals t;
  if (!psi_total(text, "some ", &t.some_us)) return false;
  t.has_full = psi_total(text, "full ", &t.full_us);
  *out = t;
  return true;
}

bool parse_meminfo(std::string_view text, MemInfo* out) {
  MemInfo m;
  if (!meminfo_field(text, "MemTotal:", &m.total) ||
      !meminfo_field(text, "MemAvailable:", &m.available) ||
      !meminfo_field(text, "SwapTotal:", &m.swap_total) ||
      !meminfo_field(text, "SwapFree:", &m.swap_free)) {
    return false;
  }
  *out = m;
  return true;
}

bool parse_u64_or_max(std::string_view text, std::uint64_t* out) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text == "max") {
    *out = std::numeric_limits<std::uint64_t>::max();
    return true;
  }
  return to_u64(text, out);
}

bool parse_keyed_u64(std::string_view text, std::string_view key, std::uint64_t* out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      return to_u64(line.substr(key.size() + 1), out);
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  return false;
}

bool parse_proc_stat(std::string_view text, ProcStat* out) {
  // "pid (comm) state ppid ..." — comm may hold spaces and ')' so take the last ')'.
  std::size_t open = text.find(" (");
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return false;
  }
  ProcStat s;
  std::uint64_t pid = 0;
  if (!to_u64(text.substr(0, open), &pid) || pid == 0 || pid > 0x7fffffff) return false;
  s.pid = static_cast<std::int32_t>(pid);
  s.comm = text.substr(open + 2, close - open - 2);
  std::string_view rest = text.substr(close + 1);
  std::string_view state = next_token(&rest);  // field 3
  if (state.size() != 1) return false;
  s.state = state[0];
  std::uint64_t v = 0;
  for (int field = 4; field <= 24; ++field) {
    std::string_view tok = next_token(&rest);
    if (field == 4 || field == 9 || field == 22 || field == 24) {
      // ppid may be 0; all of these are non-negative on Linux.
      if (!to_u64(tok, &v)) return false;
      if (field == 4) s.ppid = static_cast<std::int32_t>(v);
      if (field == 9) s.flags = static_cast<std::uint32_t>(v);
      if (field == 22) s.start_time_ticks = v;
      if (field == 24) s.rss_pages = v;
    } else if (tok.empty()) {
      return false;
    }
  }
  // Field 25 must follow: a line cut inside field 24 is not mistaken for a short rss.
  if (next_token(&rest).empty()) return false;
  *out = s;
  return true;
}

bool parse_status_rss_swap(std::string_view text, std::uint64_t* out) {
  std::uint64_t rss = 0;
  std::uint64_t swap = 0;
  if (!meminfo_field(text, "VmRSS:", &rss) || !meminfo_field(text, "VmSwap:", &swap)) return false;
  *out = rss + swap;
  return true;
}

bool parse_loadavg_last_pid(std::string_view text, std::int32_t* out) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  const std::size_t space = text.rfind(' ');
  if (space == std::string_view::npos ||
      text.substr(0, space).find('/') == std::string_view::npos) {
    return false;
  }
  const std::string_view field = text.substr(space + 1);
  std::int32_t pid = 0;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), pid);
  if (ec != std::errc() || end != field.data() + field.size() || pid <= 0) return false;
  *out = pid;
  return true;
}

bool read_loadavg_last_pid(int dirfd, const char* relpath, std::int32_t* out) {
  char text[128];
  const ssize_t n = read_file_at(dirfd, relpath, text);
  return n > 0 && parse_loadavg_last_pid({text, static_cast<std::size_t>(n)}, out);
}

bool parse_cgroup_v2_path(std::string_view text, std::string_view* out) {
  std::string_view line;
  if (!find_line(text, "0::/", &line)) return false;
  line.remove_prefix(4);
  *out = line;
  return true;
}

bool cgroup_path_within(std::string_view path, std::string_view ancestor) {
  if (ancestor.empty()) return true;
  if (path.substr(0, ancestor.size()) != ancestor) return false;
  return path.size() == ancestor.size() || path[ancestor.size()] == '/';
}

}  // namespace oomguard::core

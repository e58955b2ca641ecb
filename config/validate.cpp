#include "config/validate.h"

#include <regex.h>

#include <array>

namespace oomguard::config::internal {
namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Index just past the bracket expression that starts at pattern[open] == '[', or npos when it
// is never closed. Handles a leading '!'/'^', a literal ']' first, and [:class:], [.x.], [=x=].
std::size_t skip_bracket(std::string_view pattern, std::size_t open) {
  std::size_t i = open + 1;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) ++i;
  if (i < pattern.size() && pattern[i] == ']') ++i;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == ']') return i + 1;
    if (c == '[' && i + 1 < pattern.size() &&
        (pattern[i + 1] == ':' || pattern[i + 1] == '.' || pattern[i + 1] == '=')) {
      const char terminator[3] = {pattern[i + 1], ']', '\0'};
      const std::size_t end = pattern.find(terminator, i + 2);
      if (end == std::string_view::npos) return std::string_view::npos;
      i = end + 2;
      continue;
    }
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

CgroupPath normalize_cgroup_path(std::string_view text) {
  if (text.find('\0') != std::string_view::npos)
    return {.path = {}, .error = "contains a NUL byte"};
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && text[begin] == '/') ++begin;
  while (end > begin && text[end - 1] == '/') --end;
  const std::string_view inner = text.substr(begin, end - begin);
  std::size_t start = 0;
  while (start < inner.size()) {
    std::size_t slash = inner.find('/', start);
    if (slash == std::string_view::npos) slash = inner.size();
    const std::string_view part = inner.substr(start, slash - start);
    if (part.empty()) return {.path = {}, .error = "contains an empty path component ('//')"};
    if (part == "." || part == "..") {
      return {.path = {}, .error = "must not contain '.' or '..' components"};
    }
    start = slash + 1;
  }
  return {.path = std::string(inner), .error = {}};
}

std::string check_monitor_name(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 31) {
    return "must be at most 31 bytes, got " + std::to_string(name.size());
  }
  for (const char c : name) {
    if (!is_name_char(c)) return "may contain only letters, digits, '_' and '-'";
  }
  return {};
}

std::string check_cgroup_glob(std::string_view pattern) {
  if (pattern.empty()) return "must not be empty";
  const char first = pattern.front();
  if (first != '/' && first != '*' && first != '?' && first != '[') {
    return "must start with '/' or a wildcard: it is matched against the whole '/'-rooted "
           "cgroup path, e.g. \"/system.slice/*\"";
  }
  std::size_t i = 0;
  while (i < pattern.size()) {
    const char c = pattern[i];
    if (c == '\\') {
      if (i + 1 == pattern.size()) return "ends with an unescaped '\\'";
      i += 2;
    } else if (c == '[') {
      const std::size_t next = skip_bracket(pattern, i);
      if (next == std::string_view::npos) {
        return "unbalanced '[' at offset " + std::to_string(i) +
               " (write \"\\\\[\" for a literal '[')";
      }
      i = next;
    } else {
      ++i;
    }
  }
  return {};
}

std::string check_regex(const std::string& pattern) {
  if (pattern.empty()) return "must not be empty (it would match everything)";
  regex_t regex;
  const int rc = regcomp(&regex, pattern.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc == 0) {
    regfree(&regex);
    return {};
  }
  std::array<char, 256> text{};
  regerror(rc, &regex, text.data(), text.size());
  return "invalid regular expression (POSIX extended): " + std::string(text.data());
}

std::string check_root_path(std::string_view text, bool allow_none) {
  if (text == "auto" || (allow_none && text == "none")) return {};
  if (text.empty() || text.front() != '/' || text.find('\0') != std::string_view::npos) {
    return allow_none ? "must be \"auto\", \"none\" or an absolute path"
                      : "must be \"auto\" or an absolute path";
  }
  return {};
}

}  // namespace oomguard::config::internal

// Internal to config/: validation of single values that needs no TOML (pure functions, unit
// tested directly). Each returns an empty string when the value is fine, else the message.
#pragma once

#include <string>
#include <string_view>

namespace oomguard::config::internal {

// A cgroup path as written in the file ("/system.slice/a.service", "a/b", "/") in the stored
// form: relative to the cgroup roots, no leading or trailing '/', "" for the root. Refuses
// empty components ("a//b"), "." and "..", and NUL bytes.
struct CgroupPath {
  std::string path;   // stored form
  std::string error;  // non-empty when the text is not a valid cgroup path
};
CgroupPath normalize_cgroup_path(std::string_view text);

// Monitor names: 1..31 bytes of [A-Za-z0-9_-].
std::string check_monitor_name(std::string_view name);

// An fnmatch(3) pattern on '/'-rooted cgroup paths: non-empty, starting with '/' or a wildcard,
// brackets balanced, no trailing unescaped backslash.
std::string check_cgroup_glob(std::string_view pattern);

// A POSIX extended regular expression: compiled with regcomp(REG_EXTENDED | REG_NOSUB); the
// message carries regerror(3)'s text.
std::string check_regex(const std::string& pattern);

// "auto", an absolute path, or (when `allow_none`) "none".
std::string check_root_path(std::string_view text, bool allow_none);

}  // namespace oomguard::config::internal

// config: reads oomguard.toml into the plain structs CoreConfig and ExtendedConfig, validates
// every key (type, range, conflicts, capacities) and reports every error with file:line:column
// and the key path. This header is safe for -fno-exceptions code: it does not include toml++,
// and no function here throws.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/core_config.h"
#include "config/extended_config.h"

namespace oomguard::config {

inline constexpr const char* kDefaultPath = "/etc/oomguard/oomguard.toml";
// load_file refuses larger files (a configuration file is a few KiB).
inline constexpr std::size_t kMaxFileBytes = 1024 * 1024;

struct Config {
  CoreConfig core;
  ExtendedConfig extended;

  bool operator==(const Config&) const = default;
};

struct Error {
  std::string file;
  std::uint32_t line = 0;    // 1-based; 0 = unknown
  std::uint32_t column = 0;  // 1-based; 0 = unknown
  std::string key;           // key path, e.g. "rules[2].priority"; empty for syntax/file errors
  std::string message;       // what was expected / what is wrong

  // "file:line:column: key: message"; the position and key parts are left out when unknown.
  std::string to_string() const;
};

// Exactly one of the two is set/non-empty.
struct LoadResult {
  std::optional<Config> config;
  std::vector<Error> errors;
};

// Reads and validates `path`. A missing or unreadable file gives one error naming the path and
// strerror(errno).
LoadResult load_file(const std::string& path) noexcept;
// Validates `toml`; errors name `source_name` as their file. Every error of the file is reported,
// except that a TOML syntax error stops parsing and is then the only error.
LoadResult load_string(std::string_view toml, std::string_view source_name) noexcept;

// The configuration used for an empty file.
Config defaults();

// The effective configuration as TOML with every key, loadable again (load_string of the result
// equals `config`).
std::string to_toml(const Config& config);

// `--config FILE --check-config` for oomguard-core and oomguard-extended: prints the effective
// configuration to stdout and returns 0, or prints every error to stderr and returns 2.
int check_config_main(const std::string& path);

}  // namespace oomguard::config

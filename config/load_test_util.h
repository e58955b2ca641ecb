// Test helpers for config/*_test.cpp.
#pragma once

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <string_view>

#include "config/load.h"

namespace oomguard::config {

// gtest prints mismatching configurations as TOML instead of a byte dump.
inline void PrintTo(const Config& config, std::ostream* os) { *os << "\n" << to_toml(config); }
inline void PrintTo(const CoreConfig& core, std::ostream* os) {
  PrintTo(Config{.core = core, .extended = defaults().extended}, os);
}
inline void PrintTo(const ExtendedConfig& extended, std::ostream* os) {
  PrintTo(Config{.core = defaults().core, .extended = extended}, os);
}

}  // namespace oomguard::config

namespace oomguard::config::testing {

inline constexpr std::string_view kFile = "test.toml";

inline LoadResult load(std::string_view text) { return load_string(text, kFile); }

inline std::string all_errors(const LoadResult& result) {
  std::string text;
  for (const Error& error : result.errors) text += error.to_string() + "\n";
  return text;
}

// Passes when `result` holds an error for `key` at line:column whose message contains
// `message`. column 0 = do not check the column.
inline ::testing::AssertionResult has_error(const LoadResult& result, std::uint32_t line,
                                            std::uint32_t column, std::string_view key,
                                            std::string_view message) {
  if (result.config) return ::testing::AssertionFailure() << "loaded without errors";
  for (const Error& error : result.errors) {
    if (error.key != key) continue;
    if (error.file == kFile && error.line == line && (column == 0 || error.column == column) &&
        error.message.find(message) != std::string::npos) {
      return ::testing::AssertionSuccess();
    }
  }
  return ::testing::AssertionFailure() << "no error " << line << ":" << column << " " << key
                                       << " containing '" << message << "'; errors:\n"
                                       << all_errors(result);
}

}  // namespace oomguard::config::testing

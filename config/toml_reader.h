// Internal to config/: typed, position-aware access to one TOML table. Every read checks type
// and range and records an Error (file:line:column, key path, message) instead of stopping, so
// one pass reports every problem of a file. Includes toml++; never include it from a public
// header.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/load.h"

namespace oomguard::config::internal {

// Collects the errors of one file.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  void add(const toml::source_region& where, std::string key, std::string message);
  bool empty() const { return errors_.empty(); }
  // The errors ordered by position (unknown positions first), stable otherwise.
  std::vector<Error> take();

 private:
  std::string file_;
  std::vector<Error> errors_;
};

// "an integer", "a string", ... for "expected X, got Y" messages.
std::string_view type_name(toml::node_type type);

// " (did you mean 'x'?)" naming the closest candidate, or "" when none is close.
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         char quote = '\'');

// An inclusive integer range with the unit printed in messages ("milliseconds", "MiB", "").
struct IntRange {
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::string_view unit;
};

enum class Read : std::uint8_t {
  kAbsent,   // key not present (no error recorded)
  kInvalid,  // present but wrong; an error was recorded
  kOk,
};

// A string element of an array, with its position for later errors.
struct StringItem {
  std::string value;
  const toml::source_region* where = nullptr;
};

class TableReader {
 public:
  // `path` is the key path of the table ("" for the root, "core", "rules[2]"); `known` lists
  // every key the table may hold (for report_unknown and its suggestions).
  TableReader(const toml::table& table, std::string path, std::span<const std::string_view> known,
              Diagnostics& diag)
      : table_(table), path_(std::move(path)), known_(known), diag_(diag) {}

  const toml::node* get(std::string_view key) const { return table_.get(key); }
  bool has(std::string_view key) const { return get(key) != nullptr; }
  std::string key_path(std::string_view key) const;
  const std::string& path() const { return path_; }
  // The value's position, or the table's when the key is absent.
  const toml::source_region& where(std::string_view key) const;
  const toml::source_region& table_where() const { return table_.source(); }
  Diagnostics& diag() { return diag_; }

  void error(std::string_view key, std::string message);
  void missing(std::string_view key);

  Read boolean(std::string_view key, bool& out);
  Read integer(std::string_view key, IntRange range, std::int64_t& out);
  template <typename T>
  Read integer_as(std::string_view key, IntRange range, T& out) {
    std::int64_t value = 0;
    const Read read = integer(key, range, value);
    if (read == Read::kOk) out = static_cast<T>(value);
    return read;
  }
  // A number (integer or float) with 0 < value <= 100.
  Read percent(std::string_view key, double& out);
  // A number (integer or float) within [min, max].
  Read number(std::string_view key, double min, double max, double& out);
  Read string(std::string_view key, std::string& out);
  // One of `names`; `index` receives its position.
  Read choice(std::string_view key, std::span<const std::string_view> names, std::size_t& index);
  // An array of strings; wrongly typed elements are reported (result kInvalid) and skipped.
  Read strings(std::string_view key, std::vector<StringItem>& out);
  // An array of tables ([[key]]); `out` holds the tables (nullptr for wrongly typed elements).
  Read tables(std::string_view key, std::vector<const toml::table*>& out);
  // A sub-table; nullptr when absent or not a table (then an error is recorded).
  const toml::table* table(std::string_view key);

  // Records an error for every key not in `known`, suggesting the closest known key.
  void report_unknown();

 private:
  bool expect(std::string_view key, const toml::node& node, bool ok, std::string_view expected);

  const toml::table& table_;
  std::string path_;
  std::span<const std::string_view> known_;
  Diagnostics& diag_;
};

// Quotes `text` for messages: "text" with control characters escaped.
std::string quoted(std::string_view text);

}  // namespace oomguard::config::internal

// Internal to config/: one parser per section of oomguard.toml. Each starts from the values
// already in its output (the defaults), overwrites what the file sets, and records every problem
// in the Diagnostics instead of stopping.
#pragma once

#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "config/load.h"
#include "config/toml_reader.h"

namespace oomguard::config::internal {

void parse_document(const toml::table& root, Diagnostics& diag, Config& config);

void parse_core(const toml::table& table, Diagnostics& diag, CoreConfig& core);
// [[core.monitors]] and [[core.triggers]] of the [core] table read by `core_reader`.
void parse_monitors_and_triggers(TableReader& core_reader, CoreConfig& core);
void parse_extended(const toml::table& table, Diagnostics& diag, ExtendedConfig& extended);
void parse_rules(TableReader& root_reader, std::vector<Rule>& rules);
void parse_output(const toml::table& table, Diagnostics& diag, OutputConfig& output);

// Field helpers shared by the sections.

// A cgroup path string under `key`, stored normalized (see validate.h) in `stored`. The root
// ("/") is refused with `root_refusal` as the message unless that is empty.
Read read_cgroup(TableReader& reader, std::string_view key, std::string_view root_refusal,
                 std::string& stored);
// The same for a value already read (an array element at `where`).
bool check_cgroup(Diagnostics& diag, const toml::source_region& where, const std::string& key,
                  std::string_view text, std::string_view root_refusal, std::string& stored);
// "" (off / default) or an absolute path of at most `max_bytes` bytes.
Read read_optional_path(TableReader& reader, std::string_view key, std::size_t max_bytes,
                        std::string& out);

// Two settings where `low` must not exceed `high` (strict: must be below). The conflict is
// reported at the key the file sets (both set: at `high_key`, or at `low_key` with
// `report_at_low`); nothing is checked when either value was invalid.
struct OrderedPair {
  std::string_view low_key;
  std::int64_t low = 0;
  Read low_read = Read::kAbsent;
  std::string_view high_key;
  std::int64_t high = 0;
  Read high_read = Read::kAbsent;
  bool strict = false;
  bool report_at_low = false;
};
void check_order(TableReader& reader, const OrderedPair& pair);

// Writes `text` into a FixedString, recording a capacity error when it does not fit.
template <typename Fixed>
bool assign_fixed(TableReader& reader, std::string_view key, std::string_view text, Fixed& out) {
  if (out.assign(text)) return true;
  reader.error(key, "must be at most " + std::to_string(Fixed::kCapacity) + " bytes, got " +
                        std::to_string(text.size()));
  return false;
}

}  // namespace oomguard::config::internal

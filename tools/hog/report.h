// Progress and summary lines (pure formatting): a line is an ordered list of fields, rendered
// either as one JSON object or as human-readable `key=value` text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace oomguard::hog {

// A value that is already JSON (array/object), with its text rendering.
struct Nested {
  std::string json;
  std::string text;
};

struct Null {};

using FieldValue =
    std::variant<std::int64_t, std::uint64_t, double, bool, std::string, Null, Nested>;

struct Field {
  std::string key;
  FieldValue value;
};

using Fields = std::vector<Field>;

// {"k":v,...} — doubles with 3 decimals.
std::string fields_to_json(const Fields& fields);
// "k=v k=v" — doubles with 2 decimals, strings unquoted unless they contain spaces.
std::string fields_to_text(const Fields& fields);

// Common head of a progress line; the mode appends its own fields after these.
struct ProgressHead {
  std::string_view mode;
  std::int64_t pid = 0;
  double t_s = 0;
  std::string_view phase;
  double held_mib = 0;
  double rate_mib_s = 0;
  double stall_ms = 0;      // worst stall in this interval
  double max_stall_ms = 0;  // worst stall since the start
};

Fields progress_fields(const ProgressHead& head, const Fields& extra);

// One progress line with its trailing newline.
//   json: {"type":"progress","mode":..,"pid":..,"t_s":..,...}
//   text: [    1.0s] anon   phase=alloc held_mib=100.0 ...
std::string render_progress(const Fields& progress, bool json);

struct SummaryHead {
  std::int64_t pid = 0;
  double elapsed_s = 0;
  int exit_code = 0;
  std::string error;  // empty = none
};

// The final summary; `modes` holds one field list per mode.
//   json: {"type":"summary","pid":..,"elapsed_s":..,"exit_code":..,"error":..,"modes":[{..}]}
//   text: a "summary ..." line and one indented line per mode.
std::string render_summary(const SummaryHead& head, const std::vector<Fields>& modes, bool json);

}  // namespace oomguard::hog

// extended/output_json: a small JSON text builder for the kill log. Objects, arrays, strings
// (escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD so every line stays valid
// JSON whatever a process put in its comm), integers, booleans, null and fixed-point numbers.
// Writing only; the tests parse the output back with their own reader.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace oomguard::extended {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next value's key.
  JsonWriter& key(std::string_view name);

  JsonWriter& string(std::string_view text);
  JsonWriter& integer(std::int64_t value);
  JsonWriter& unsigned_integer(std::uint64_t value);
  JsonWriter& boolean(bool value);
  JsonWriter& null();
  // `value` with exactly `decimals` digits after the point (non-finite values become null).
  JsonWriter& fixed(double value, int decimals);

  const std::string& text() const { return out_; }

 private:
  void before_value();

  std::string out_;
  std::vector<bool> has_items_;  // per open container: something was written into it
  bool after_key_ = false;
};

// Appends `text` to `out` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view text);

}  // namespace oomguard::extended

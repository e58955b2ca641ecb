// Minimal JSON for hog's machine-readable output: a writer for flat objects (one per line) and
// a strict RFC 8259 parser, so tests, benchmarks and scenario runners can read hog's output
// without another dependency.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tools/hog/result.h"

namespace oomguard::hog {

// Appends `text` as a quoted JSON string (escapes ", \, control characters).
void append_json_string(std::string& out, std::string_view text);

// `value` with `decimals` digits after the point; "null" when not finite.
std::string json_number(double value, int decimals = 3);

// Builds one JSON object in insertion order: {"k":v,...}. Keys are not deduplicated.
class JsonObject {
 public:
  JsonObject& add_string(std::string_view key, std::string_view value);
  JsonObject& add_int(std::string_view key, std::int64_t value);
  JsonObject& add_uint(std::string_view key, std::uint64_t value);
  JsonObject& add_double(std::string_view key, double value, int decimals = 3);
  JsonObject& add_bool(std::string_view key, bool value);
  JsonObject& add_null(std::string_view key);
  // `json` must already be valid JSON (an array or object built with this file).
  JsonObject& add_raw(std::string_view key, std::string_view json);
  std::string str() const { return body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_ = "{";
};

// "[a,b,...]" from already-formatted JSON values.
std::string json_array(const std::vector<std::string>& items);

class JsonValue {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Members = std::vector<std::pair<std::string, JsonValue>>;

  static JsonValue null() { return JsonValue(Kind::kNull); }
  static JsonValue boolean(bool b);
  static JsonValue number(double n);
  static JsonValue string(std::string s);
  static JsonValue array(std::vector<JsonValue> items);
  static JsonValue object(Members members);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  // Accessors return the zero value when the kind differs.
  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  const std::string& as_string() const { return string_; }
  const std::vector<JsonValue>& items() const { return items_; }
  const Members& members() const { return members_; }
  // First member named `key` of an object, or nullptr.
  const JsonValue* find(std::string_view key) const;

 private:
  explicit JsonValue(Kind kind) : kind_(kind) {}
  Kind kind_;
  bool bool_ = false;
  double number_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  Members members_;
};

// Parses exactly one JSON value (surrounding whitespace allowed). Nesting depth <= 64.
Result<JsonValue> parse_json(std::string_view text);

}  // namespace oomguard::hog

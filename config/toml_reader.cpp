#include "config/toml_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace oomguard::config::internal {
namespace {

std::uint32_t to_u32(toml::source_index value) { return static_cast<std::uint32_t>(value); }

// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t cols = b.size() + 1;
  std::vector<std::size_t> prev2(cols), prev(cols), cur(cols);
  for (std::size_t j = 0; j < cols; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j < cols; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

std::string format_number(double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

std::string format_range(IntRange range) {
  std::string text =
      "must be between " + std::to_string(range.min) + " and " + std::to_string(range.max);
  if (!range.unit.empty()) text += " (" + std::string(range.unit) + ")";
  return text;
}

}  // namespace

void Diagnostics::add(const toml::source_region& where, std::string key, std::string message) {
  errors_.push_back(Error{.file = file_,
                          .line = to_u32(where.begin.line),
                          .column = to_u32(where.begin.column),
                          .key = std::move(key),
                          .message = std::move(message)});
}

std::vector<Error> Diagnostics::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::move(errors_);
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    case toml::node_type::none:
      break;
  }
  return "nothing";
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates,
                         char quote) {
  std::string_view best;
  std::size_t best_distance = 0;
  for (const std::string_view candidate : candidates) {
    const std::size_t distance = edit_distance(word, candidate);
    const std::size_t limit = std::max<std::size_t>(2, std::max(word.size(), candidate.size()) / 3);
    if (distance <= limit && (best.empty() || distance < best_distance)) {
      best = candidate;
      best_distance = distance;
    }
  }
  if (best.empty()) return {};
  return std::string(" (did you mean ") + quote + std::string(best) + quote + "?)";
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", byte);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string TableReader::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

const toml::source_region& TableReader::where(std::string_view key) const {
  const toml::node* node = get(key);
  return node != nullptr ? node->source() : table_.source();
}

void TableReader::error(std::string_view key, std::string message) {
  diag_.add(where(key), key_path(key), std::move(message));
}

void TableReader::missing(std::string_view key) {
  diag_.add(table_.source(), key_path(key), "required key is missing");
}

bool TableReader::expect(std::string_view key, const toml::node& node, bool ok,
                         std::string_view expected) {
  if (ok) return true;
  diag_.add(node.source(), key_path(key),
            "expected " + std::string(expected) + ", got " + std::string(type_name(node.type())));
  return false;
}

Read TableReader::boolean(std::string_view key, bool& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_boolean(), "a boolean (true or false)")) return Read::kInvalid;
  out = node->as_boolean()->get();
  return Read::kOk;
}

Read TableReader::integer(std::string_view key, IntRange range, std::int64_t& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_integer(), "an integer")) return Read::kInvalid;
  const std::int64_t value = node->as_integer()->get();
  if (value < range.min || value > range.max) {
    error(key, format_range(range) + ", got " + std::to_string(value));
    return Read::kInvalid;
  }
  out = value;
  return Read::kOk;
}

Read TableReader::percent(std::string_view key, double& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_number(), "a number")) return Read::kInvalid;
  const double value = node->value<double>().value_or(0.0);
  if (!(value > 0.0 && value <= 100.0)) {
    error(key, "must be greater than 0 and at most 100 (percent), got " + format_number(value));
    return Read::kInvalid;
  }
  out = value;
  return Read::kOk;
}

Read TableReader::number(std::string_view key, double min, double max, double& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_number(), "a number")) return Read::kInvalid;
  const double value = node->value<double>().value_or(0.0);
  if (!(value >= min && value <= max)) {
    error(key, "must be between " + format_number(min) + " and " + format_number(max) + ", got " +
                   format_number(value));
    return Read::kInvalid;
  }
  out = value;
  return Read::kOk;
}

Read TableReader::string(std::string_view key, std::string& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_string(), "a string")) return Read::kInvalid;
  out = node->as_string()->get();
  return Read::kOk;
}

Read TableReader::choice(std::string_view key, std::span<const std::string_view> names,
                         std::size_t& index) {
  std::string value;
  const Read read = string(key, value);
  if (read != Read::kOk) return read;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i] == value) {
      index = i;
      return Read::kOk;
    }
  }
  std::string message = "must be one of ";
  for (std::size_t i = 0; i < names.size(); ++i) {
    message += (i == 0 ? "" : ", ") + quoted(names[i]);
  }
  error(key, message + "; got " + quoted(value) + did_you_mean(value, names, '"'));
  return Read::kInvalid;
}

Read TableReader::strings(std::string_view key, std::vector<StringItem>& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  if (!expect(key, *node, node->is_array(), "an array of strings")) return Read::kInvalid;
  Read read = Read::kOk;
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const toml::node& element = *array.get(i);
    const std::string element_key = std::string(key) + "[" + std::to_string(i) + "]";
    if (!expect(element_key, element, element.is_string(), "a string")) {
      read = Read::kInvalid;
      continue;
    }
    out.push_back(StringItem{.value = element.as_string()->get(), .where = &element.source()});
  }
  return read;
}

Read TableReader::tables(std::string_view key, std::vector<const toml::table*>& out) {
  const toml::node* node = get(key);
  if (node == nullptr) return Read::kAbsent;
  const std::string expected = "an array of tables ([[" + key_path(key) + "]])";
  if (!expect(key, *node, node->is_array(), expected)) return Read::kInvalid;
  Read read = Read::kOk;
  const toml::array& array = *node->as_array();
  for (std::size_t i = 0; i < array.size(); ++i) {
    const toml::node& element = *array.get(i);
    const std::string element_key = std::string(key) + "[" + std::to_string(i) + "]";
    if (!expect(element_key, element, element.is_table(), "a table")) read = Read::kInvalid;
    out.push_back(element.as_table());
  }
  return read;
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = get(key);
  if (node == nullptr) return nullptr;
  if (!expect(key, *node, node->is_table(), "a table ([" + key_path(key) + "])")) return nullptr;
  return node->as_table();
}

void TableReader::report_unknown() {
  for (auto&& [key, node] : table_) {
    const std::string_view name = key.str();
    if (std::find(known_.begin(), known_.end(), name) != known_.end()) continue;
    const bool is_table = node.is_table() || node.is_array_of_tables();
    diag_.add(key.source(), key_path(name),
              std::string(is_table ? "unknown table '" : "unknown key '") + std::string(name) +
                  "'" + did_you_mean(name, known_));
  }
}

}  // namespace oomguard::config::internal

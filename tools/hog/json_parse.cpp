// Strict recursive-descent JSON parser (RFC 8259) for JsonValue.
#include <charconv>
#include <cstdlib>

#include "tools/hog/json.h"

namespace oomguard::hog {

JsonValue JsonValue::boolean(bool b) {
  JsonValue v(Kind::kBool);
  v.bool_ = b;
  return v;
}
JsonValue JsonValue::number(double n) {
  JsonValue v(Kind::kNumber);
  v.number_ = n;
  return v;
}
JsonValue JsonValue::string(std::string s) {
  JsonValue v(Kind::kString);
  v.string_ = std::move(s);
  return v;
}
JsonValue JsonValue::array(std::vector<JsonValue> items) {
  JsonValue v(Kind::kArray);
  v.items_ = std::move(items);
  return v;
}
JsonValue JsonValue::object(Members members) {
  JsonValue v(Kind::kObject);
  v.members_ = std::move(members);
  return v;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  for (const auto& [name, value] : members_) {
    if (name == key) return &value;
  }
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<JsonValue> parse_document() {
    auto v = value(0);
    if (!v) return v;
    skip_ws();
    if (pos_ != text_.size()) return fail("trailing characters");
    return v;
  }

 private:
  Error fail(std::string_view what) const {
    return Error{"json: " + std::string(what) + " at offset " + std::to_string(pos_)};
  }
  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Result<JsonValue> value(int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_ws();
    if (pos_ >= text_.size()) return fail("unexpected end");
    char c = text_[pos_];
    if (c == '{') return object(depth);
    if (c == '[') return array(depth);
    if (c == '"') {
      auto s = string();
      if (!s) return s.error();
      return JsonValue::string(std::move(*s));
    }
    if (consume("true")) return JsonValue::boolean(true);
    if (consume("false")) return JsonValue::boolean(false);
    if (consume("null")) return JsonValue::null();
    return number();
  }

  Result<JsonValue> object(int depth) {
    ++pos_;  // '{'
    JsonValue::Members members;
    skip_ws();
    if (consume("}")) return JsonValue::object(std::move(members));
    while (true) {
      skip_ws();
      if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a member name");
      auto key = string();
      if (!key) return key.error();
      skip_ws();
      if (!consume(":")) return fail("expected ':'");
      auto v = value(depth + 1);
      if (!v) return v;
      members.emplace_back(std::move(*key), std::move(*v));
      skip_ws();
      if (consume("}")) return JsonValue::object(std::move(members));
      if (!consume(",")) return fail("expected ',' or '}'");
    }
  }

  Result<JsonValue> array(int depth) {
    ++pos_;  // '['
    std::vector<JsonValue> items;
    skip_ws();
    if (consume("]")) return JsonValue::array(std::move(items));
    while (true) {
      auto v = value(depth + 1);
      if (!v) return v;
      items.push_back(std::move(*v));
      skip_ws();
      if (consume("]")) return JsonValue::array(std::move(items));
      if (!consume(",")) return fail("expected ',' or ']'");
    }
  }

  std::size_t digits() {
    std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ - start;
  }

  Result<JsonValue> number() {
    const std::size_t start = pos_;
    consume("-");
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (digits() == 0) {
      return fail("invalid value");
    }
    if (consume(".") && digits() == 0) return fail("digits expected after '.'");
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (!consume("+")) consume("-");
      if (digits() == 0) return fail("digits expected in exponent");
    }
    double out = 0;
    std::string_view token = text_.substr(start, pos_ - start);
    auto [ptr, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
    if (ec != std::errc() || ptr != token.data() + token.size()) return fail("number out of range");
    return JsonValue::number(out);
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    auto byte = [&out](std::uint32_t b) { out.push_back(static_cast<char>(b)); };
    if (cp < 0x80) {
      byte(cp);
    } else if (cp < 0x800) {
      byte(0xC0 | (cp >> 6));
      byte(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      byte(0xE0 | (cp >> 12));
      byte(0x80 | ((cp >> 6) & 0x3F));
      byte(0x80 | (cp & 0x3F));
    } else {
      byte(0xF0 | (cp >> 18));
      byte(0x80 | ((cp >> 12) & 0x3F));
      byte(0x80 | ((cp >> 6) & 0x3F));
      byte(0x80 | (cp & 0x3F));
    }
  }

  Result<std::uint32_t> hex4() {
    if (pos_ + 4 > text_.size()) return fail("short \\u escape");
    std::uint32_t v = 0;
    auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
    if (ec != std::errc() || ptr != text_.data() + pos_ + 4) return fail("bad \\u escape");
    pos_ += 4;
    return v;
  }

  Result<std::uint32_t> unicode_escape() {
    auto hi = hex4();
    if (!hi) return hi;
    if (*hi < 0xD800 || *hi > 0xDFFF) return hi;
    if (*hi > 0xDBFF || !consume("\\u")) return fail("unpaired surrogate");
    auto lo = hex4();
    if (!lo) return lo;
    if (*lo < 0xDC00 || *lo > 0xDFFF) return fail("unpaired surrogate");
    return 0x10000 + ((*hi - 0xD800) << 10) + (*lo - 0xDC00);
  }

  Result<std::string> string() {
    ++pos_;  // '"'
    std::string out;
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) break;
      char e = text_[pos_++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out.push_back(e);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          auto cp = unicode_escape();
          if (!cp) return cp.error();
          append_utf8(out, *cp);
          break;
        }
        default:
          return fail("bad escape");
      }
    }
    return fail("unterminated string");
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text) { return Parser(text).parse_document(); }

}  // namespace oomguard::hog

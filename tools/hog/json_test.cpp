#include "tools/hog/json.h"

#include <gtest/gtest.h>

#include <limits>

namespace oomguard::hog {
namespace {

TEST(HogJson, EscapesStrings) {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\te\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001")");
}

TEST(HogJson, Numbers) {
  EXPECT_EQ(json_number(1.5), "1.500");
  EXPECT_EQ(json_number(2.0 / 3.0, 2), "0.67");
  EXPECT_EQ(json_number(-0.0001), "0.000");  // no negative zero
  EXPECT_EQ(json_number(-2.5, 1), "-2.5");
  EXPECT_EQ(json_number(std::numeric_limits<double>::infinity()), "null");
  EXPECT_EQ(json_number(std::numeric_limits<double>::quiet_NaN()), "null");
}

TEST(HogJson, ObjectBuilder) {
  JsonObject o;
  o.add_string("s", "x y").add_int("i", -3).add_uint("u", 18446744073709551615ULL);
  o.add_double("d", 0.25).add_bool("b", true).add_null("n").add_raw("a", json_array({"1", "{}"}));
  EXPECT_EQ(o.str(), R"({"s":"x y","i":-3,"u":18446744073709551615,"d":0.250,"b":true,"n":null,)"
                     R"("a":[1,{}]})");
  EXPECT_EQ(JsonObject().str(), "{}");
  EXPECT_EQ(json_array({}), "[]");
}

TEST(HogJson, ParsesWhatTheWriterWrites) {
  JsonObject inner;
  inner.add_int("pid", 42).add_null("signal");
  JsonObject o;
  o.add_string("type", "summary\n\"q\"").add_double("t", 1.25).add_bool("ok", false);
  o.add_raw("modes", json_array({inner.str(), inner.str()}));
  auto v = parse_json(o.str());
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_TRUE(v->is_object());
  EXPECT_EQ(v->find("type")->as_string(), "summary\n\"q\"");
  EXPECT_DOUBLE_EQ(v->find("t")->as_number(), 1.25);
  EXPECT_TRUE(v->find("ok")->is_bool());
  EXPECT_FALSE(v->find("ok")->as_bool());
  const JsonValue* modes = v->find("modes");
  ASSERT_NE(modes, nullptr);
  ASSERT_EQ(modes->items().size(), 2u);
  EXPECT_EQ(modes->items()[1].find("pid")->as_number(), 42);
  EXPECT_TRUE(modes->items()[1].find("signal")->is_null());
  EXPECT_EQ(v->find("missing"), nullptr);
}

TEST(HogJson, ParsesRfcValues) {
  auto v = parse_json(R"( [ -0.5e+2 , 0, 1E3, "\u00e9\ud83d\ude00\/", true, null, {} ] )");
  ASSERT_TRUE(v.ok()) << v.error().message;
  ASSERT_EQ(v->items().size(), 7u);
  EXPECT_DOUBLE_EQ(v->items()[0].as_number(), -50);
  EXPECT_DOUBLE_EQ(v->items()[2].as_number(), 1000);
  EXPECT_EQ(v->items()[3].as_string(), "\xc3\xa9\xf0\x9f\x98\x80/");
  EXPECT_TRUE(v->items()[6].is_object());
}

TEST(HogJson, RejectsInvalid) {
  for (std::string_view bad :
       {"",      "{",     "[1,]", "{\"a\":1,}", "{'a':1}",  "01",      "1.",          "-",
        "1e",    "+1",    "nul",  "\"abc",      "\"a\nb\"", "\"\\x\"", "\"\\ud800\"", "{\"a\" 1}",
        "[1 2]", "{} {}", "tru",  ".5"}) {
    EXPECT_FALSE(parse_json(bad).ok()) << "accepted: " << bad;
  }
  std::string deep(100, '[');
  deep += std::string(100, ']');
  EXPECT_FALSE(parse_json(deep).ok());
}

}  // namespace
}  // namespace oomguard::hog

// The adapters' JSON reader: RFC 8259 values, exact numbers, escapes and
// UTF-8, and errors that name the byte where a payload stopped being JSON.

#include "adapters/json.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace grens::adapters {
namespace {

using ::testing::HasSubstr;

Json Parse(const std::string& text) {
  absl::StatusOr<Json> json = ParseJson(text);
  EXPECT_TRUE(json.ok()) << text << ": " << json.status();
  return json.ok() ? *json : Json();
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<Json> json = ParseJson(text);
  EXPECT_FALSE(json.ok()) << text << " parsed";
  return json.ok() ? "" : std::string(json.status().message());
}

TEST(Json, ParsesEveryKindOfValue) {
  const Json doc = Parse(R"( {"s": "x", "n": -1.5e3, "t": true, "f": false, "z": null, "a": [1, [], {}], "o": {"k": 2}} )");
  ASSERT_TRUE(doc.is_object());
  EXPECT_EQ(doc.Find("s")->text(), "x");
  EXPECT_EQ(doc.Find("n")->text(), "-1.5e3");
  EXPECT_DOUBLE_EQ(*doc.Find("n")->AsDouble(), -1500);
  EXPECT_TRUE(doc.Find("t")->boolean());
  EXPECT_TRUE(doc.Find("f")->is_bool());
  EXPECT_FALSE(doc.Find("f")->boolean());
  EXPECT_TRUE(doc.Find("z")->is_null());
  ASSERT_EQ(doc.Find("a")->items().size(), 3u);
  EXPECT_TRUE(doc.Find("a")->items()[1].is_array());
  EXPECT_TRUE(doc.Find("a")->items()[2].is_object());
  EXPECT_EQ(doc.At("o.k")->text(), "2");
  EXPECT_EQ(doc.At("o.missing"), nullptr);
  EXPECT_EQ(doc.Find("missing"), nullptr);
  EXPECT_EQ(doc.keys().size(), doc.values().size());
}

TEST(Json, KeepsLargeIntegersExact) {
  // 2^53 + 1 is not representable as a double; ids and millisecond times must survive.
  const Json doc = Parse(R"({"id": 9007199254740993, "ms": "1773133200123", "big": 1e400})");
  EXPECT_EQ(*doc.Find("id")->AsInt64(), 9007199254740993);
  EXPECT_EQ(*doc.Find("ms")->AsInt64(), 1773133200123);
  EXPECT_FALSE(doc.Find("big")->AsInt64().has_value());
  EXPECT_FALSE(Parse(R"({"x": true})").Find("x")->AsInt64().has_value());
  EXPECT_FALSE(Parse(R"({"x": 1.5})").Find("x")->AsInt64().has_value());
}

TEST(Json, DecodesEscapesAndSurrogatePairs) {
  const Json doc = Parse(R"(["a\"b\\c\/d\b\f\n\r\t", "\u00e9\u20ac", "\ud83d\ude00", "caf\u00E9 ok", "ü€"])");
  EXPECT_EQ(doc.items()[0].text(), "a\"b\\c/d\b\f\n\r\t");
  EXPECT_EQ(doc.items()[1].text(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(doc.items()[2].text(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(doc.items()[3].text(), "caf\xC3\xA9 ok");
  EXPECT_EQ(doc.items()[4].text(), "\xC3\xBC\xE2\x82\xAC");
}

TEST(Json, RemembersWhereEachValueStarts) {
  const Json doc = Parse(R"({"a": [10, "x"]})");
  EXPECT_EQ(doc.offset(), 0u);
  EXPECT_EQ(doc.Find("a")->offset(), 6u);
  EXPECT_EQ(doc.Find("a")->items()[1].offset(), 11u);
}

TEST(Json, RepeatedKeysResolveToTheFirst) {
  EXPECT_EQ(Parse(R"({"k": 1, "k": 2})").Find("k")->text(), "1");
}

TEST(Json, ErrorsNameTheByte) {
  EXPECT_EQ(ErrorOf(R"({"a": 1)"), "byte 7: expected ',' or '}' after an object member");
  EXPECT_EQ(ErrorOf(R"({"a" 1})"), "byte 5: expected ':' after an object key");
  EXPECT_EQ(ErrorOf(R"({a: 1})"), "byte 1: expected '\"' to start an object key");
  EXPECT_EQ(ErrorOf(R"([1, 2)"), "byte 5: expected ',' or ']' after an array item");
  EXPECT_EQ(ErrorOf(R"([1,])"), "byte 3: expected a value (object, array, string, number, true, false or null)");
  EXPECT_EQ(ErrorOf(""), "byte 0: unexpected end of the payload, expected a value");
  EXPECT_EQ(ErrorOf("{} x"), "byte 3: unexpected text after the JSON value");
  EXPECT_EQ(ErrorOf("tru"), "byte 0: expected 'true'");
  EXPECT_EQ(ErrorOf(R"("abc)"), "byte 4: unterminated string");
}

TEST(Json, RefusesWhatRfc8259Forbids) {
  EXPECT_THAT(ErrorOf("01"), HasSubstr("unexpected text"));
  EXPECT_THAT(ErrorOf("1."), HasSubstr("digit after the decimal point"));
  EXPECT_THAT(ErrorOf("1e"), HasSubstr("digit in the exponent"));
  EXPECT_THAT(ErrorOf("-"), HasSubstr("expected a value"));
  EXPECT_THAT(ErrorOf("+1"), HasSubstr("expected a value"));
  EXPECT_THAT(ErrorOf("NaN"), HasSubstr("expected a value"));
  EXPECT_THAT(ErrorOf("\"a\tb\""), HasSubstr("control character"));
  EXPECT_THAT(ErrorOf(R"("\x")"), HasSubstr("unknown escape '\\x'"));
  EXPECT_THAT(ErrorOf(R"("\u12")"), HasSubstr("four hex digits"));
  EXPECT_THAT(ErrorOf(R"("\ud83d")"), HasSubstr("high surrogate without its low half"));
  EXPECT_THAT(ErrorOf(R"("\ude00")"), HasSubstr("lone low surrogate"));
  EXPECT_THAT(ErrorOf("[1] [2]"), HasSubstr("unexpected text"));
}

TEST(Json, RefusesInvalidUtf8) {
  // A lone continuation byte, an overlong '/', a truncated sequence, an encoded surrogate.
  for (const std::string bad : {"\"\x80\"", "\"\xC0\xAF\"", "\"\xE2\x82\"", "\"\xED\xA0\x80\"", "\"\xF5\x80\x80\x80\""}) {
    EXPECT_THAT(ErrorOf(bad), HasSubstr("byte 1: invalid UTF-8")) << bad;
  }
}

TEST(Json, BoundsTheNestingDepth) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  EXPECT_THAT(ErrorOf(deep), HasSubstr("nested deeper than 64 levels"));
  const std::string ok = std::string(64, '[') + std::string(64, ']');
  EXPECT_TRUE(ParseJson(ok).ok());
  EXPECT_FALSE(ParseJson("[[1]]", 1).ok());
}

}  // namespace
}  // namespace grens::adapters

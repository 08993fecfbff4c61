// application/x-www-form-urlencoded decoding for query strings (Graph's
// validationToken) and form bodies.

#include "adapters/url_encoding.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace grens::adapters {
namespace {

using ::testing::HasSubstr;
using Pairs = std::vector<std::pair<std::string, std::string>>;

TEST(UrlEncodingTest, DecodesPlusAndPercentEscapesInOrder) {
  absl::StatusOr<Pairs> pairs = ParseUrlEncoded("validationToken=Validation%3a+Testing%2F1&b=&c&a%20b=x%3D1");
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(*pairs, (Pairs{{"validationToken", "Validation: Testing/1"}, {"b", ""}, {"c", ""}, {"a b", "x=1"}}));
  EXPECT_EQ(FindUrlEncoded(*pairs, "a b"), "x=1");
  EXPECT_EQ(FindUrlEncoded(*pairs, "missing"), std::nullopt);
}

TEST(UrlEncodingTest, SkipsEmptyPairsAndKeepsTheFirstOfRepeatedNames) {
  absl::StatusOr<Pairs> pairs = ParseUrlEncoded("&&a=1&&a=2&");
  ASSERT_TRUE(pairs.ok());
  EXPECT_EQ(FindUrlEncoded(*pairs, "a"), "1");
  EXPECT_EQ(pairs->size(), 2u);
}

TEST(UrlEncodingTest, NamesTheByteOfABadEscape) {
  absl::StatusOr<Pairs> pairs = ParseUrlEncoded("a=1&token=ab%4");
  ASSERT_FALSE(pairs.ok());
  EXPECT_THAT(pairs.status().message(), HasSubstr("byte 12: '%4' is not a percent escape"));
  EXPECT_FALSE(ParseUrlEncoded("x%zz=1").ok());
}

}  // namespace
}  // namespace grens::adapters

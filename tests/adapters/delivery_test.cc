// The delivery helpers adapters share: percent-decoding, form bodies, query
// parameters, bearer tokens, media types, event construction and event times.

#include "adapters/delivery.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace grens::adapters {
namespace {

TEST(ParseFormTest, DecodesPlusAndPercentEscapesInOrder) {
  auto form = ParseForm("token=abc&text=Hello+world%21&empty=&flag&channel_name=ops%2Fnight");
  ASSERT_TRUE(form.ok()) << form.status();
  ASSERT_EQ(form->size(), 5u);
  EXPECT_EQ((*form)[0], std::make_pair(std::string("token"), std::string("abc")));
  EXPECT_EQ((*form)[1].second, "Hello world!");
  EXPECT_EQ((*form)[2].second, "");
  EXPECT_EQ((*form)[3], std::make_pair(std::string("flag"), std::string("")));
  EXPECT_EQ((*form)[4].second, "ops/night");
}

TEST(ParseFormTest, KeepsMultiByteUtf8) {
  auto form = ParseForm("text=caf%C3%A9");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ((*form)[0].second, "caf\xC3\xA9");
}

TEST(ParseFormTest, NamesTheByteOfABadEscape) {
  auto form = ParseForm("token=abc&text=50%+off");
  ASSERT_FALSE(form.ok());
  EXPECT_EQ(form.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(form.status().message(), "byte 17: '%+o' is not a percent escape");
  EXPECT_FALSE(ParseForm("a=%4").ok());
  EXPECT_FALSE(ParseForm("a%zz=1").ok());
}

TEST(ParseFormTest, RefusesFieldsThatAreNotUtf8OnceDecoded) {
  // Event texts must be UTF-8 (protobuf refuses anything else on the wire).
  auto escaped = ParseForm("token=abc&text=caf%E9");
  ASSERT_FALSE(escaped.ok());
  EXPECT_EQ(escaped.status().message(), "byte 15: the field is not UTF-8 once decoded (at its byte 3)");
  EXPECT_FALSE(ParseForm(std::string("text=a\x80" "b")).ok());
  EXPECT_FALSE(ParseForm("%ED%A0%80=surrogate").ok());
  EXPECT_EQ(QueryParam("token=%FF", "token"), std::nullopt);
}

TEST(ParseFormTest, SkipsEmptyPairsAndKeepsRepeatsInOrder) {
  auto form = ParseForm("&&a=1&&a=2&validationToken=Validation%3a+Testing%2F1&");
  ASSERT_TRUE(form.ok()) << form.status();
  ASSERT_EQ(form->size(), 3u);
  EXPECT_EQ((*form)[0], std::make_pair(std::string("a"), std::string("1")));
  EXPECT_EQ((*form)[1].second, "2");
  EXPECT_EQ((*form)[2].second, "Validation: Testing/1");
}

TEST(QueryParamTest, FindsAndDecodesTheNamedParameter) {
  EXPECT_EQ(QueryParam("a=1&access_token=s%2Bt", "access_token"), "s+t");
  EXPECT_EQ(QueryParam("access_token", "access_token"), "");
  EXPECT_EQ(QueryParam("a=1&b=2", "access_token"), std::nullopt);
  EXPECT_EQ(QueryParam("", "token"), std::nullopt);
  EXPECT_EQ(QueryParam("token=%zz", "token"), "%zz");  // kept as written: cannot match a real token
}

TEST(PercentDecodeTest, DecodesAsEachCallerAsks) {
  std::string out = "replaced";
  size_t at = 99;
  ASSERT_TRUE(PercentDecode("a+b%2fc%C3%A9", PercentDecoding(), &out, &at));
  EXPECT_EQ(out, "a+b/c\xC3\xA9");
  PercentDecoding query;
  query.plus_is_space = true;
  ASSERT_TRUE(PercentDecode("a+b%2Bc", query, &out, &at));
  EXPECT_EQ(out, "a b+c");
  PercentDecoding path;
  path.keep_escaped = absl::string_view("/\\\0", 3);
  ASSERT_TRUE(PercentDecode("/a%2fb%5c%00%41", path, &out, &at));
  EXPECT_EQ(out, "/a%2Fb%5C%00A");
  EXPECT_EQ(at, 99u);  // untouched while nothing is malformed
}

TEST(PercentDecodeTest, ReportsOrKeepsAMalformedEscape) {
  std::string out;
  size_t at = 0;
  EXPECT_FALSE(PercentDecode("ab%4g", PercentDecoding(), &out, &at));
  EXPECT_EQ(at, 2u);
  EXPECT_FALSE(PercentDecode("%41%", PercentDecoding(), &out, &at));
  EXPECT_EQ(at, 3u);
  PercentDecoding lenient;
  lenient.keep_malformed = true;
  ASSERT_TRUE(PercentDecode("%%41%4", lenient, &out, &at));
  EXPECT_EQ(out, "%A%4");
}

TEST(BearerTokenTest, AcceptsOnlyTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc.def"), "abc.def");
  EXPECT_EQ(BearerToken("bearer   abc"), "abc");
  EXPECT_EQ(BearerToken("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(MediaTypeTest, PrefersTheFieldThenTheHeaderWithoutParameters) {
  v1::EvaluatePlatformEventRequest request;
  (*request.mutable_headers())["Content-Type"] = "Application/X-WWW-Form-Urlencoded; charset=utf-8";
  EXPECT_EQ(MediaType(request), "application/x-www-form-urlencoded");
  request.set_content_type("application/json");
  EXPECT_EQ(MediaType(request), "application/json");
  EXPECT_EQ(MediaType(v1::EvaluatePlatformEventRequest()), "");
}

TEST(NewEventTest, StoresTheInstantWithNanosAndTheReceiptFlag) {
  const absl::Time t = absl::FromUnixSeconds(1773133200) + absl::Milliseconds(512);
  v1::MonitoringEvent e = NewEvent("matrix", v1::CATEGORY_PRESENCE, "@a:example.nl", t, true);
  EXPECT_EQ(e.platform(), "matrix");
  EXPECT_EQ(e.category(), v1::CATEGORY_PRESENCE);
  EXPECT_EQ(e.subject().id(), "@a:example.nl");
  EXPECT_EQ(e.occurred_at().seconds(), 1773133200);
  EXPECT_EQ(e.occurred_at().nanos(), 512000000);
  EXPECT_TRUE(e.occurred_at_is_receipt_time());
  EXPECT_FALSE(NewEvent("x", v1::CATEGORY_PRESENCE, "s", t).occurred_at_is_receipt_time());
}

TEST(TimeOrReceiptTest, TakesTheFirstCandidateThatHoldsATimeInOrder) {
  absl::StatusOr<Json> json = ParseJson(R"({"event_ts": null, "ts": "1773133200.5"})");
  ASSERT_TRUE(json.ok()) << json.status();
  const FieldReader event("slack", &*json);
  const absl::Time ts = absl::FromUnixSeconds(1773133200) + absl::Milliseconds(500);
  const std::optional<absl::Time> envelope = absl::FromUnixSeconds(1773133100);
  const absl::Time received = absl::FromUnixSeconds(1773133300);

  absl::StatusOr<EventTime> at =
      TimeOrReceipt({{event, {"event_ts", "ts"}, TimeFormat::kUnixSeconds}, envelope}, received);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->at, ts);
  EXPECT_FALSE(at->receipt);

  // A time read before stands where it is put; absent candidates are skipped.
  at = TimeOrReceipt({std::optional<absl::Time>(), envelope, {event, {"ts"}, TimeFormat::kUnixSeconds}}, received);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->at, *envelope);
  EXPECT_FALSE(at->receipt);

  at = TimeOrReceipt({{event, {"event_ts", "missing"}, TimeFormat::kUnixSeconds}, std::optional<absl::Time>()}, received);
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->at, received);
  EXPECT_TRUE(at->receipt);
  EXPECT_TRUE(TimeOrReceipt({}, received)->receipt);
}

TEST(TimeOrReceiptTest, ReadsAFieldOnlyWhenEveryEarlierCandidateIsAbsent) {
  absl::StatusOr<Json> json = ParseJson(R"({"ts": "1773133200", "bad": "soon"})");
  ASSERT_TRUE(json.ok()) << json.status();
  const FieldReader event("slack", &*json);
  const absl::Time received = absl::FromUnixSeconds(1773133300);
  EXPECT_TRUE(TimeOrReceipt({{event, {"ts", "bad"}, TimeFormat::kUnixSeconds}}, received).ok());
  const std::optional<absl::Time> envelope = absl::FromUnixSeconds(1773133100);
  EXPECT_TRUE(TimeOrReceipt({envelope, {event, {"bad"}, TimeFormat::kUnixSeconds}}, received).ok());
  absl::StatusOr<EventTime> bad = TimeOrReceipt({{event, {"bad", "ts"}, TimeFormat::kUnixSeconds}}, received);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()), "slack: bad: 'soon' is not unix seconds (byte 28)");
}

TEST(ParsePayloadTest, NamesThePlatformAndTheByte) {
  auto json = ParsePayload("matrix", "{\"events\": [");
  ASSERT_FALSE(json.ok());
  EXPECT_EQ(json.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(json.status().message(), "matrix: byte 12")) << json.status();
  EXPECT_TRUE(ParsePayload("matrix", "{}").ok());
}

}  // namespace
}  // namespace grens::adapters

// The shared delivery checks every adapter runs first: v0 signatures with a
// replay window (Slack, Zoom), body HMAC headers (Webex) and echoed tokens
// (Graph clientState). Each refusal is Unauthenticated, names the header or
// field, and never echoes the secret.

#include "adapters/request_auth.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace grens::adapters {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr V0Scheme kSlack{"slack", "x-slack-signature", "x-slack-request-timestamp"};
const absl::Time kReceived = absl::FromUnixSeconds(1773133230);

AdapterConfig Config(const std::string& secret) {
  AdapterConfig c;
  c.secret = secret;
  return c;
}

// A request signed as Slack signs it: v0=hex HMAC-SHA256(secret, "v0:ts:body").
v1::EvaluatePlatformEventRequest Signed(const std::string& secret, const std::string& ts, const std::string& body) {
  v1::EvaluatePlatformEventRequest r;
  r.set_payload(body);
  (*r.mutable_headers())["x-slack-request-timestamp"] = ts;
  (*r.mutable_headers())["x-slack-signature"] =
      absl::StrCat("v0=", HmacHex(HmacHash::kSha256, secret, absl::StrCat("v0:", ts, ":", body)));
  return r;
}

TEST(VerifyV0SignatureTest, AcceptsAFreshCorrectSignature) {
  EXPECT_TRUE(VerifyV0Signature(kSlack, Signed("s3cret", "1773133225", "{}"), Config("s3cret"), kReceived).ok());
}

TEST(VerifyV0SignatureTest, MatchesHeaderNamesWhateverTheirCase) {
  v1::EvaluatePlatformEventRequest r = Signed("s3cret", "1773133225", "{}");
  v1::EvaluatePlatformEventRequest mixed;
  mixed.set_payload(r.payload());
  (*mixed.mutable_headers())["X-Slack-Request-Timestamp"] = r.headers().at("x-slack-request-timestamp");
  (*mixed.mutable_headers())["X-Slack-Signature"] = r.headers().at("x-slack-signature");
  EXPECT_TRUE(VerifyV0Signature(kSlack, mixed, Config("s3cret"), kReceived).ok());
}

TEST(VerifyV0SignatureTest, RefusesAnAlteredBody) {
  v1::EvaluatePlatformEventRequest r = Signed("s3cret", "1773133225", "{\"a\":1}");
  r.set_payload("{\"a\":2}");
  absl::Status s = VerifyV0Signature(kSlack, r, Config("s3cret"), kReceived);
  EXPECT_TRUE(absl::IsUnauthenticated(s));
  EXPECT_THAT(s.message(), HasSubstr("slack: x-slack-signature: does not match"));
  EXPECT_THAT(s.message(), Not(HasSubstr("s3cret")));
}

TEST(VerifyV0SignatureTest, RefusesTimestampsOutsideTheWindowOnBothSides) {
  for (const char* ts : {"1773132929", "1773133531"}) {  // 301 s before, 301 s after
    absl::Status s = VerifyV0Signature(kSlack, Signed("s3cret", ts, "{}"), Config("s3cret"), kReceived);
    EXPECT_TRUE(absl::IsUnauthenticated(s)) << ts;
    EXPECT_THAT(s.message(), HasSubstr("x-slack-request-timestamp: stale")) << ts;
  }
  EXPECT_TRUE(VerifyV0Signature(kSlack, Signed("s3cret", "1773132930", "{}"), Config("s3cret"), kReceived).ok());
}

TEST(VerifyV0SignatureTest, HonoursAConfiguredWindow) {
  AdapterConfig c = Config("s3cret");
  c.replay_window = absl::Minutes(1);
  EXPECT_FALSE(VerifyV0Signature(kSlack, Signed("s3cret", "1773133160", "{}"), c, kReceived).ok());
}

TEST(VerifyV0SignatureTest, ReadsMillisecondTimestamps) {
  EXPECT_TRUE(VerifyV0Signature(kSlack, Signed("s3cret", "1773133225000", "{}"), Config("s3cret"), kReceived).ok());
}

TEST(VerifyV0SignatureTest, NamesTheMissingOrBrokenHeader) {
  v1::EvaluatePlatformEventRequest r = Signed("s3cret", "1773133225", "{}");
  r.mutable_headers()->erase("x-slack-request-timestamp");
  EXPECT_THAT(VerifyV0Signature(kSlack, r, Config("s3cret"), kReceived).message(),
              HasSubstr("x-slack-request-timestamp: missing"));
  EXPECT_THAT(VerifyV0Signature(kSlack, Signed("s3cret", "-5", "{}"), Config("s3cret"), kReceived).message(),
              HasSubstr("'-5' is not unix seconds"));
}

TEST(VerifyV0SignatureTest, RefusesEverythingWithoutASecretUnlessTheRelayVerifies) {
  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyV0Signature(kSlack, Signed("", "1773133225", "{}"), Config(""), kReceived)));
  AdapterConfig relay;
  relay.skip_signature_check = true;
  EXPECT_TRUE(VerifyV0Signature(kSlack, v1::EvaluatePlatformEventRequest(), relay, kReceived).ok());
}

TEST(VerifyBodyHmacHeaderTest, ChecksHexHmacSha1OfTheBodyIgnoringHexCase) {
  v1::EvaluatePlatformEventRequest r;
  r.set_payload("{\"resource\":\"messages\"}");
  std::string sig = HmacHex(HmacHash::kSha1, "w3bex", r.payload());
  for (char& c : sig) c = static_cast<char>(toupper(c));
  (*r.mutable_headers())["x-spark-signature"] = sig;
  EXPECT_TRUE(VerifyBodyHmacHeader("webex", "x-spark-signature", HmacHash::kSha1, r, Config("w3bex")).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(
      VerifyBodyHmacHeader("webex", "x-spark-signature", HmacHash::kSha1, r, Config("other"))));
}

TEST(VerifyTokenTest, ComparesWithTheSecretAndNamesTheField) {
  EXPECT_TRUE(VerifyToken("graph", "value[0].clientState", "st4te", Config("st4te")).ok());
  absl::Status wrong = VerifyToken("graph", "value[1].clientState", "st4tf", Config("st4te"));
  EXPECT_TRUE(absl::IsUnauthenticated(wrong));
  EXPECT_EQ(wrong.message(), "graph: value[1].clientState: does not match the configured secret");
  EXPECT_EQ(VerifyToken("graph", "value[0].clientState", "", Config("st4te")).message(),
            "graph: value[0].clientState: missing");
}

}  // namespace
}  // namespace grens::adapters

// Envoy's answers: denials with 403 and a JSON body naming the clauses and the
// decision id, allows with x-grens-* headers where the config puts them,
// forged x-grens-* headers removed, and 400/503 denials when no decision exists.

#include "adapters/ext_authz/check_response.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace grens::adapters {
namespace {

using envoy::config::core::v3::HeaderValueOption;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::map<std::string, std::string> Headers(const google::protobuf::RepeatedPtrField<HeaderValueOption>& headers) {
  std::map<std::string, std::string> out;
  for (const HeaderValueOption& h : headers) {
    EXPECT_EQ(h.append_action(), HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
    EXPECT_FALSE(h.has_append());
    out[h.header().key()] = h.header().value();
  }
  return out;
}

google::protobuf::Struct Json(const std::string& body) {
  google::protobuf::Struct s;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &s).ok()) << body;
  return s;
}

v1::Decision Denied() {
  v1::Decision d;
  d.set_effect(v1::EFFECT_DENY);
  d.set_decision_id("0190aa");
  d.set_policy_id("nl-voorbeeld-2026");
  v1::Reason* r = d.add_reasons();
  r->set_clause_id("4.1");
  r->set_rule_id("rapportage-per-persoon");
  r->set_message("only aggregate \"reports\" are agreed");
  return d;
}

v1::Decision Allowed() {
  v1::Decision d;
  d.set_effect(v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  d.set_decision_id("0190bb");
  d.add_reasons()->set_clause_id("4.1");
  d.add_reasons()->set_clause_id("4.1");
  v1::Obligations* o = d.mutable_obligations();
  o->set_retention_limited(true);
  o->mutable_retain_until()->set_seconds(1775725200);  // 2026-04-09T09:00:00Z
  o->set_pseudonymise(true);
  o->set_min_group_size(10);
  return d;
}

CheckRequest WithClientHeaders() {
  CheckRequest request;
  auto* http = request.mutable_attributes()->mutable_request()->mutable_http();
  (*http->mutable_headers())["x-grens-pseudonymise"] = "false";
  (*http->mutable_headers())["accept"] = "text/csv";
  auto* raw = http->mutable_header_map()->add_headers();
  raw->set_key("X-Grens-Decision-Id");
  raw->set_raw_value("forged");
  return request;
}

TEST(CheckResponseTest, DenialIs403WithJsonNamingClauseAndDecision) {
  CheckResponse response;
  AnswerDecision(Denied(), CheckRequest(), AnswerHeaders::kBoth, &response);
  EXPECT_EQ(response.status().code(), 7);
  EXPECT_THAT(response.status().message(), HasSubstr("clause 4.1"));
  ASSERT_TRUE(response.has_denied_response());
  EXPECT_EQ(response.denied_response().status().code(), envoy::type::v3::Forbidden);
  auto headers = Headers(response.denied_response().headers());
  EXPECT_EQ(headers["content-type"], "application/json");
  EXPECT_EQ(headers["x-grens-decision-id"], "0190aa");
  const google::protobuf::Struct body = Json(response.denied_response().body());
  EXPECT_EQ(body.fields().at("decision_id").string_value(), "0190aa");
  EXPECT_EQ(body.fields().at("effect").string_value(), "DENY");
  EXPECT_EQ(body.fields().at("policy_id").string_value(), "nl-voorbeeld-2026");
  const auto& reason = body.fields().at("reasons").list_value().values(0).struct_value().fields();
  EXPECT_EQ(reason.at("clause").string_value(), "4.1");
  EXPECT_EQ(reason.at("rule").string_value(), "rapportage-per-persoon");
  EXPECT_EQ(reason.at("message").string_value(), "only aggregate \"reports\" are agreed");
  EXPECT_EQ(response.dynamic_metadata().fields().at("grens_decision_id").string_value(), "0190aa");
  EXPECT_EQ(response.dynamic_metadata().fields().at("grens_clauses").string_value(), "4.1");
}

TEST(CheckResponseTest, AllowCarriesDecisionRetentionAndObligationsBothWays) {
  CheckResponse response;
  AnswerDecision(Allowed(), WithClientHeaders(), AnswerHeaders::kBoth, &response);
  EXPECT_EQ(response.status().code(), 0);
  ASSERT_TRUE(response.has_ok_response());
  const std::map<std::string, std::string> expected = {
      {"x-grens-decision-id", "0190bb"},          {"x-grens-effect", "ALLOW_WITH_OBLIGATIONS"},
      {"x-grens-clauses", "4.1"},                 {"x-grens-retain-until", "2026-04-09T09:00:00Z"},
      {"x-grens-pseudonymise", "true"},           {"x-grens-min-group-size", "10"},
  };
  EXPECT_EQ(Headers(response.ok_response().headers()), expected);
  EXPECT_EQ(Headers(response.ok_response().response_headers_to_add()), expected);
  EXPECT_THAT(response.ok_response().headers_to_remove(),
              ::testing::UnorderedElementsAre("x-grens-pseudonymise", "x-grens-decision-id"));
}

TEST(CheckResponseTest, AnswerHeadersGoWhereConfigured) {
  CheckResponse response;
  AnswerDecision(Allowed(), CheckRequest(), AnswerHeaders::kDownstream, &response);
  EXPECT_THAT(response.ok_response().headers(), IsEmpty());
  EXPECT_EQ(Headers(response.ok_response().response_headers_to_add())["x-grens-decision-id"], "0190bb");
  AnswerDecision(Allowed(), CheckRequest(), AnswerHeaders::kUpstream, &response);
  EXPECT_THAT(response.ok_response().response_headers_to_add(), IsEmpty());
  EXPECT_EQ(Headers(response.ok_response().headers())["x-grens-decision-id"], "0190bb");
}

TEST(CheckResponseTest, UnlimitedAllowHasNoRetainUntil) {
  v1::Decision d;
  d.set_effect(v1::EFFECT_ALLOW);
  d.set_decision_id("0190cc");
  CheckResponse response;
  AnswerDecision(d, CheckRequest(), AnswerHeaders::kUpstream, &response);
  auto headers = Headers(response.ok_response().headers());
  EXPECT_EQ(headers.count("x-grens-retain-until"), 0u);
  EXPECT_EQ(headers.count("x-grens-clauses"), 0u);  // no clause: no empty header
  EXPECT_EQ(headers["x-grens-effect"], "ALLOW");
}

TEST(CheckResponseTest, FailuresAreDenialsNotErrors) {
  CheckResponse response;
  AnswerFailure(absl::InvalidArgumentError("attributes.request.http: missing"), &response);
  EXPECT_EQ(response.status().code(), 3);
  EXPECT_EQ(response.denied_response().status().code(), envoy::type::v3::BadRequest);
  EXPECT_EQ(Json(response.denied_response().body()).fields().at("detail").string_value(),
            "attributes.request.http: missing");
  AnswerFailure(absl::UnavailableError("the decision could not be recorded"), &response);
  EXPECT_EQ(response.status().code(), 14);
  EXPECT_EQ(response.denied_response().status().code(), envoy::type::v3::ServiceUnavailable);
  EXPECT_EQ(Json(response.denied_response().body()).fields().at("effect").string_value(), "DENY");
}

}  // namespace
}  // namespace grens::adapters

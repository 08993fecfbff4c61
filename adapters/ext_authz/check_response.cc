#include "adapters/ext_authz/check_response.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace grens::adapters {
namespace {

using envoy::config::core::v3::HeaderValueOption;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using google::protobuf::RepeatedPtrField;
using google::protobuf::Struct;

constexpr char kHeaderPrefix[] = "x-grens-";

void AddHeader(RepeatedPtrField<HeaderValueOption>* headers, const std::string& key, const std::string& value) {
  HeaderValueOption* h = headers->Add();
  h->mutable_header()->set_key(key);
  h->mutable_header()->set_value(value);
  // Only append_action, never the deprecated `append` too: Envoy refuses both.
  h->set_append_action(HeaderValueOption::OVERWRITE_IF_EXISTS_OR_ADD);
}

std::string EffectName(v1::Effect effect) {
  std::string name = v1::Effect_Name(effect);
  return absl::StartsWith(name, "EFFECT_") ? name.substr(7) : name;
}

// Clause ids of the reasons, each once, in order.
std::vector<std::string> Clauses(const v1::Decision& decision) {
  std::vector<std::string> clauses;
  std::set<std::string> seen;
  for (const v1::Reason& r : decision.reasons()) {
    if (!r.clause_id().empty() && seen.insert(r.clause_id()).second) clauses.push_back(r.clause_id());
  }
  return clauses;
}

std::string ToJson(const Struct& body) {
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(body, &json);  // a Struct always prints
  return json;
}

// The decision id, effect and clauses (comma-joined) for Envoy's access log.
Struct Metadata(const v1::Decision& decision, const std::string& clauses) {
  Struct metadata;
  auto& fields = *metadata.mutable_fields();
  fields["grens_decision_id"].set_string_value(decision.decision_id());
  fields["grens_effect"].set_string_value(EffectName(decision.effect()));
  fields["grens_clauses"].set_string_value(clauses);
  return metadata;
}

std::string DenialBody(const v1::Decision& decision) {
  Struct body;
  auto& fields = *body.mutable_fields();
  fields["error"].set_string_value("denied by the works agreement");
  fields["effect"].set_string_value(EffectName(decision.effect()));
  fields["decision_id"].set_string_value(decision.decision_id());
  fields["policy_id"].set_string_value(decision.policy_id());
  auto* reasons = fields["reasons"].mutable_list_value();
  for (const v1::Reason& r : decision.reasons()) {
    auto& reason = *reasons->add_values()->mutable_struct_value()->mutable_fields();
    reason["clause"].set_string_value(r.clause_id());
    reason["rule"].set_string_value(r.rule_id());
    reason["message"].set_string_value(r.message());
  }
  return ToJson(body);
}

// The x-grens-* headers of an allowed call; `clauses` comma-joined.
std::vector<std::pair<std::string, std::string>> AllowHeaders(const v1::Decision& decision,
                                                              const std::string& clauses) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"x-grens-decision-id", decision.decision_id()},
      {"x-grens-effect", EffectName(decision.effect())},
      {"x-grens-clauses", clauses},
  };
  const v1::Obligations& o = decision.obligations();
  if (o.retention_limited() && o.has_retain_until()) {
    const absl::Time until = absl::FromUnixSeconds(o.retain_until().seconds());
    headers.emplace_back("x-grens-retain-until", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", until, absl::UTCTimeZone()));
  }
  if (o.pseudonymise()) headers.emplace_back("x-grens-pseudonymise", "true");
  if (o.min_group_size() > 0) headers.emplace_back("x-grens-min-group-size", absl::StrCat(o.min_group_size()));
  if (o.human_review()) headers.emplace_back("x-grens-human-review", "true");
  return headers;
}

// x-grens-* headers the client sent: they must not reach the API as if grens had set them.
void RemoveClientHeaders(const CheckRequest& request, RepeatedPtrField<std::string>* remove) {
  const auto& http = request.attributes().request().http();
  for (const auto& [key, value] : http.headers()) {
    if (absl::StartsWithIgnoreCase(key, kHeaderPrefix)) remove->Add(std::string(key));
  }
  for (const auto& h : http.header_map().headers()) {
    if (absl::StartsWithIgnoreCase(h.key(), kHeaderPrefix)) remove->Add(absl::AsciiStrToLower(h.key()));
  }
}

}  // namespace

void AnswerDecision(const v1::Decision& decision, const CheckRequest& request, AnswerHeaders where,
                    CheckResponse* response) {
  response->Clear();
  const std::vector<std::string> clauses = Clauses(decision);
  const std::string joined = absl::StrJoin(clauses, ",");
  *response->mutable_dynamic_metadata() = Metadata(decision, joined);
  if (decision.effect() != v1::EFFECT_ALLOW && decision.effect() != v1::EFFECT_ALLOW_WITH_OBLIGATIONS) {
    response->mutable_status()->set_code(7);  // google.rpc.Code PERMISSION_DENIED
    response->mutable_status()->set_message(absl::StrCat("denied by the works agreement, clause ",
                                                         absl::StrJoin(clauses, ", "), " (decision ",
                                                         decision.decision_id(), ")"));
    auto* denied = response->mutable_denied_response();
    denied->mutable_status()->set_code(envoy::type::v3::Forbidden);
    AddHeader(denied->mutable_headers(), "content-type", "application/json");
    AddHeader(denied->mutable_headers(), "x-grens-decision-id", decision.decision_id());
    denied->set_body(DenialBody(decision));
    return;
  }
  response->mutable_status()->set_code(0);
  auto* ok = response->mutable_ok_response();
  RemoveClientHeaders(request, ok->mutable_headers_to_remove());
  for (const auto& [key, value] : AllowHeaders(decision, joined)) {
    if (value.empty()) continue;  // Envoy drops empty headers anyway
    if (where != AnswerHeaders::kDownstream) AddHeader(ok->mutable_headers(), key, value);
    if (where != AnswerHeaders::kUpstream) AddHeader(ok->mutable_response_headers_to_add(), key, value);
  }
}

void AnswerFailure(const absl::Status& status, CheckResponse* response) {
  response->Clear();
  const bool bad_request = absl::IsInvalidArgument(status);
  response->mutable_status()->set_code(bad_request ? 3 : 14);  // INVALID_ARGUMENT, UNAVAILABLE
  response->mutable_status()->set_message(std::string(status.message()));
  auto* denied = response->mutable_denied_response();
  denied->mutable_status()->set_code(bad_request ? envoy::type::v3::BadRequest : envoy::type::v3::ServiceUnavailable);
  AddHeader(denied->mutable_headers(), "content-type", "application/json");
  Struct body;
  auto& fields = *body.mutable_fields();
  fields["error"].set_string_value(bad_request ? "grens cannot read this request" : "grens cannot decide now");
  fields["effect"].set_string_value("DENY");
  fields["detail"].set_string_value(std::string(status.message()));
  denied->set_body(ToJson(body));
}

}  // namespace grens::adapters

// Envoy ext_authz Check requests as an Envoy (or anything that reaches
// grensd's port) sends them: the input is a binary
// envoy.service.auth.v3.CheckRequest, read against the example route table
// (loaded once) as plugin/ext_authz_service.cc does, then answered both ways.
// Properties: a routed call is an event the pipeline accepts (category,
// subject and time set, or the pipeline's own validation says why not); an
// answer always has a status and exactly one of ok/denied response, and a
// denial never carries an ok_response. Seeds: requests like those of the
// ext_authz tests, and hostile paths (escapes, dot segments, huge queries).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "adapters/ext_authz/check_request.h"
#include "adapters/ext_authz/check_response.h"
#include "adapters/ext_authz/route_table.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "grens/v1/decision.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::Check;

const grens::adapters::RouteTable& Routes() {
  static const grens::adapters::RouteTable* routes = [] {
    auto loaded =
        grens::adapters::RouteTable::Load(std::string(GRENS_SOURCE_DIR) + "/adapters/ext_authz/examples/routes.yaml");
    Check(loaded.ok(), "the example route table does not load");
    return loaded->release();
  }();
  return *routes;
}

void CheckAnswer(const envoy::service::auth::v3::CheckResponse& response) {
  Check(response.has_status(), "an answer without a status");
  Check(response.has_ok_response() != response.has_denied_response(), "an answer must be exactly one of ok or denied");
  Check(response.status().code() == 0 || !response.has_ok_response(), "a denial that lets the call pass");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  envoy::service::auth::v3::CheckRequest request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return 0;
  const grens::adapters::CheckOptions options{"fuzz-tenant", "x-grens-tenant", {{"spiffe://fuzz/sa/reporter", "fuzz-collector"}}};
  absl::StatusOr<grens::adapters::CheckedCall> call =
      grens::adapters::ReadCheckRequest(Routes(), request, options, absl::FromUnixSeconds(1773133200));
  envoy::service::auth::v3::CheckResponse response;
  if (!call.ok()) {
    grens::adapters::AnswerFailure(call.status(), &response);
    CheckAnswer(response);
    Check(response.status().code() != 0, "a request that could not be read was let through");
    return 0;
  }
  Check(call->event.has_occurred_at(), "a call without a time");
  if (call->routed) {
    Check(call->event.category() != grens::v1::CATEGORY_UNSPECIFIED, "a routed call without a category");
    Check(!call->event.subject().id().empty(), "a routed call without a subject");
  }
  // Both kinds of decision the pipeline could record for it.
  for (grens::v1::Effect effect : {grens::v1::EFFECT_ALLOW_WITH_OBLIGATIONS, grens::v1::EFFECT_DENY}) {
    grens::v1::Decision decision;
    decision.set_effect(effect);
    decision.set_decision_id("0123456789abcdef0123456789abcdef");
    decision.add_reasons()->set_clause_id("9.1");
    decision.mutable_obligations()->set_retention_limited(true);
    *decision.mutable_obligations()->mutable_retain_until() = call->event.occurred_at();
    for (auto where : {grens::adapters::AnswerHeaders::kUpstream, grens::adapters::AnswerHeaders::kDownstream,
                       grens::adapters::AnswerHeaders::kBoth}) {
      response.Clear();
      grens::adapters::AnswerDecision(decision, request, where, &response);
      CheckAnswer(response);
      Check((response.status().code() == 0) == (effect != grens::v1::EFFECT_DENY), "an answer against its decision");
    }
  }
  return 0;
}

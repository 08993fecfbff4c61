#ifndef GRENS_ADAPTERS_EXT_AUTHZ_CHECK_RESPONSE_H_
#define GRENS_ADAPTERS_EXT_AUTHZ_CHECK_RESPONSE_H_

#include "absl/status/status.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "grens/v1/decision.pb.h"

namespace grens::adapters {

// Where the x-grens-* headers of an allowed call go (ExtAuthzConfig.answer_headers).
enum class AnswerHeaders {
  // Both: the API's request, and the response to the collector.
  kBoth,
  // The upstream API's request only (an internal API that enforces obligations).
  kUpstream,
  // The response to the downstream collector only (a third-party API).
  kDownstream,
};

// Envoy's answer for a recorded decision. Allowed: status OK and ok_response
// with x-grens-decision-id, x-grens-effect, x-grens-clauses, x-grens-retain-until
// (RFC 3339 UTC, only when the agreement limits retention) and the obligations
// the collector must honour (x-grens-pseudonymise, x-grens-min-group-size,
// x-grens-human-review); x-grens-* headers the client sent itself are removed
// from the upstream request so that none can be forged. Denied: status
// PERMISSION_DENIED and denied_response 403 with a JSON body naming the
// clauses, rules and decision id. Both carry the decision id, effect and
// clauses in dynamic_metadata for Envoy's access log. `request` is the Check
// being answered (for the headers to remove).
void AnswerDecision(const v1::Decision& decision, const envoy::service::auth::v3::CheckRequest& request,
                    AnswerHeaders where, envoy::service::auth::v3::CheckResponse* response);

// Envoy's answer when no decision was made: `status` InvalidArgument (the Check
// could not be read) gives 400, anything else (no active policy, the decision
// could not be recorded) 503; both are denials with a JSON body saying why and
// a status of the same code. A denial, not a gRPC error, so that Envoy refuses
// the call even where failure_mode_allow is on.
void AnswerFailure(const absl::Status& status, envoy::service::auth::v3::CheckResponse* response);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_EXT_AUTHZ_CHECK_RESPONSE_H_

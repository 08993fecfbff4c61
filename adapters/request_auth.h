#ifndef GRENS_ADAPTERS_REQUEST_AUTH_H_
#define GRENS_ADAPTERS_REQUEST_AUTH_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/adapter.h"
#include "adapters/signature.h"

namespace grens::adapters {

// The checks adapters run before they read a delivery, so that every platform
// refuses the same way: Unauthenticated with a message naming the platform and
// the header or field, never the secret or the expected value. Each honours
// AdapterConfig::skip_signature_check (then it returns OK without looking) and
// refuses everything when no secret is configured.

// Unauthenticated when `config` has no secret and the relay does not verify
// deliveries itself; OK otherwise.
absl::Status RequireSecret(absl::string_view platform, const AdapterConfig& config);

// The "v0" scheme of Slack (X-Slack-Signature, X-Slack-Request-Timestamp) and
// Zoom (x-zm-signature, x-zm-request-timestamp): the signature header holds
// "v0=" + hex HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body) and the
// timestamp header unix seconds, which must lie within config.replay_window of
// `received_at` (either side: a clock ahead is as suspect as a replay).
struct V0Scheme {
  absl::string_view platform;          // "slack"
  absl::string_view signature_header;  // lower case: "x-slack-signature"
  absl::string_view timestamp_header;  // lower case: "x-slack-request-timestamp"
};

// OK when `request` carries a valid, fresh v0 signature. Unauthenticated naming
// the header for a missing header, an unreadable or stale timestamp, or a
// signature that does not match.
absl::Status VerifyV0Signature(const V0Scheme& scheme, const v1::EvaluatePlatformEventRequest& request,
                               const AdapterConfig& config, absl::Time received_at);

// A header holding hex HMAC(secret, raw body) without a timestamp (Webex's
// X-Spark-Signature, HMAC-SHA1). Hex case is ignored. Unauthenticated naming
// the header when it is missing or does not match.
absl::Status VerifyBodyHmacHeader(absl::string_view platform, absl::string_view header, HmacHash hash,
                                  const v1::EvaluatePlatformEventRequest& request, const AdapterConfig& config);

// A shared token echoed in the payload or a header (Graph clientState,
// Mattermost token, Matrix hs_token), compared with the configured secret in
// constant time. `where` names it in the error ("value[2].clientState").
// Unauthenticated when it is empty or differs.
absl::Status VerifyToken(absl::string_view platform, absl::string_view where, absl::string_view received,
                         const AdapterConfig& config);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_REQUEST_AUTH_H_

#ifndef GRENS_ADAPTERS_ADAPTER_H_
#define GRENS_ADAPTERS_ADAPTER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/guard.pb.h"

namespace grens::adapters {

// What one platform adapter needs from grensd's config (grens.v1.PlatformConfig).
struct AdapterConfig {
  // Signing secret, Graph clientState, Mattermost token, Matrix hs_token or
  // Jitsi/JaaS authorization value. Empty: none configured, and every delivery
  // is refused unless skip_signature_check is set.
  std::string secret;
  // The relay in front of grensd verified the delivery already.
  bool skip_signature_check = false;
  // How far a signed timestamp may lie from the receipt time (Slack, Zoom).
  absl::Duration replay_window = absl::Minutes(5);
};

// What one native delivery becomes.
struct Translation {
  // One canonical event per subject and category, in payload order. Platform,
  // category, subject id, occurred_at (UTC; receipt time with
  // occurred_at_is_receipt_time when the payload has none) and the native ids
  // worth keeping as attributes are set; tenant, collector and purpose only
  // where the payload itself says so (grensd fills the rest from the request
  // and its config).
  std::vector<v1::MonitoringEvent> events;
  // Set when the delivery was a handshake (Graph validationToken, Slack
  // url_verification, Zoom endpoint.url_validation) that the relay must answer
  // with this reply; `events` is then empty.
  std::optional<v1::HandshakeReply> handshake;
};

// Translates one platform's native payloads into canonical MonitoringEvents.
// Knows the platform, never the policy. Implementations are immutable after
// construction, so safe for concurrent use.
class Adapter {
 public:
  virtual ~Adapter() = default;

  // Canonical platform name ("slack").
  virtual absl::string_view name() const = 0;

  // Translates one delivery. Header names in `request` are lower case.
  // `received_at` is when grensd received it: the reference for replay windows
  // and the event time when the payload carries none.
  // Errors: Unauthenticated for a missing, bad or stale signature or token
  // (checked before anything else is read); InvalidArgument naming the
  // platform and the field ("zoom: payload.object.participant: missing") or
  // the byte of malformed JSON. An event type the adapter does not know is not
  // an error: it becomes a CATEGORY_UNSPECIFIED event, which the policy denies.
  virtual absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                                absl::Time received_at) const = 0;
};

// The value of header `lower_name` (given in lower case) in `request`, matched
// case-insensitively because relays do not all lower-case header names; ""
// when absent.
absl::string_view HeaderValue(const v1::EvaluatePlatformEventRequest& request, absl::string_view lower_name);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_ADAPTER_H_

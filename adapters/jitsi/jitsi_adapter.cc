// Jitsi: self-hosted Prosody event_sync deliveries and JaaS (8x8) webhooks
// through one adapter ("jaas" is an alias of "jitsi"). The payload's shape
// decides, not the name the caller used: an event_sync body has `event_name`,
// a JaaS body has `eventType`; a body with neither is refused.
//
// Authentication: neither sender signs its requests. Both send a fixed header
// configured by the operator (event_sync `api_headers`, the JaaS console's
// Authorization value), so grens compares the Authorization header with the
// configured secret in constant time, either whole ("Bearer TOKEN-1") or, for
// a secret configured without its scheme, the bearer credentials ("TOKEN-1").
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/jitsi/jitsi_internal.h"
#include "adapters/platforms.h"
#include "adapters/signature.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

// The "jitsi" adapter (alias "jaas"): checks the Authorization value and
// dispatches by payload shape. Immutable after construction, so safe for
// concurrent use.
class JitsiAdapter final : public Adapter {
 public:
  explicit JitsiAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return "jitsi"; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(Verify(request));
    GRENS_ASSIGN_OR_RETURN(Json body, ParseObjectPayload("jitsi", request.payload()));
    Translation out;
    if (body.Find("eventType") != nullptr) {
      GRENS_RETURN_IF_ERROR(jitsi::TranslateJaas(FieldReader("jaas", &body), received_at, &out.events));
    } else if (body.Find("event_name") != nullptr) {
      GRENS_RETURN_IF_ERROR(jitsi::TranslateEventSync(FieldReader("jitsi", &body), received_at, &out.events));
    } else {
      return absl::InvalidArgumentError(
          "jitsi: event_name: missing, and so is eventType: neither a Prosody event_sync nor a JaaS webhook body");
    }
    return out;
  }

 private:
  absl::Status Verify(const v1::EvaluatePlatformEventRequest& request) const {
    if (config_.skip_signature_check) return absl::OkStatus();
    if (config_.secret.empty()) {
      return absl::UnauthenticatedError("jitsi: no authorization value is configured (platforms[].secret_file)");
    }
    const absl::string_view header = HeaderValue(request, "authorization");
    if (header.empty()) return absl::UnauthenticatedError("jitsi: the Authorization header is missing");
    // Both comparisons always run, so timing does not tell which form matched.
    const bool whole = ConstantTimeEquals(header, config_.secret);
    const bool bearer = ConstantTimeEquals(BearerToken(header), config_.secret);
    if (!whole && !bearer) {
      return absl::UnauthenticatedError("jitsi: the Authorization header does not match the configured value");
    }
    return absl::OkStatus();
  }

  const AdapterConfig config_;
};

}  // namespace

namespace jitsi {

void MarkRoomSubject(v1::MonitoringEvent* event) { (*event->mutable_attributes())["subject_kind"] = "room"; }

}  // namespace jitsi

std::unique_ptr<Adapter> NewJitsiAdapter(const AdapterConfig& config) { return std::make_unique<JitsiAdapter>(config); }

}  // namespace grens::adapters

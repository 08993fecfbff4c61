// Google Workspace: Meet events from the Workspace Events API (CloudEvents on
// Cloud Pub/Sub) and Admin SDK Reports API activities for Meet.
//
// A Workspace event reaches grens in one of three forms, told apart by shape:
//  - a Pub/Sub push body {"message": {"attributes": {"ce-id", "ce-type", ...},
//    "data": "<base64 JSON>", "messageId", "publishTime"}, "subscription"};
//  - CloudEvents binary mode: the context in ce-* headers, the data as the
//    body (a relay that pulls from Pub/Sub, or a push subscription with
//    payload unwrapping, which turns attributes into headers);
//  - CloudEvents structured mode: {"specversion", "id", "type", "data", ...}.
// A body with "items" or "events" is a Reports API activity list or one
// pushed activity (reports.cc).
//
// Verification. Pub/Sub push authenticates with a Google-signed OIDC JWT in
// the Authorization header; grens cannot check that signature offline (it
// would need Google's rotating keys), and checking the JWT's claims without it
// would prove nothing. So grens checks a shared token that only the
// subscription's owner knows: the push endpoint is configured as
// "https://relay.example/google?token=<secret>" (Google's documented pattern
// for push endpoints), and the relay passes the query string on; a Reports
// watch channel carries its channel token in X-Goog-Channel-Token, which is
// the same secret. Either must equal the configured secret (constant time). A
// relay that verifies the OIDC JWT itself (audience and issuer included) sets
// skip_signature_check instead.
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/google/google_internal.h"
#include "adapters/platforms.h"
#include "adapters/signature.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

using google::CloudEvent;

constexpr absl::string_view kPlatform = "google";

absl::Status CheckSpecVersion(absl::string_view version, absl::string_view where) {
  if (version == "1.0") return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("google: ", where, ": CloudEvents spec version '", version, "' is not 1.0"));
}

// The context attributes of a Pub/Sub message ("ce-id" ...) or a structured
// CloudEvent ("id" ...): `prefix` is "ce-" or "".
absl::StatusOr<CloudEvent> ReadContext(const FieldReader& r, absl::string_view prefix) {
  CloudEvent ce;
  GRENS_ASSIGN_OR_RETURN(std::string version, r.String(absl::StrCat(prefix, "specversion")));
  GRENS_RETURN_IF_ERROR(CheckSpecVersion(version, r.PathOf(absl::StrCat(prefix, "specversion"))));
  GRENS_ASSIGN_OR_RETURN(ce.id, r.String(absl::StrCat(prefix, "id")));
  GRENS_ASSIGN_OR_RETURN(ce.source, r.String(absl::StrCat(prefix, "source")));
  GRENS_ASSIGN_OR_RETURN(ce.type, r.String(absl::StrCat(prefix, "type")));
  GRENS_ASSIGN_OR_RETURN(ce.subject, r.OptionalString(absl::StrCat(prefix, "subject")));
  const std::string time = absl::StrCat(prefix, "time");
  if (r.Find(time) != nullptr) {
    GRENS_ASSIGN_OR_RETURN(ce.time, r.Time(time, TimeFormat::kRfc3339));
  }
  return ce;
}

// A header that must be present in binary mode.
absl::StatusOr<std::string> RequiredHeader(const v1::EvaluatePlatformEventRequest& request, absl::string_view name) {
  const absl::string_view value = HeaderValue(request, name);
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat("google: header ", name, ": missing"));
  return std::string(value);
}

absl::StatusOr<CloudEvent> ContextFromHeaders(const v1::EvaluatePlatformEventRequest& request) {
  CloudEvent ce;
  GRENS_ASSIGN_OR_RETURN(std::string version, RequiredHeader(request, "ce-specversion"));
  GRENS_RETURN_IF_ERROR(CheckSpecVersion(version, "header ce-specversion"));
  GRENS_ASSIGN_OR_RETURN(ce.id, RequiredHeader(request, "ce-id"));
  GRENS_ASSIGN_OR_RETURN(ce.source, RequiredHeader(request, "ce-source"));
  GRENS_ASSIGN_OR_RETURN(ce.type, RequiredHeader(request, "ce-type"));
  ce.subject = std::string(HeaderValue(request, "ce-subject"));
  const absl::string_view time = HeaderValue(request, "ce-time");
  if (!time.empty()) {
    absl::StatusOr<absl::Time> t = ParseEventTime(time, TimeFormat::kRfc3339);
    if (!t.ok()) return absl::InvalidArgumentError(absl::StrCat("google: header ce-time: ", t.status().message()));
    ce.time = *t;
  }
  return ce;
}

// Decodes and parses base64 event data; errors name `field` and the byte.
absl::StatusOr<Json> DecodeData(const FieldReader& r, absl::string_view field) {
  GRENS_ASSIGN_OR_RETURN(std::string encoded, r.String(field));
  std::string decoded;
  if (!absl::Base64Unescape(encoded, &decoded)) {
    return r.Error(field, absl::StrCat("not base64 (byte ", r.Find(field)->offset(), ")"));
  }
  absl::StatusOr<Json> data = ParseJson(decoded);
  if (!data.ok()) return r.Error(field, absl::StrCat("decoded data is not JSON: ", data.status().message()));
  return data;
}

absl::Status PubSub(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(FieldReader message, root.Sub("message"));
  GRENS_ASSIGN_OR_RETURN(FieldReader attributes, message.Sub("attributes"));
  GRENS_ASSIGN_OR_RETURN(CloudEvent ce, ReadContext(attributes, "ce-"));
  GRENS_ASSIGN_OR_RETURN(ce.pubsub_message_id, message.OptionalString("messageId"));
  GRENS_ASSIGN_OR_RETURN(Json data, DecodeData(message, "data"));
  return google::TranslateWorkspaceEvent(ce, FieldReader(kPlatform, &data, message.PathOf("data")), received_at, out);
}

absl::Status Structured(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(CloudEvent ce, ReadContext(root, ""));
  if (root.Find("data_base64") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(Json data, DecodeData(root, "data_base64"));
    return google::TranslateWorkspaceEvent(ce, FieldReader(kPlatform, &data, "data_base64"), received_at, out);
  }
  GRENS_ASSIGN_OR_RETURN(FieldReader data, root.Sub("data"));
  return google::TranslateWorkspaceEvent(ce, data, received_at, out);
}

// A Reports activity list (which has no "items" when it is empty) or one activity.
bool IsReports(const Json& body) {
  const Json* kind = body.Find("kind");
  return body.Find("items") != nullptr || body.Find("events") != nullptr ||
         (kind != nullptr && kind->text() == "admin#reports#activities");
}

// The "google" adapter: verifies the push token, unwraps the transport and
// dispatches. Immutable after construction, so safe for concurrent use.
class GoogleAdapter final : public Adapter {
 public:
  explicit GoogleAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(Verify(request));
    Translation out;
    if (!HeaderValue(request, "ce-type").empty() || !HeaderValue(request, "ce-id").empty()) {
      GRENS_ASSIGN_OR_RETURN(CloudEvent ce, ContextFromHeaders(request));
      GRENS_ASSIGN_OR_RETURN(Json data, ParsePayload(kPlatform, request.payload()));
      GRENS_RETURN_IF_ERROR(google::TranslateWorkspaceEvent(ce, FieldReader(kPlatform, &data, "data"), received_at,
                                                            &out.events));
      return out;
    }
    GRENS_ASSIGN_OR_RETURN(Json body, ParseObjectPayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &body);
    if (body.Find("message") != nullptr) {
      GRENS_RETURN_IF_ERROR(PubSub(root, received_at, &out.events));
    } else if (body.Find("specversion") != nullptr) {
      GRENS_RETURN_IF_ERROR(Structured(root, received_at, &out.events));
    } else if (IsReports(body)) {
      GRENS_RETURN_IF_ERROR(google::TranslateReports(root, received_at, &out.events));
    } else {
      return root.Error("message", "missing: the body is neither a Pub/Sub push, a CloudEvent nor a Reports activity");
    }
    return out;
  }

 private:
  absl::Status Verify(const v1::EvaluatePlatformEventRequest& request) const {
    if (config_.skip_signature_check) return absl::OkStatus();
    if (config_.secret.empty()) {
      return absl::UnauthenticatedError("google: no push token is configured (platforms[].secret_file)");
    }
    std::optional<std::string> token = QueryParam(request.query(), "token");
    if (!token.has_value() || token->empty()) {
      const absl::string_view channel = HeaderValue(request, "x-goog-channel-token");
      if (!channel.empty()) token = std::string(channel);
    }
    if (!token.has_value() || token->empty()) {
      return absl::UnauthenticatedError(
          "google: no token: neither a 'token' query parameter (Pub/Sub push endpoint) nor an "
          "X-Goog-Channel-Token header (Reports watch channel)");
    }
    if (!ConstantTimeEquals(*token, config_.secret)) {
      return absl::UnauthenticatedError("google: the token does not match the configured push token");
    }
    return absl::OkStatus();
  }

  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewGoogleAdapter(const AdapterConfig& config) {
  return std::make_unique<GoogleAdapter>(config);
}

}  // namespace grens::adapters

// Microsoft Graph change notifications (Teams presence, chat and channel
// messages, call records, transcripts, recordings) and meeting attendance
// reports, as a webhook relay forwards them.
//
// Authentication: Graph signs nothing; each notification echoes the
// subscription's clientState, which is checked in constant time against the
// configured secret for every entry of value[] before anything else is read.
// One bad entry refuses the whole delivery.
//
// Handshake: creating a subscription, Graph POSTs to
// notificationUrl?validationToken=<token>; the relay passes the query string
// and grensd answers the decoded token as text/plain with 200.
//
// What the relay forwards (the contract with it):
//  - Resource data: Graph encrypts it (encryptedContent) with the relay's
//    certificate. The relay validates validationTokens, decrypts, and adds the
//    decrypted resource as a JSON object under "decryptedContent" in the same
//    notification; encryptedContent may stay, it is ignored. A notification
//    with encryptedContent but no decryptedContent is refused: judging an
//    undecrypted presence as PRESENCE could hide idle detection.
//  - Call records: notifications carry only the id; the relay fetches the
//    record (GET communications/callRecords/{id}?$expand=participants_v2,
//    sessions($expand=segments)) and adds it as decryptedContent.
//  - Attendance reports are pull-only; the relay wraps a fetched report
//    (?$expand=attendanceRecords) in a notification of its own: value[] entry
//    with the clientState, resource ".../attendanceReports/{id}" and the report
//    as decryptedContent. One format, one authentication path.
//  - Lifecycle notifications (lifecycleEvent missed, subscriptionRemoved,
//    reauthorizationRequired) are about the subscription, not about anyone's
//    behaviour: they are authenticated and then yield no events; renewing the
//    subscription is the relay's job.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/event_util.h"
#include "adapters/graph/graph_internal.h"
#include "adapters/platforms.h"
#include "adapters/request_auth.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

using graph::kPlatform;
using graph::Notification;

enum class Kind { kPresence, kMessage, kCallRecord, kAttendanceReport, kTranscript, kRecording, kUnknown };

// By @odata.type (resource data or decrypted resource), else by resource path.
Kind Classify(const Notification& n) {
  std::string type;
  if (const Json* data = n.item.Find("resourceData"); data != nullptr && data->is_object()) {
    type = graph::ODataType(FieldReader(kPlatform, data));
  }
  if (type.empty() && n.content.has_value()) type = graph::ODataType(*n.content);
  const absl::string_view r = n.resource;
  // Graph writes "#Microsoft.Graph.chatMessage" in resource data and
  // "#microsoft.graph.chatMessage" in resources.
  const auto is = [&type](absl::string_view name) { return absl::EqualsIgnoreCase(type, name); };
  if (is("#microsoft.graph.presence") || absl::StartsWithIgnoreCase(r, "communications/presences")) {
    return Kind::kPresence;
  }
  if (is("#microsoft.graph.chatMessage") || absl::StrContains(r, "/messages")) return Kind::kMessage;
  if (is("#microsoft.graph.callRecords.callRecord") || is("#microsoft.graph.callRecord") ||
      absl::StartsWithIgnoreCase(r, "communications/callRecords")) {
    return Kind::kCallRecord;
  }
  if (is("#microsoft.graph.meetingAttendanceReport") || absl::StrContains(r, "/attendanceReports")) {
    return Kind::kAttendanceReport;
  }
  if (is("#microsoft.graph.callTranscript") || absl::StrContains(r, "/transcripts")) return Kind::kTranscript;
  if (is("#microsoft.graph.callRecording") || absl::StrContains(r, "/recordings")) return Kind::kRecording;
  return Kind::kUnknown;
}

absl::Status Dispatch(const Notification& n, Translation* out) {
  switch (Classify(n)) {
    case Kind::kPresence:
      return graph::Presence(n, out);
    case Kind::kMessage:
      return graph::Message(n, out);
    case Kind::kCallRecord:
      return graph::CallRecord(n, out);
    case Kind::kAttendanceReport:
      return graph::AttendanceReport(n, out);
    case Kind::kTranscript:
      return graph::MeetingArtifact(n, v1::CATEGORY_TRANSCRIPT, out);
    case Kind::kRecording:
      return graph::MeetingArtifact(n, v1::CATEGORY_RECORDING, out);
    case Kind::kUnknown:
      break;
  }
  return graph::Unknown(n, out);
}

class GraphAdapter final : public Adapter {
 public:
  explicit GraphAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(RequireSecret(kPlatform, config_));
    Translation out;
    GRENS_ASSIGN_OR_RETURN(out.handshake, Handshake(request));
    if (out.handshake.has_value()) return out;
    GRENS_ASSIGN_OR_RETURN(const Json doc, ParsePayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &doc);
    GRENS_ASSIGN_OR_RETURN(const Json* value, root.Array("value"));
    const size_t n = value->items().size();
    for (size_t i = 0; i < n; ++i) {  // every entry authenticated before any is read
      const FieldReader item = root.Item("value", i);
      const Json* state = item.Find("clientState");
      GRENS_RETURN_IF_ERROR(VerifyToken(kPlatform, item.PathOf("clientState"),
                                        state != nullptr && state->is_string() ? state->text() : "", config_));
    }
    for (size_t i = 0; i < n; ++i) {
      GRENS_RETURN_IF_ERROR(Entry(root.Item("value", i), received_at, &out));
    }
    return out;
  }

 private:
  // The validationToken echo, or nullopt when the query has none.
  static absl::StatusOr<std::optional<v1::HandshakeReply>> Handshake(const v1::EvaluatePlatformEventRequest& request) {
    if (request.query().empty()) return std::optional<v1::HandshakeReply>();
    absl::StatusOr<std::vector<std::pair<std::string, std::string>>> query = ParseForm(request.query());
    if (!query.ok()) return absl::InvalidArgumentError(absl::StrCat("graph: query: ", query.status().message()));
    std::optional<std::string> token;
    for (auto& [name, value] : *query) {
      if (name == "validationToken" && !token.has_value()) token = std::move(value);
    }
    if (!token.has_value()) return std::optional<v1::HandshakeReply>();
    if (token->empty()) return absl::InvalidArgumentError("graph: query: validationToken: empty");
    v1::HandshakeReply reply;
    reply.set_http_status(200);
    reply.set_content_type("text/plain");  // never HTML: the token is echoed verbatim
    reply.set_body(std::move(*token));
    return std::optional<v1::HandshakeReply>(std::move(reply));
  }

  static absl::Status Entry(const FieldReader& item, absl::Time received_at, Translation* out) {
    if (!item.root().is_object()) return item.Error("", "expected an object");
    GRENS_ASSIGN_OR_RETURN(const std::string lifecycle, item.OptionalString("lifecycleEvent"));
    if (!lifecycle.empty()) return absl::OkStatus();  // subscription housekeeping, see above
    Notification n{item, std::nullopt, "", "", received_at};
    GRENS_ASSIGN_OR_RETURN(n.change_type, item.OptionalString("changeType"));
    GRENS_ASSIGN_OR_RETURN(n.resource, item.OptionalString("resource"));
    if (item.Find("decryptedContent") != nullptr) {
      GRENS_ASSIGN_OR_RETURN(const Json* content, item.Object("decryptedContent"));
      n.content = FieldReader(kPlatform, content, item.PathOf("decryptedContent"));
    } else if (item.Find("encryptedContent") != nullptr) {
      return item.Error("decryptedContent",
                        "missing: the notification carries encryptedContent, which the relay must decrypt and "
                        "forward as decryptedContent");
    }
    return Dispatch(n, out);
  }

  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewGraphAdapter(const AdapterConfig& config) { return std::make_unique<GraphAdapter>(config); }

}  // namespace grens::adapters

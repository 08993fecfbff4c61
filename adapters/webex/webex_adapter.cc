// Webex: webhook deliveries (`{id, name, resource, event, orgId, actorId,
// created, data{...}}`), verified by X-Spark-Signature = hex HMAC-SHA1 of the
// raw body under the webhook's secret. Webex puts no timestamp under the
// signature, so there is no replay window; the relay should dedupe on
// resource + event + data.id (kept as attributes).
//
// Categories (shared/reference/domain.md 1.7, 4(a)):
//   meetingParticipants joined/left   ATTENDANCE at joinedTime / leftTime
//   messages created/updated          MESSAGE_METADATA: Webex sends ids only;
//                                     MESSAGE_CONTENT when the relay fetched the
//                                     message and added its text (data.text,
//                                     data.markdown) — a second, separate access
//   messages deleted                  MESSAGE_METADATA
//   recordings created                RECORDING for the host
//   meetingTranscripts created        TRANSCRIPT for the host
//   anything else                     UNSPECIFIED (denied), if it names a person

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/event_util.h"
#include "adapters/platforms.h"
#include "adapters/request_auth.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

constexpr char kPlatform[] = "webex";

// The envelope facts every event of a delivery shares.
struct Delivery {
  std::string resource;
  std::string event;
  std::optional<absl::Time> created;  // envelope `created`: when Webex sent it
  absl::Time received_at;
};

// An event at the first of `paths` in data that is a time, else the envelope's
// created, else the receipt time (flagged).
absl::StatusOr<v1::MonitoringEvent> Start(const FieldReader& data, std::initializer_list<absl::string_view> paths,
                                          const Delivery& d, v1::Category category, const FoundId& subject) {
  std::optional<absl::Time> t;
  for (absl::string_view path : paths) {
    // Webex writes the epoch where it does not know a time yet (participant
    // times of a meeting in progress): absent, not an event in 1970.
    const Json* raw = data.Find(path);
    if (raw != nullptr && raw->is_string() && absl::StartsWith(raw->text(), "1970-01-01T00:00:00")) continue;
    GRENS_ASSIGN_OR_RETURN(t, OptionalTime(data, path, TimeFormat::kRfc3339));
    if (t.has_value()) break;
  }
  GRENS_ASSIGN_OR_RETURN(const EventTime when, TimeOrReceipt({t, d.created}, d.received_at));
  v1::MonitoringEvent e = NewEvent(kPlatform, category, subject.value, when.at, when.receipt);
  SetAttribute("resource", d.resource, &e);
  SetAttribute("event", d.event, &e);
  SetAttribute("subject_source", subject.path, &e);
  GRENS_ASSIGN_OR_RETURN(const std::string id, data.OptionalString("id"));
  SetAttribute("data_id", id, &e);
  for (const auto& [attribute, path] : {std::pair<const char*, const char*>{"meeting_id", "meetingId"},
                                        {"room_id", "roomId"},
                                        {"room_type", "roomType"}}) {
    GRENS_ASSIGN_OR_RETURN(const std::string value, data.OptionalString(path));
    SetAttribute(attribute, value, &e);
  }
  return e;
}

// The Webex object id (message, recording): an id of the thing, not of a person.
std::string DataId(const v1::MonitoringEvent& e) {
  auto it = e.attributes().find("data_id");
  return it == e.attributes().end() ? "" : it->second;
}

absl::StatusOr<v1::MonitoringEvent> Participant(const FieldReader& data, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(data, {"email"}, "participant e-mail"));
  const bool left = d.event == "left";
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(data, {left ? "leftTime" : "joinedTime"}, d,
                                                      v1::CATEGORY_ATTENDANCE, subject));
  SetAttribute("attendance", left ? "left" : "joined", &e);
  GRENS_ASSIGN_OR_RETURN(const std::string state, data.OptionalString("state"));
  SetAttribute("state", state, &e);
  return e;
}

absl::StatusOr<v1::MonitoringEvent> Message(const FieldReader& data, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(data, {"personEmail", "personId"}, "sender"));
  GRENS_ASSIGN_OR_RETURN(const std::string text, data.OptionalString("text"));
  GRENS_ASSIGN_OR_RETURN(const std::string markdown, data.OptionalString("markdown"));
  const bool content = d.event != "deleted" && (!text.empty() || !markdown.empty());
  GRENS_ASSIGN_OR_RETURN(
      v1::MonitoringEvent e,
      Start(data, {"updated", "created"}, d, content ? v1::CATEGORY_MESSAGE_CONTENT : v1::CATEGORY_MESSAGE_METADATA,
            subject));
  e.set_id(DataId(e));
  if (content) {
    AddContent("text", text, &e);
    AddContent("markdown", markdown, &e);
  }
  return e;
}

// Recordings and transcripts: about the meeting's host.
absl::StatusOr<v1::MonitoringEvent> Artifact(const FieldReader& data, const Delivery& d, v1::Category category) {
  GRENS_ASSIGN_OR_RETURN(const FoundId subject,
                         RequireFirstId(data, {"hostEmail", "hostUserId", "hostId"}, "host"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         Start(data, {"timeRecorded", "createTime", "created", "startTime"}, d, category, subject));
  SetAttribute("subject_role", "host", &e);
  e.set_id(DataId(e));
  GRENS_ASSIGN_OR_RETURN(const std::string format, data.OptionalString("format"));
  SetAttribute("format", format, &e);
  return e;
}

absl::StatusOr<v1::MonitoringEvent> Unknown(const FieldReader& root, const FieldReader& data, const Delivery& d) {
  std::optional<FoundId> subject;
  GRENS_ASSIGN_OR_RETURN(subject, FirstId(data, {"personEmail", "email", "personId", "hostEmail"}));
  if (!subject.has_value()) {
    GRENS_ASSIGN_OR_RETURN(const FoundId actor, RequireFirstId(root, {"actorId"}, "person"));
    subject = actor;
  }
  return Start(data, {"created"}, d, v1::CATEGORY_UNSPECIFIED, *subject);
}

class WebexAdapter final : public Adapter {
 public:
  explicit WebexAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(VerifyBodyHmacHeader(kPlatform, "x-spark-signature", HmacHash::kSha1, request, config_));
    GRENS_ASSIGN_OR_RETURN(const Json doc, ParseObjectPayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &doc);
    Delivery d;
    d.received_at = received_at;
    GRENS_ASSIGN_OR_RETURN(d.resource, root.String("resource"));
    GRENS_ASSIGN_OR_RETURN(d.event, root.String("event"));
    GRENS_ASSIGN_OR_RETURN(d.created, OptionalTime(root, "created", TimeFormat::kRfc3339));
    GRENS_ASSIGN_OR_RETURN(const FieldReader data, root.Sub("data"));
    absl::StatusOr<v1::MonitoringEvent> e = absl::UnknownError("");
    if (d.resource == "meetingParticipants" && (d.event == "joined" || d.event == "left")) {
      e = Participant(data, d);
    } else if (d.resource == "messages") {
      e = Message(data, d);
    } else if (d.resource == "recordings" || d.resource == "convergedRecordings") {
      e = Artifact(data, d, v1::CATEGORY_RECORDING);
    } else if (d.resource == "meetingTranscripts") {
      e = Artifact(data, d, v1::CATEGORY_TRANSCRIPT);
    } else {
      e = Unknown(root, data, d);
    }
    if (!e.ok()) return e.status();
    Translation out;
    out.events.push_back(std::move(*e));
    return out;
  }

 private:
  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewWebexAdapter(const AdapterConfig& config) { return std::make_unique<WebexAdapter>(config); }

}  // namespace grens::adapters

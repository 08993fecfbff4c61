// Zoom: webhook deliveries of a Marketplace app's event subscriptions
// (`{"event", "event_ts" (ms), "payload": {"account_id", "object"}}`), signed
// with x-zm-signature v0 over x-zm-request-timestamp, including the
// endpoint.url_validation challenge: answering an unsigned challenge would
// hand anyone an HMAC oracle for the secret, with which they could sign any
// body themselves (Zoom's own sample verifies first, too).
//
// Categories (shared/reference/domain.md 1.2, 4(a), 5.1):
//   meeting./webinar.participant_joined, _left (and breakout room variants)
//                                  ATTENDANCE at join_time / leave_time
//   recording.completed            RECORDING for the host (the meeting files),
//                                  TRANSCRIPT for the host if a transcript file
//                                  is among them, and per participant audio
//                                  file RECORDING plus ATTENDANCE (the track
//                                  shows who was there, from when to when)
//   recording.transcript_completed TRANSCRIPT for the host
//   user.presence_status_updated   PRESENCE
//   meeting.chat_message_sent      MESSAGE_CONTENT, the text in content "message"
//   anything else                  UNSPECIFIED (denied), if it names a person
//
// Zoom names the person behind a participant audio file only in its file name.
// The adapter takes participant_email, participant_user_id or user_id when the
// file carries one (a relay can add them from the past-meeting participants
// report) and falls back to file_name; attribute subject_source says which.

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/delivery.h"
#include "adapters/event_util.h"
#include "adapters/platforms.h"
#include "adapters/request_auth.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

constexpr char kPlatform[] = "zoom";
constexpr V0Scheme kScheme{kPlatform, "x-zm-signature", "x-zm-request-timestamp"};

// What every event of one delivery shares.
struct Delivery {
  std::string event;                 // "meeting.participant_joined"
  std::string event_ts;              // raw milliseconds, a dedupe key with the event name
  std::optional<absl::Time> sent_at;  // event_ts as a time
  absl::Time received_at;
};

// `text` as a JSON string literal, for the url_validation answer.
std::string JsonQuote(absl::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      constexpr char kHex[] = "0123456789abcdef";
      out.append("\\u00");
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

// The first of `paths` in `reader` that is a time, else the delivery's
// event_ts, else the receipt time (flagged).
absl::StatusOr<v1::MonitoringEvent> Start(const FieldReader& reader, std::initializer_list<absl::string_view> paths,
                                          const Delivery& d, v1::Category category, absl::string_view subject) {
  GRENS_ASSIGN_OR_RETURN(const EventTime when,
                         TimeOrReceipt({{reader, paths, TimeFormat::kRfc3339}, d.sent_at}, d.received_at));
  return NewEvent(kPlatform, category, subject, when.at, when.receipt);
}

absl::Status MeetingAttributes(const FieldReader& object, const Delivery& d, v1::MonitoringEvent* e) {
  SetAttribute("event", d.event, e);
  SetAttribute("event_ts", d.event_ts, e);
  GRENS_ASSIGN_OR_RETURN(const std::string meeting_id, OptionalScalar(object, "id"));
  GRENS_ASSIGN_OR_RETURN(const std::string meeting_uuid, OptionalScalar(object, "uuid"));
  SetAttribute("meeting_id", meeting_id, e);
  SetAttribute("meeting_uuid", meeting_uuid, e);
  return absl::OkStatus();
}

absl::StatusOr<v1::MonitoringEvent> Participant(const FieldReader& object, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader participant, object.Sub("participant"));
  GRENS_ASSIGN_OR_RETURN(const FoundId subject,
                         RequireFirstId(participant, {"email", "participant_user_id", "id", "user_id"}, "participant"));
  const bool left = absl::EndsWith(d.event, "_left") || absl::StrContains(d.event, "_left_");
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(participant, {left ? "leave_time" : "join_time"}, d,
                                                      v1::CATEGORY_ATTENDANCE, subject.value));
  GRENS_RETURN_IF_ERROR(MeetingAttributes(object, d, &e));
  SetAttribute("subject_source", subject.path, &e);
  GRENS_ASSIGN_OR_RETURN(const std::string participant_uuid, OptionalScalar(participant, "participant_uuid"));
  SetAttribute("participant_uuid", participant_uuid, &e);
  SetAttribute("attendance", left ? "left" : "joined", &e);
  return e;
}

// The meeting's recording files for the host: RECORDING when there are any
// (unless only the transcript was announced), TRANSCRIPT when one is a
// transcript or closed captions.
absl::Status HostEvents(const FieldReader& object, const Delivery& d, bool transcript_only, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const FoundId host, RequireFirstId(object, {"host_email", "host_id"}, "host"));
  std::set<std::string> kinds;
  bool has_transcript = false;
  if (object.Find("recording_files") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(const Json* files, object.Array("recording_files"));
    for (size_t i = 0; i < files->items().size(); ++i) {
      const FieldReader file = object.Item("recording_files", i);
      GRENS_ASSIGN_OR_RETURN(const std::string type, file.OptionalString("file_type"));
      GRENS_ASSIGN_OR_RETURN(const std::string recording_type, file.OptionalString("recording_type"));
      kinds.insert(recording_type.empty() ? type : recording_type);
      has_transcript |= type == "TRANSCRIPT" || type == "CC";
    }
  }
  std::vector<v1::Category> categories;
  if (!transcript_only && !kinds.empty()) categories.push_back(v1::CATEGORY_RECORDING);
  if (transcript_only || has_transcript) categories.push_back(v1::CATEGORY_TRANSCRIPT);
  for (const v1::Category category : categories) {
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(object.Item("recording_files", 0), {"recording_start"}, d,
                                                        category, host.value));
    GRENS_RETURN_IF_ERROR(MeetingAttributes(object, d, &e));
    SetAttribute("subject_source", host.path, &e);
    SetAttribute("subject_role", "host", &e);
    SetAttribute("recording_types", absl::StrJoin(kinds, ","), &e);
    out->events.push_back(std::move(e));
  }
  return absl::OkStatus();
}

// One audio track per participant: RECORDING of their voice, and ATTENDANCE,
// because the track shows who was there from when to when.
absl::Status ParticipantAudio(const FieldReader& object, const Delivery& d, Translation* out) {
  if (object.Find("participant_audio_files") == nullptr) return absl::OkStatus();
  GRENS_ASSIGN_OR_RETURN(const Json* audio, object.Array("participant_audio_files"));
  for (size_t i = 0; i < audio->items().size(); ++i) {
    const FieldReader file = object.Item("participant_audio_files", i);
    GRENS_ASSIGN_OR_RETURN(const FoundId subject,
                           RequireFirstId(file, {"participant_email", "participant_user_id", "user_id", "file_name"},
                                          "participant"));
    GRENS_ASSIGN_OR_RETURN(const std::string file_id, OptionalScalar(file, "id"));
    for (const v1::Category category : {v1::CATEGORY_RECORDING, v1::CATEGORY_ATTENDANCE}) {
      GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(file, {"recording_start"}, d, category, subject.value));
      GRENS_RETURN_IF_ERROR(MeetingAttributes(object, d, &e));
      SetAttribute("subject_source", subject.path, &e);
      SetAttribute("recording_file_id", file_id, &e);
      SetAttribute("recording_type", "participant_audio", &e);
      out->events.push_back(std::move(e));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::MonitoringEvent> Presence(const FieldReader& object, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(object, {"email", "id"}, "user"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(object, {"date_time"}, d, v1::CATEGORY_PRESENCE, subject.value));
  SetAttribute("event", d.event, &e);
  SetAttribute("event_ts", d.event_ts, &e);
  SetAttribute("subject_source", subject.path, &e);
  GRENS_ASSIGN_OR_RETURN(const std::string status, object.String("presence_status"));
  SetAttribute("presence_status", status, &e);
  return e;
}

absl::StatusOr<v1::MonitoringEvent> ChatMessage(const FieldReader& object, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader chat, object.Sub("chat_message"));
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(chat, {"sender_email", "sender_session_id"}, "sender"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         Start(chat, {"date_time"}, d, v1::CATEGORY_MESSAGE_CONTENT, subject.value));
  GRENS_RETURN_IF_ERROR(MeetingAttributes(object, d, &e));
  SetAttribute("subject_source", subject.path, &e);
  GRENS_ASSIGN_OR_RETURN(const std::string message_id, OptionalScalar(chat, "message_id"));
  SetAttribute("message_id", message_id, &e);
  e.set_id(message_id);
  GRENS_ASSIGN_OR_RETURN(const std::string text, chat.OptionalString("message_content"));
  AddContent("message", text, &e);
  return e;
}

// An event this adapter does not know: judged (and denied) as UNSPECIFIED if
// the payload names a person at any of the usual places.
absl::StatusOr<v1::MonitoringEvent> Unknown(const FieldReader& payload, const Delivery& d) {
  GRENS_ASSIGN_OR_RETURN(
      const FoundId subject,
      RequireFirstId(payload,
                     {"object.participant.email", "object.participant.participant_user_id", "object.participant.id",
                      "object.participant.user_id", "object.email", "object.host_email", "object.host_id", "operator",
                      "operator_id"},
                     "person"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         Start(payload, {"object.date_time"}, d, v1::CATEGORY_UNSPECIFIED, subject.value));
  SetAttribute("event", d.event, &e);
  SetAttribute("event_ts", d.event_ts, &e);
  SetAttribute("subject_source", subject.path, &e);
  return e;
}

absl::Status Events(const FieldReader& payload, const Delivery& d, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader object, payload.Sub("object"));
  if (d.event == "recording.completed" || d.event == "recording.transcript_completed") {
    const bool transcript_only = d.event == "recording.transcript_completed";
    GRENS_RETURN_IF_ERROR(HostEvents(object, d, transcript_only, out));
    return transcript_only ? absl::OkStatus() : ParticipantAudio(object, d, out);
  }
  absl::StatusOr<v1::MonitoringEvent> e = absl::UnknownError("");
  if (absl::StrContains(d.event, ".participant_joined") || absl::StrContains(d.event, ".participant_left")) {
    e = Participant(object, d);
  } else if (d.event == "user.presence_status_updated") {
    e = Presence(object, d);
  } else if (d.event == "meeting.chat_message_sent" || d.event == "webinar.chat_message_sent") {
    e = ChatMessage(object, d);
  } else {
    e = Unknown(payload, d);
  }
  if (!e.ok()) return e.status();
  out->events.push_back(std::move(*e));
  return absl::OkStatus();
}

class ZoomAdapter final : public Adapter {
 public:
  explicit ZoomAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(VerifyV0Signature(kScheme, request, config_, received_at));
    GRENS_ASSIGN_OR_RETURN(const Json doc, ParseObjectPayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &doc);
    Delivery d;
    d.received_at = received_at;
    GRENS_ASSIGN_OR_RETURN(d.event, root.String("event"));
    Translation out;
    if (d.event == "endpoint.url_validation") {
      GRENS_ASSIGN_OR_RETURN(out.handshake, Validation(root));
      return out;
    }
    GRENS_ASSIGN_OR_RETURN(d.event_ts, OptionalScalar(root, "event_ts"));
    GRENS_ASSIGN_OR_RETURN(d.sent_at, OptionalTime(root, "event_ts", TimeFormat::kUnixMillis));
    GRENS_ASSIGN_OR_RETURN(const FieldReader payload, root.Sub("payload"));
    GRENS_RETURN_IF_ERROR(Events(payload, d, &out));
    return out;
  }

 private:
  // {plainToken, encryptedToken = hex HMAC-SHA256(secret, plainToken)} as JSON.
  absl::StatusOr<v1::HandshakeReply> Validation(const FieldReader& root) const {
    GRENS_ASSIGN_OR_RETURN(const std::string plain, root.String("payload.plainToken"));
    if (config_.secret.empty()) {
      return absl::FailedPreconditionError(
          "zoom: endpoint.url_validation: answering needs the secret token (platforms[].secret_file)");
    }
    v1::HandshakeReply reply;
    reply.set_http_status(200);
    reply.set_content_type("application/json");
    reply.set_body(absl::StrCat("{\"plainToken\":", JsonQuote(plain), ",\"encryptedToken\":",
                                JsonQuote(HmacHex(HmacHash::kSha256, config_.secret, plain)), "}"));
    return reply;
  }

  const AdapterConfig config_;
};

}  // namespace

std::unique_ptr<Adapter> NewZoomAdapter(const AdapterConfig& config) { return std::make_unique<ZoomAdapter>(config); }

}  // namespace grens::adapters

// JaaS (8x8 Jitsi as a Service) webhooks (developer.8x8.com/jaas/docs/webhooks-payload):
// an envelope {idempotencyKey, customerId, appId, eventType, sessionId,
// timestamp (Unix ms), fqn ("AppID/room"), data{...}}. JaaS retries and may
// deliver twice: idempotencyKey is kept on every event (and as its id) so the
// collector can drop duplicates.
//
// PARTICIPANT_JOINED/LEFT are ATTENDANCE about the participant; ROOM_CREATED/
// DESTROYED are ATTENDANCE about the room (subject_kind=room); RECORDING_*,
// TRANSCRIPTION_UPLOADED and CHAT_UPLOADED are RECORDING, TRANSCRIPT and
// MESSAGE_CONTENT about each participant listed in data.participants[] (else
// the initiator, else the room). Everything else is CATEGORY_UNSPECIFIED. The
// platform of these events is "jaas": the data is processed by 8x8, not on the
// employer's own Jitsi, and an agreement may well treat the two differently.
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/jitsi/jitsi_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::jitsi {
namespace {

constexpr absl::string_view kPlatform = "jaas";

// The envelope facts every event of the delivery shares.
struct Envelope {
  std::string event_type;
  std::string idempotency_key;
  std::string session_id;
  std::string fqn;
  EventTime when;
};

absl::StatusOr<Envelope> ReadEnvelope(const FieldReader& root, absl::Time received_at) {
  Envelope env;
  GRENS_ASSIGN_OR_RETURN(env.event_type, root.String("eventType"));
  GRENS_ASSIGN_OR_RETURN(env.idempotency_key, root.OptionalString("idempotencyKey"));
  GRENS_ASSIGN_OR_RETURN(env.session_id, root.OptionalString("sessionId"));
  GRENS_ASSIGN_OR_RETURN(env.fqn, root.OptionalString("fqn"));
  GRENS_ASSIGN_OR_RETURN(env.when, TimeOrReceipt(root, "timestamp", TimeFormat::kUnixMillis, received_at));
  return env;
}

v1::MonitoringEvent Event(const Envelope& env, v1::Category category, absl::string_view subject) {
  v1::MonitoringEvent e = NewEvent(kPlatform, category, subject, env.when.at, env.when.receipt);
  e.set_id(env.idempotency_key);
  auto& a = *e.mutable_attributes();
  a["event_type"] = env.event_type;
  SetAttribute("idempotency_key", env.idempotency_key, &e);
  SetAttribute("session_id", env.session_id, &e);
  SetAttribute("fqn", env.fqn, &e);
  return e;
}

// A participant's identity: the JWT user id, else e-mail, else the XMPP JID
// or JaaS participant id (per connection). Empty when the object names no one.
absl::StatusOr<std::string> ParticipantId(const FieldReader& p) {
  for (absl::string_view field : {"id", "email", "participantJid", "participantId"}) {
    GRENS_ASSIGN_OR_RETURN(std::string id, p.OptionalString(field));
    if (!id.empty()) return id;
  }
  return std::string();
}

// The room as a subject: the fqn, else data.conference.
absl::StatusOr<v1::MonitoringEvent> RoomEvent(const FieldReader& root, const Envelope& env, v1::Category category) {
  std::string room = env.fqn;
  if (room.empty()) {
    GRENS_ASSIGN_OR_RETURN(room, root.OptionalString("data.conference"));
  }
  if (room.empty()) return root.Error("fqn", "missing, and so is data.conference: the webhook names no room");
  v1::MonitoringEvent e = Event(env, category, room);
  MarkRoomSubject(&e);
  return e;
}

// "true"/"false" whether JaaS sent a boolean or a string (both occur).
absl::StatusOr<std::string> Flag(const FieldReader& data, absl::string_view field) {
  const Json* value = data.Find(field);
  if (value == nullptr) return std::string();
  if (value->is_bool()) return std::string(value->boolean() ? "true" : "false");
  return data.String(field);
}

absl::Status Participant(const FieldReader& root, const Envelope& env, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(FieldReader data, root.Sub("data"));
  GRENS_ASSIGN_OR_RETURN(std::string subject, ParticipantId(data));
  if (subject.empty()) return data.Error("id", "missing, and so are email, participantJid and participantId");
  v1::MonitoringEvent e = Event(env, v1::CATEGORY_ATTENDANCE, subject);
  auto& a = *e.mutable_attributes();
  GRENS_ASSIGN_OR_RETURN(std::string moderator, Flag(data, "moderator"));
  SetAttribute("moderator", moderator, &e);
  GRENS_ASSIGN_OR_RETURN(std::string breakout, Flag(data, "isBreakout"));
  if (breakout == "true") a["is_breakout"] = breakout;
  GRENS_ASSIGN_OR_RETURN(std::string reason, data.OptionalString("disconnectReason"));
  SetAttribute("disconnect_reason", reason, &e);
  out->push_back(std::move(e));
  return absl::OkStatus();
}

// One event per participant of data.participants[]; else about the initiator;
// else about the room.
absl::Status PerParticipant(const FieldReader& root, const Envelope& env, v1::Category category,
                            std::vector<v1::MonitoringEvent>* out) {
  const size_t before = out->size();
  if (root.Find("data.participants") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(const Json* list, root.Array("data.participants"));
    for (size_t i = 0; i < list->items().size(); ++i) {
      const FieldReader p = root.Item("data.participants", i);
      GRENS_RETURN_IF_ERROR(p.Object("").status());
      GRENS_ASSIGN_OR_RETURN(std::string subject, ParticipantId(p));
      if (subject.empty()) return p.Error("id", "missing, and so are email, participantJid and participantId");
      out->push_back(Event(env, category, subject));
    }
  }
  if (out->size() == before) {
    GRENS_ASSIGN_OR_RETURN(std::string initiator, root.OptionalString("data.initiatorId"));
    if (!initiator.empty()) {
      out->push_back(Event(env, category, initiator));
    } else {
      GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, RoomEvent(root, env, category));
      out->push_back(std::move(e));
    }
  }
  if (root.Find("data.durationSec") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(int64_t duration, root.Int64("data.durationSec"));
    for (size_t i = before; i < out->size(); ++i) {
      (*(*out)[i].mutable_attributes())["duration_seconds"] = absl::StrCat(duration);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TranslateJaas(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(Envelope env, ReadEnvelope(root, received_at));
  const std::string& type = env.event_type;
  if (type == "PARTICIPANT_JOINED" || type == "PARTICIPANT_LEFT") return Participant(root, env, out);
  if (type == "ROOM_CREATED" || type == "ROOM_DESTROYED") {
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, RoomEvent(root, env, v1::CATEGORY_ATTENDANCE));
    out->push_back(std::move(e));
    return absl::OkStatus();
  }
  if (absl::StartsWith(type, "RECORDING_")) return PerParticipant(root, env, v1::CATEGORY_RECORDING, out);
  if (type == "TRANSCRIPTION_UPLOADED") return PerParticipant(root, env, v1::CATEGORY_TRANSCRIPT, out);
  if (type == "CHAT_UPLOADED") return PerParticipant(root, env, v1::CATEGORY_MESSAGE_CONTENT, out);
  // Unknown: CATEGORY_UNSPECIFIED about the participant the data names, if any.
  std::string subject;
  if (root.Find("data") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(FieldReader data, root.Sub("data"));
    GRENS_ASSIGN_OR_RETURN(subject, ParticipantId(data));
  }
  if (subject.empty()) {
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, RoomEvent(root, env, v1::CATEGORY_UNSPECIFIED));
    out->push_back(std::move(e));
    return absl::OkStatus();
  }
  out->push_back(Event(env, v1::CATEGORY_UNSPECIFIED, subject));
  return absl::OkStatus();
}

}  // namespace grens::adapters::jitsi

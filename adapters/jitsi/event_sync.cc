// Prosody mod_event_sync_component payloads (jitsi-contrib/prosody-plugins
// event_sync): muc-room-created, muc-room-destroyed, muc-occupant-joined,
// muc-occupant-left, keyed on `event_name` because forks post to other paths.
// Times are Unix seconds.
//
// An occupant's join or leave is ATTENDANCE about that occupant; with
// include_speaker_stats, `total_dominant_speaker_time` (ms) is a talk-time
// metric and becomes a separate ENGAGEMENT event, so an agreement can allow
// the one and refuse the other. A destroyed room yields both for each entry of
// all_occupants[]. A created room (or a destroyed one nobody joined) names no
// person: its ATTENDANCE event's subject is the room, marked subject_kind=room.
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "adapters/jitsi/jitsi_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::jitsi {
namespace {

constexpr absl::string_view kPlatform = "jitsi";

// Room facts every event of the delivery carries.
struct Room {
  std::string jid;
  std::string name;
  bool breakout = false;
  std::string breakout_id;
};

absl::StatusOr<Room> ReadRoom(const FieldReader& root) {
  Room room;
  GRENS_ASSIGN_OR_RETURN(room.jid, root.String("room_jid"));
  GRENS_ASSIGN_OR_RETURN(room.name, root.OptionalString("room_name"));
  GRENS_ASSIGN_OR_RETURN(room.breakout, root.OptionalBool("is_breakout", false));
  GRENS_ASSIGN_OR_RETURN(room.breakout_id, root.OptionalString("breakout_room_id"));
  return room;
}

void AddRoom(const Room& room, absl::string_view event_name, v1::MonitoringEvent* e) {
  auto& a = *e->mutable_attributes();
  a["event_name"] = std::string(event_name);
  a["room_jid"] = room.jid;
  SetAttribute("room_name", room.name, e);
  if (room.breakout) a["is_breakout"] = "true";
  SetAttribute("breakout_room_id", room.breakout_id, e);
}

// The occupant's identity: the JWT user id, else its e-mail, else the
// occupant JID (a per-connection id when the deployment has no JWT auth).
absl::StatusOr<std::string> OccupantId(const FieldReader& occupant) {
  for (absl::string_view field : {"id", "email", "occupant_jid"}) {
    GRENS_ASSIGN_OR_RETURN(std::string id, occupant.OptionalString(field));
    if (!id.empty()) return id;
  }
  return occupant.Error("id", "missing, and so are email and occupant_jid: the occupant names no one");
}

// ATTENDANCE for one occupant, plus ENGAGEMENT when speaker stats are present;
// at `time_field` of the occupant (seconds), else `fallback` (a room time),
// else the receipt time.
absl::Status Occupant(const FieldReader& occupant, const Room& room, absl::string_view event_name,
                      absl::string_view time_field, std::optional<absl::Time> fallback, absl::Time received_at,
                      std::vector<v1::MonitoringEvent>* out) {
  GRENS_RETURN_IF_ERROR(occupant.Object("").status());
  GRENS_ASSIGN_OR_RETURN(std::string subject, OccupantId(occupant));
  GRENS_ASSIGN_OR_RETURN(const EventTime at,
                         TimeOrReceipt({{occupant, {time_field}, TimeFormat::kUnixSeconds}, fallback}, received_at));
  v1::MonitoringEvent attendance = NewEvent(kPlatform, v1::CATEGORY_ATTENDANCE, subject, at.at, at.receipt);
  AddRoom(room, event_name, &attendance);
  if (occupant.Find("joined_at") != nullptr && occupant.Find("left_at") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(absl::Time joined, occupant.Time("joined_at", TimeFormat::kUnixSeconds));
    GRENS_ASSIGN_OR_RETURN(absl::Time left, occupant.Time("left_at", TimeFormat::kUnixSeconds));
    (*attendance.mutable_attributes())["duration_seconds"] = absl::StrCat(absl::ToInt64Seconds(left - joined));
  }
  const bool has_stats = occupant.Find("total_dominant_speaker_time") != nullptr;
  int64_t speaker_ms = 0;
  if (has_stats) {
    GRENS_ASSIGN_OR_RETURN(speaker_ms, occupant.Int64("total_dominant_speaker_time"));
  }
  out->push_back(attendance);
  if (has_stats) {
    v1::MonitoringEvent engagement = NewEvent(kPlatform, v1::CATEGORY_ENGAGEMENT, subject, at.at, at.receipt);
    AddRoom(room, event_name, &engagement);
    (*engagement.mutable_attributes())["dominant_speaker_ms"] = absl::StrCat(speaker_ms);
    out->push_back(std::move(engagement));
  }
  return absl::OkStatus();
}

// One ATTENDANCE event about the room itself, at `time_field` of the payload
// ("": none) or else the receipt time.
absl::Status RoomEvent(const FieldReader& root, const Room& room, absl::string_view event_name,
                       absl::string_view time_field, absl::Time received_at, v1::Category category,
                       std::vector<v1::MonitoringEvent>* out) {
  EventTime at{received_at, true};
  if (!time_field.empty()) {
    GRENS_ASSIGN_OR_RETURN(at, TimeOrReceipt(root, time_field, TimeFormat::kUnixSeconds, received_at));
  }
  v1::MonitoringEvent e = NewEvent(kPlatform, category, room.jid, at.at, at.receipt);
  AddRoom(room, event_name, &e);
  MarkRoomSubject(&e);
  out->push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status Destroyed(const FieldReader& root, const Room& room, absl::string_view event_name,
                       absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(absl::Time destroyed, root.Time("destroyed_at", TimeFormat::kUnixSeconds));
  const Json* occupants = root.Find("all_occupants");
  if (occupants != nullptr) GRENS_RETURN_IF_ERROR(root.Array("all_occupants").status());
  if (occupants == nullptr || occupants->items().empty()) {
    return RoomEvent(root, room, event_name, "destroyed_at", received_at, v1::CATEGORY_ATTENDANCE, out);
  }
  for (size_t i = 0; i < occupants->items().size(); ++i) {
    GRENS_RETURN_IF_ERROR(
        Occupant(root.Item("all_occupants", i), room, event_name, "left_at", destroyed, received_at, out));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TranslateEventSync(const FieldReader& root, absl::Time received_at,
                                std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(std::string event_name, root.String("event_name"));
  GRENS_ASSIGN_OR_RETURN(Room room, ReadRoom(root));
  if (event_name == "muc-occupant-joined" || event_name == "muc-occupant-left") {
    GRENS_ASSIGN_OR_RETURN(FieldReader occupant, root.Sub("occupant"));
    const absl::string_view time_field = event_name == "muc-occupant-joined" ? "joined_at" : "left_at";
    return Occupant(occupant, room, event_name, time_field, std::nullopt, received_at, out);
  }
  if (event_name == "muc-room-destroyed") return Destroyed(root, room, event_name, received_at, out);
  if (event_name == "muc-room-created") {
    return RoomEvent(root, room, event_name, "created_at", received_at, v1::CATEGORY_ATTENDANCE, out);
  }
  // Unknown: judged (and denied) as UNSPECIFIED, about the occupant if one is named.
  if (root.Find("occupant") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(FieldReader occupant, root.Sub("occupant"));
    GRENS_ASSIGN_OR_RETURN(std::string subject, OccupantId(occupant));
    v1::MonitoringEvent e = NewEvent(kPlatform, v1::CATEGORY_UNSPECIFIED, subject, received_at, true);
    AddRoom(room, event_name, &e);
    out->push_back(std::move(e));
    return absl::OkStatus();
  }
  return RoomEvent(root, room, event_name, "", received_at, v1::CATEGORY_UNSPECIFIED, out);
}

}  // namespace grens::adapters::jitsi

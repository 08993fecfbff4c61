// Slack: Events API deliveries (event_callback envelope, url_verification
// handshake), RTM events a relay forwards bare (presence_change is RTM-only),
// and pages of the Enterprise Audit Logs API (`entries[]`) that a relay pulled
// and forwards. Every delivery, audit pages included, carries the v0 signature:
// a relay that forwards an audit page signs it with the signing secret exactly
// as Slack signs webhooks, so there is one way in and one check.
//
// Categories (shared/reference/domain.md 1.3, 4(a), 5.3):
//   message, app_mention            MESSAGE_CONTENT, text in content "text";
//                                   message_deleted and join/leave subtypes are
//                                   MESSAGE_METADATA (no text travels)
//   presence_change                 PRESENCE; ACTIVITY when the relay says the
//                                   state was set by idle detection (auto_away)
//   manual_presence_change          PRESENCE
//   user_change, user_status_changed PRESENCE: what such a change exposes is the
//                                   status (text, emoji, expiry); the status text
//                                   is content, so redaction applies ("Out sick")
//   dnd_updated_user                PRESENCE
//   reaction_*, file_shared, member_*_channel  MESSAGE_METADATA
//   audit log entry                 SECURITY_AUDIT, the actor as subject
//   anything else                   UNSPECIFIED (denied), if it names a user

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "adapters/delivery.h"
#include "adapters/event_util.h"
#include "adapters/platforms.h"
#include "adapters/request_auth.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

constexpr char kPlatform[] = "slack";
constexpr V0Scheme kScheme{kPlatform, "x-slack-signature", "x-slack-request-timestamp"};

// Facts of the Events API envelope that every inner event shares.
struct Envelope {
  std::string event_id;
  std::string team_id;
  std::optional<absl::Time> event_time;  // envelope event_time (seconds)
  std::string retry_num;                 // X-Slack-Retry-Num: the same event again
};

class SlackAdapter final : public Adapter {
 public:
  explicit SlackAdapter(AdapterConfig config) : config_(std::move(config)) {}

  absl::string_view name() const override { return kPlatform; }

  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest& request,
                                        absl::Time received_at) const override {
    GRENS_RETURN_IF_ERROR(VerifyV0Signature(kScheme, request, config_, received_at));
    GRENS_ASSIGN_OR_RETURN(const Json doc, ParseObjectPayload(kPlatform, request.payload()));
    const FieldReader root(kPlatform, &doc);
    Translation out;
    GRENS_ASSIGN_OR_RETURN(const std::string type, root.OptionalString("type"));
    if (type.empty() && root.Find("entries") != nullptr) {
      GRENS_RETURN_IF_ERROR(AuditEntries(root, &out));
    } else if (type == "url_verification") {
      GRENS_ASSIGN_OR_RETURN(const std::string challenge, root.String("challenge"));
      v1::HandshakeReply reply;
      reply.set_http_status(200);
      reply.set_content_type("text/plain");
      reply.set_body(challenge);
      out.handshake = std::move(reply);
    } else if (type == "event_callback") {
      GRENS_RETURN_IF_ERROR(EventCallback(root, request, received_at, &out));
    } else if (type == "app_rate_limited") {
      // About the app's own delivery quota: nobody's data, nothing to judge.
    } else if (type.empty()) {
      return root.Error("type", "missing (expected event_callback, url_verification, an RTM event, or an "
                                "Audit Logs page with entries[])");
    } else {
      // A bare RTM event (presence_change is only delivered over RTM).
      GRENS_RETURN_IF_ERROR(InnerEvent(root, Envelope(), received_at, &out));
    }
    return out;
  }

 private:
  static absl::Status EventCallback(const FieldReader& root, const v1::EvaluatePlatformEventRequest& request,
                                    absl::Time received_at, Translation* out) {
    Envelope envelope;
    GRENS_ASSIGN_OR_RETURN(envelope.event_id, root.OptionalString("event_id"));
    GRENS_ASSIGN_OR_RETURN(envelope.team_id, root.OptionalString("team_id"));
    GRENS_ASSIGN_OR_RETURN(envelope.event_time, OptionalTime(root, "event_time", TimeFormat::kUnixSeconds));
    envelope.retry_num = std::string(HeaderValue(request, "x-slack-retry-num"));
    GRENS_ASSIGN_OR_RETURN(const FieldReader event, root.Sub("event"));
    return InnerEvent(event, envelope, received_at, out);
  }
  static absl::Status InnerEvent(const FieldReader& event, const Envelope& envelope, absl::Time received_at,
                                 Translation* out);
  static absl::Status AuditEntries(const FieldReader& root, Translation* out);

  const AdapterConfig config_;
};

// When the inner event happened: its event_ts or ts ("seconds.micros"), else
// the envelope's event_time, else `last` (a time only some events carry),
// else the receipt time (flagged).
absl::StatusOr<v1::MonitoringEvent> Start(const FieldReader& event, const Envelope& envelope, v1::Category category,
                                          absl::string_view subject, absl::Time received_at,
                                          const TimeCandidate& last = TimeCandidate(std::nullopt)) {
  GRENS_ASSIGN_OR_RETURN(
      const EventTime when,
      TimeOrReceipt({{event, {"event_ts", "ts"}, TimeFormat::kUnixSeconds}, envelope.event_time, last}, received_at));
  return NewEvent(kPlatform, category, subject, when.at, when.receipt);
}

// Native ids an audit or a dedupe needs; never the text.
absl::Status CommonAttributes(const FieldReader& event, const Envelope& envelope, v1::MonitoringEvent* e) {
  e->set_id(envelope.event_id);
  SetAttribute("event_id", envelope.event_id, e);
  SetAttribute("team_id", envelope.team_id, e);
  SetAttribute("retry_num", envelope.retry_num, e);
  for (const auto& [attribute, path] : {std::pair<const char*, const char*>{"event_type", "type"},
                                        {"event_subtype", "subtype"},
                                        {"channel_id", "channel"},
                                        {"channel_type", "channel_type"},
                                        {"message_ts", "ts"},
                                        {"thread_ts", "thread_ts"}}) {
    GRENS_ASSIGN_OR_RETURN(const std::string value, OptionalScalar(event, path));
    SetAttribute(attribute, value, e);
  }
  return absl::OkStatus();
}

// How a message subtype is judged: its category, where the person sits, where
// the text sits ("" when no text travels).
struct MessageShape {
  v1::Category category;
  absl::Span<const absl::string_view> subject;  // candidate paths, most specific first
  const char* what;
  const char* text;
};

MessageShape ShapeOf(absl::string_view subtype) {
  static constexpr absl::string_view kUser[] = {"user"};
  static constexpr absl::string_view kUserOrBot[] = {"user", "bot_id"};
  static constexpr absl::string_view kChanged[] = {"message.user", "message.bot_id"};
  static constexpr absl::string_view kDeleted[] = {"previous_message.user", "previous_message.bot_id"};
  static constexpr absl::string_view kAny[] = {"user", "message.user", "bot_id"};
  if (subtype.empty() || subtype == "thread_broadcast" || subtype == "file_share" || subtype == "me_message") {
    return {v1::CATEGORY_MESSAGE_CONTENT, kUser, "sender", "text"};
  }
  if (subtype == "bot_message") return {v1::CATEGORY_MESSAGE_CONTENT, kUserOrBot, "sender", "text"};
  if (subtype == "message_changed") {
    return {v1::CATEGORY_MESSAGE_CONTENT, kChanged, "sender of the changed message", "message.text"};
  }
  if (subtype == "message_deleted") {  // the deletion is a fact; the old text does not travel
    return {v1::CATEGORY_MESSAGE_METADATA, kDeleted, "sender of the deleted message", ""};
  }
  if (subtype == "channel_join" || subtype == "channel_leave" || subtype == "group_join" || subtype == "group_leave") {
    return {v1::CATEGORY_MESSAGE_METADATA, kUser, "member", ""};
  }
  return {v1::CATEGORY_UNSPECIFIED, kAny, "user", ""};
}

// message and app_mention, by subtype.
absl::StatusOr<v1::MonitoringEvent> Message(const FieldReader& event, const Envelope& envelope,
                                            absl::Time received_at) {
  GRENS_ASSIGN_OR_RETURN(const std::string subtype, event.OptionalString("subtype"));
  const MessageShape shape = ShapeOf(subtype);
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(event, shape.subject, shape.what));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(event, envelope, shape.category, subject.value, received_at));
  GRENS_RETURN_IF_ERROR(CommonAttributes(event, envelope, &e));
  if (subject.path.find("bot_id") != std::string::npos) SetAttribute("sender_kind", "bot", &e);
  if (*shape.text != '\0') {
    GRENS_ASSIGN_OR_RETURN(const std::string text, event.OptionalString(shape.text));
    AddContent("text", text, &e);
    if (const Json* files = event.Find("files"); files != nullptr && files->is_array()) {
      SetAttribute("file_count", absl::StrCat(files->items().size()), &e);
    }
  }
  return e;
}

// presence_change: one event per user ("user", or a batched "users" list).
absl::Status Presence(const FieldReader& event, const Envelope& envelope, absl::Time received_at, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const std::string presence, event.OptionalString("presence"));
  const Json* auto_away = event.Find("auto_away");
  if (auto_away != nullptr && !auto_away->is_bool()) return event.Error("auto_away", "expected a boolean");
  // Set by Slack's idle detection, not by the person: activity in disguise (domain.md 5.3).
  const bool idle = auto_away != nullptr && auto_away->boolean();
  std::vector<std::string> users;
  if (event.Find("users") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(const Json* list, event.Array("users"));
    for (size_t i = 0; i < list->items().size(); ++i) {
      GRENS_ASSIGN_OR_RETURN(std::string user, event.Item("users", i).String(""));
      users.push_back(std::move(user));
    }
  } else {
    GRENS_ASSIGN_OR_RETURN(std::string user, event.String("user"));
    users.push_back(std::move(user));
  }
  for (const std::string& user : users) {
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                           Start(event, envelope, idle ? v1::CATEGORY_ACTIVITY : v1::CATEGORY_PRESENCE, user,
                                 received_at));
    GRENS_RETURN_IF_ERROR(CommonAttributes(event, envelope, &e));
    SetAttribute("presence", presence, &e);
    if (idle) SetAttribute("auto_away", "true", &e);
    out->events.push_back(std::move(e));
  }
  return absl::OkStatus();
}

// user_change / user_status_changed: the profile, of which the status matters.
absl::StatusOr<v1::MonitoringEvent> UserChange(const FieldReader& event, const Envelope& envelope,
                                               absl::Time received_at) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader user, event.Sub("user"));
  GRENS_ASSIGN_OR_RETURN(const std::string id, user.String("id"));
  // The profile's `updated` only when the event itself has no time.
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(event, envelope, v1::CATEGORY_PRESENCE, id, received_at,
                                                      {user, {"updated"}, TimeFormat::kUnixSeconds}));
  GRENS_RETURN_IF_ERROR(CommonAttributes(event, envelope, &e));
  GRENS_ASSIGN_OR_RETURN(const std::string tz, user.OptionalString("tz"));
  e.mutable_subject()->set_time_zone(tz);
  GRENS_ASSIGN_OR_RETURN(const std::string status_text, user.OptionalString("profile.status_text"));
  GRENS_ASSIGN_OR_RETURN(const std::string status_emoji, user.OptionalString("profile.status_emoji"));
  GRENS_ASSIGN_OR_RETURN(const std::string expiration, OptionalScalar(user, "profile.status_expiration"));
  AddContent("status_text", status_text, &e);
  SetAttribute("status_emoji", status_emoji, &e);
  if (expiration != "0") SetAttribute("status_expiration", expiration, &e);
  if (const Json* deleted = user.Find("deleted"); deleted != nullptr && deleted->is_bool() && deleted->boolean()) {
    SetAttribute("user_deleted", "true", &e);
  }
  return e;
}

// Events whose only monitoring fact is that a user did something, and where
// that user sits in the event.
absl::StatusOr<v1::MonitoringEvent> Simple(const FieldReader& event, const Envelope& envelope, v1::Category category,
                                           absl::Time received_at) {
  GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(event, {"user.id", "user", "user_id"}, "user"));
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, Start(event, envelope, category, subject.value, received_at));
  GRENS_RETURN_IF_ERROR(CommonAttributes(event, envelope, &e));
  return e;
}

v1::Category SimpleCategory(absl::string_view type) {
  if (type == "manual_presence_change" || type == "dnd_updated_user" || type == "dnd_updated") {
    return v1::CATEGORY_PRESENCE;
  }
  if (type == "reaction_added" || type == "reaction_removed" || type == "file_shared" || type == "file_created" ||
      type == "member_joined_channel" || type == "member_left_channel" || type == "pin_added") {
    return v1::CATEGORY_MESSAGE_METADATA;
  }
  return v1::CATEGORY_UNSPECIFIED;
}

absl::Status SlackAdapter::InnerEvent(const FieldReader& event, const Envelope& envelope, absl::Time received_at,
                                      Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const std::string type, event.String("type"));
  if (type == "presence_change") return Presence(event, envelope, received_at, out);
  absl::StatusOr<v1::MonitoringEvent> e = absl::UnknownError("");
  if (type == "message" || type == "app_mention") {
    e = Message(event, envelope, received_at);
  } else if (type == "user_change" || type == "user_status_changed") {
    e = UserChange(event, envelope, received_at);
  } else {
    e = Simple(event, envelope, SimpleCategory(type), received_at);
  }
  if (!e.ok()) return e.status();
  out->events.push_back(std::move(*e));
  return absl::OkStatus();
}

absl::Status SlackAdapter::AuditEntries(const FieldReader& root, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const Json* entries, root.Array("entries"));
  for (size_t i = 0; i < entries->items().size(); ++i) {
    const FieldReader entry = root.Item("entries", i);
    GRENS_ASSIGN_OR_RETURN(const std::string actor, entry.String("actor.user.id"));
    GRENS_ASSIGN_OR_RETURN(const absl::Time at, entry.Time("date_create", TimeFormat::kUnixSeconds));
    v1::MonitoringEvent e = NewEvent(kPlatform, v1::CATEGORY_SECURITY_AUDIT, actor, at);
    GRENS_ASSIGN_OR_RETURN(const std::string id, entry.OptionalString("id"));
    e.set_id(id);
    SetAttribute("audit_entry_id", id, &e);
    GRENS_ASSIGN_OR_RETURN(const std::string action, entry.String("action"));
    SetAttribute("action", action, &e);
    GRENS_ASSIGN_OR_RETURN(const std::string actor_type, entry.OptionalString("actor.type"));
    SetAttribute("actor_type", actor_type, &e);
    GRENS_ASSIGN_OR_RETURN(const std::string entity_type, entry.OptionalString("entity.type"));
    SetAttribute("entity_type", entity_type, &e);
    if (!entity_type.empty()) {
      GRENS_ASSIGN_OR_RETURN(const std::string entity_id, OptionalScalar(entry, absl::StrCat("entity.", entity_type, ".id")));
      SetAttribute("entity_id", entity_id, &e);
    }
    GRENS_ASSIGN_OR_RETURN(const std::string location_type, entry.OptionalString("context.location.type"));
    GRENS_ASSIGN_OR_RETURN(const std::string location_id, entry.OptionalString("context.location.id"));
    SetAttribute("location_type", location_type, &e);
    SetAttribute("location_id", location_id, &e);
    out->events.push_back(std::move(e));
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<Adapter> NewSlackAdapter(const AdapterConfig& config) { return std::make_unique<SlackAdapter>(config); }

}  // namespace grens::adapters

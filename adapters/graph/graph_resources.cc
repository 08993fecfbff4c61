// Graph notifications about presence, chat and channel messages, meeting
// transcripts and recordings, and resources the adapter does not know; plus
// the helpers all Graph translators share (graph_internal.h).

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/event_util.h"
#include "adapters/graph/graph_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::graph {

std::string ODataType(const FieldReader& reader) {
  const Json* type = reader.root().Find("@odata.type");
  return type != nullptr && type->is_string() ? type->text() : "";
}

absl::StatusOr<FieldReader> RequireContent(const Notification& n, absl::string_view why) {
  if (n.content.has_value()) return *n.content;
  return n.item.Error("decryptedContent", absl::StrCat("missing: ", why));
}

absl::StatusOr<v1::MonitoringEvent> StartEvent(const Notification& n, absl::Span<const TimeCandidate> times,
                                               v1::Category category, absl::string_view subject) {
  GRENS_ASSIGN_OR_RETURN(const EventTime when, TimeOrReceipt(times, n.received_at));
  v1::MonitoringEvent e = NewEvent(kEventPlatform, category, subject, when.at, when.receipt);
  for (const auto& [attribute, path] : {std::pair<const char*, const char*>{"subscription_id", "subscriptionId"},
                                        {"graph_tenant_id", "tenantId"}}) {
    GRENS_ASSIGN_OR_RETURN(const std::string value, n.item.OptionalString(path));
    SetAttribute(attribute, value, &e);
  }
  SetAttribute("change_type", n.change_type, &e);
  return e;
}

std::string UserInResource(absl::string_view resource) {
  size_t start = 0;
  while (start < resource.size()) {
    const absl::string_view segment = resource.substr(start);
    if (absl::StartsWithIgnoreCase(segment, "users('")) {
      const absl::string_view rest = segment.substr(7);
      return std::string(rest.substr(0, rest.find('\'')));
    }
    if (absl::StartsWithIgnoreCase(segment, "users/")) {
      const absl::string_view rest = segment.substr(6);
      return std::string(rest.substr(0, rest.find_first_of("/?(")));
    }
    const size_t slash = resource.find('/', start);
    if (slash == absl::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

absl::StatusOr<std::optional<std::string>> IdentityId(const FieldReader& identity_set) {
  GRENS_ASSIGN_OR_RETURN(std::optional<FoundId> found,
                         FirstId(identity_set, {"user.id", "guest.id", "acsUser.id", "spoolUser.id", "phone.id",
                                                "onPremises.id", "encrypted.id", "azureCommunicationServicesUser.id"}));
  if (!found.has_value()) return std::optional<std::string>();
  return std::optional<std::string>(found->value);
}

// Presence carries idle detection in its values: AvailableIdle, BusyIdle and
// the activity Inactive are ACTIVITY (domain.md 1.1 and 5.3), the rest PRESENCE.
// It has no event time: receipt time, flagged.
absl::Status Presence(const Notification& n, Translation* out) {
  std::string subject;
  std::string availability;
  std::string activity;
  std::string status_message;
  if (n.content.has_value()) {
    GRENS_ASSIGN_OR_RETURN(subject, n.content->OptionalString("id"));
    GRENS_ASSIGN_OR_RETURN(availability, n.content->OptionalString("availability"));
    GRENS_ASSIGN_OR_RETURN(activity, n.content->OptionalString("activity"));
    GRENS_ASSIGN_OR_RETURN(status_message, n.content->OptionalString("statusMessage.message.content"));
  }
  if (subject.empty()) {
    GRENS_ASSIGN_OR_RETURN(subject, n.item.String("resourceData.id"));
  }
  const bool idle = availability == "AvailableIdle" || availability == "BusyIdle" || activity == "Inactive";
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         StartEvent(n, {}, idle ? v1::CATEGORY_ACTIVITY : v1::CATEGORY_PRESENCE, subject));
  SetAttribute("resource_type", "presence", &e);
  SetAttribute("availability", availability, &e);
  SetAttribute("activity", activity, &e);
  AddContent("status_message", status_message, &e);
  out->events.push_back(std::move(e));
  return absl::OkStatus();
}

// A chat or channel message (chatMessage): content when it is a person's
// message with its body; metadata for deletions and system event messages.
absl::Status Message(const Notification& n, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader m,
                         RequireContent(n, "a chat or channel message names its sender only in the resource data, "
                                           "which the relay must forward decrypted"));
  GRENS_ASSIGN_OR_RETURN(std::optional<FoundId> sender, FirstId(m, {"from.user.id", "from.application.id"}));
  if (!sender.has_value()) return m.Error("from.user.id", "missing (the message names no sender)");
  GRENS_ASSIGN_OR_RETURN(const std::string message_type, m.OptionalString("messageType"));
  const bool deleted = n.change_type == "deleted";
  const bool content = !deleted && (message_type.empty() || message_type == "message");
  static constexpr absl::string_view kCreated[] = {"createdDateTime"};
  static constexpr absl::string_view kUpdated[] = {"lastModifiedDateTime", "createdDateTime"};
  static constexpr absl::string_view kDeleted[] = {"deletedDateTime", "lastModifiedDateTime", "createdDateTime"};
  const absl::Span<const absl::string_view> times =
      deleted ? absl::MakeConstSpan(kDeleted)
              : n.change_type == "updated" ? absl::MakeConstSpan(kUpdated) : absl::MakeConstSpan(kCreated);
  GRENS_ASSIGN_OR_RETURN(
      v1::MonitoringEvent e,
      StartEvent(n, {{m, times, TimeFormat::kRfc3339}},
                 content ? v1::CATEGORY_MESSAGE_CONTENT : v1::CATEGORY_MESSAGE_METADATA, sender->value));
  SetAttribute("resource_type", "chatMessage", &e);
  if (sender->path == "from.application.id") SetAttribute("sender_kind", "application", &e);
  for (const auto& [attribute, path] :
       {std::pair<const char*, const char*>{"message_id", "id"}, {"chat_id", "chatId"},
        {"team_id", "channelIdentity.teamId"}, {"channel_id", "channelIdentity.channelId"},
        {"reply_to_id", "replyToId"}, {"message_type", "messageType"}, {"body_content_type", "body.contentType"}}) {
    GRENS_ASSIGN_OR_RETURN(const std::string value, OptionalScalar(m, path));
    SetAttribute(attribute, value, &e);
  }
  if (auto it = e.attributes().find("message_id"); it != e.attributes().end()) e.set_id(it->second);
  if (const Json* attachments = m.Find("attachments"); attachments != nullptr && attachments->is_array()) {
    if (!attachments->items().empty()) SetAttribute("attachment_count", absl::StrCat(attachments->items().size()), &e);
  }
  if (content) {
    GRENS_ASSIGN_OR_RETURN(const std::string subject_line, m.OptionalString("subject"));
    GRENS_ASSIGN_OR_RETURN(const std::string body, m.OptionalString("body.content"));
    AddContent("subject", subject_line, &e);
    AddContent("body", body, &e);
  }
  out->events.push_back(std::move(e));
  return absl::OkStatus();
}

// A meeting transcript (callTranscript) or recording (callRecording): about the
// meeting's organiser, who is named in the resource or in the resource path.
absl::Status MeetingArtifact(const Notification& n, v1::Category category, Translation* out) {
  std::string organizer;
  std::optional<FieldReader> r = n.content;
  if (r.has_value()) {
    GRENS_ASSIGN_OR_RETURN(organizer, r->OptionalString("meetingOrganizer.user.id"));
  }
  if (organizer.empty()) organizer = UserInResource(n.resource);
  if (organizer.empty()) {
    return n.item.Error("decryptedContent.meetingOrganizer.user.id",
                        "missing, and the resource path names no user (users/{id}/onlineMeetings/...)");
  }
  const FieldReader times = r.has_value() ? *r : n.item;
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                         StartEvent(n, {{times, {"createdDateTime"}, TimeFormat::kRfc3339}}, category, organizer));
  SetAttribute("resource_type", category == v1::CATEGORY_TRANSCRIPT ? "callTranscript" : "callRecording", &e);
  SetAttribute("subject_role", "organizer", &e);
  if (r.has_value()) {
    for (const auto& [attribute, path] : {std::pair<const char*, const char*>{"artifact_id", "id"},
                                          {"meeting_id", "meetingId"},
                                          {"call_id", "callId"},
                                          {"content_correlation_id", "contentCorrelationId"}}) {
      GRENS_ASSIGN_OR_RETURN(const std::string value, r->OptionalString(path));
      SetAttribute(attribute, value, &e);
    }
  }
  if (auto it = e.attributes().find("artifact_id"); it != e.attributes().end()) e.set_id(it->second);
  out->events.push_back(std::move(e));
  return absl::OkStatus();
}

// A resource this adapter does not know: judged (denied) as UNSPECIFIED about
// the sender, the user in the resource path, or the resource's id.
absl::Status Unknown(const Notification& n, Translation* out) {
  std::string subject;
  std::string source;
  if (n.content.has_value()) {
    GRENS_ASSIGN_OR_RETURN(subject, n.content->OptionalString("from.user.id"));
    source = "decryptedContent.from.user.id";
  }
  if (subject.empty()) {
    subject = UserInResource(n.resource);
    source = "resource";
  }
  if (subject.empty()) {
    GRENS_ASSIGN_OR_RETURN(subject, n.item.OptionalString("resourceData.id"));
    source = "resourceData.id";
  }
  if (subject.empty()) {
    return n.item.Error("", absl::StrCat("no subject in a notification about '", n.resource,
                                         "' (no decryptedContent.from.user.id, users/{id} in resource, or resourceData.id)"));
  }
  GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, StartEvent(n, {}, v1::CATEGORY_UNSPECIFIED, subject));
  std::string type = ODataType(n.content.has_value() ? *n.content : n.item);
  if (const Json* data = n.item.Find("resourceData"); type.empty() && data != nullptr && data->is_object()) {
    type = ODataType(FieldReader(kPlatform, data));
  }
  SetAttribute("resource_type", type, &e);
  SetAttribute("subject_source", source, &e);
  out->events.push_back(std::move(e));
  return absl::OkStatus();
}

}  // namespace grens::adapters::graph

// Google Workspace Events (CloudEvents) for Meet. Event types are
// google.workspace.meet.<resource>.<version>.<action>:
//   participant  joined / left              -> ATTENDANCE about the participant
//   conference   started / ended            -> ATTENDANCE about the meeting
//   recording    fileGenerated (started ...) -> RECORDING about the meeting
//   transcript, smartNote                   -> TRANSCRIPT about the meeting
// Any other type (Chat and the rest) is CATEGORY_UNSPECIFIED.
//
// Who the event is about. Meet event data names resources, not people:
// {"participantSession": {"name": "conferenceRecords/CR/participants/P/participantSessions/S"}}.
// The person behind participants/P is in the Meet participant resource
// (signedinUser.user = "users/<id>", the id the Admin SDK and the Reports
// API's actor.profileId use). A relay that fetched it
// (conferenceRecords.participants.get) puts it beside the session as
// data.participant, and grens uses that user id, which the directory can map.
// Without it, or for anonymous and phone participants, the subject is the
// participant resource (per person and conference; subject_kind=meet_participant).
// Meeting-level events are about the subscribed user when the subscription
// targets one (ce-source //cloudidentity.googleapis.com/users/U), else about
// the meeting space (subject_kind=meeting_space).
//
// Time: ce-time (RFC 3339), else the receipt time. ce-id is the dedupe key.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/delivery.h"
#include "adapters/google/google_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::google {
namespace {

constexpr absl::string_view kPlatform = "google";
constexpr absl::string_view kMeetPrefix = "google.workspace.meet.";
constexpr absl::string_view kUserSource = "//cloudidentity.googleapis.com/users/";
constexpr absl::string_view kMeetSource = "//meet.googleapis.com/";

struct Subject {
  std::string id;
  std::string kind;  // "" for a person's directory id
};

// "users/123" -> "123": the bare id is what Reports and the Admin SDK use.
std::string UserId(absl::string_view resource) {
  absl::ConsumePrefix(&resource, "users/");
  return std::string(resource);
}

// "conferenceRecords/CR/participants/P/..." -> "conferenceRecords/CR".
std::string ConferenceRecord(absl::string_view resource) {
  std::vector<absl::string_view> parts = absl::StrSplit(resource, '/');
  if (parts.size() < 2 || parts[0] != "conferenceRecords") return "";
  return absl::StrCat(parts[0], "/", parts[1]);
}

// The subscribed user, else the meeting space, else the source itself.
Subject MeetingSubject(const CloudEvent& ce) {
  absl::string_view source = ce.source;
  if (absl::ConsumePrefix(&source, kUserSource)) return {std::string(source), ""};
  if (absl::ConsumePrefix(&source, kMeetSource)) return {std::string(source), "meeting_space"};
  return {ce.source, "resource"};
}

absl::StatusOr<Subject> ParticipantSubject(const FieldReader& data, v1::MonitoringEvent* e) {
  GRENS_ASSIGN_OR_RETURN(std::string user, data.OptionalString("participant.signedinUser.user"));
  if (!user.empty()) return Subject{UserId(user), ""};
  if (data.Find("participant.anonymousUser") != nullptr) (*e->mutable_attributes())["user_type"] = "anonymous";
  if (data.Find("participant.phoneUser") != nullptr) (*e->mutable_attributes())["user_type"] = "phone";
  GRENS_ASSIGN_OR_RETURN(std::string participant, data.OptionalString("participant.name"));
  if (participant.empty()) {
    GRENS_ASSIGN_OR_RETURN(std::string session, data.String("participantSession.name"));
    participant = session.substr(0, session.find("/participantSessions/"));
    (*e->mutable_attributes())["participant_session"] = session;
  }
  return Subject{participant, "meet_participant"};
}

// The first resource name the data carries ("conferenceRecords/CR/..."), for
// the conference_record attribute.
std::string FirstResourceName(const FieldReader& data) {
  for (absl::string_view key : {"participantSession", "participant", "conferenceRecord", "recording", "transcript",
                                "smartNote"}) {
    const Json* name = data.Find(absl::StrCat(key, ".name"));
    if (name != nullptr && name->is_string()) return name->text();
  }
  return "";
}

v1::Category MeetCategory(absl::string_view resource) {
  if (resource == "participant" || resource == "conference") return v1::CATEGORY_ATTENDANCE;
  if (resource == "recording") return v1::CATEGORY_RECORDING;
  if (resource == "transcript" || resource == "smartNote" || resource == "smartNotes") return v1::CATEGORY_TRANSCRIPT;
  return v1::CATEGORY_UNSPECIFIED;
}

}  // namespace

absl::Status TranslateWorkspaceEvent(const CloudEvent& ce, const FieldReader& data, absl::Time received_at,
                                     std::vector<v1::MonitoringEvent>* out) {
  if (data.Find("") != nullptr) GRENS_RETURN_IF_ERROR(data.Object("").status());
  absl::string_view rest = ce.type;
  const bool meet = absl::ConsumePrefix(&rest, kMeetPrefix);
  const std::string resource(meet ? rest.substr(0, rest.find('.')) : "");
  v1::Category category = meet ? MeetCategory(resource) : v1::CATEGORY_UNSPECIFIED;

  GRENS_ASSIGN_OR_RETURN(const EventTime when, TimeOrReceipt({ce.time}, received_at));
  v1::MonitoringEvent e = NewEvent(kPlatform, category, "", when.at, when.receipt);
  Subject subject;
  if (resource == "participant") {
    GRENS_ASSIGN_OR_RETURN(subject, ParticipantSubject(data, &e));
  } else {
    GRENS_ASSIGN_OR_RETURN(std::string sender, data.OptionalString("message.sender.name"));
    subject = absl::StartsWith(sender, "users/") ? Subject{UserId(sender), ""} : MeetingSubject(ce);
  }
  e.set_id(ce.id);
  e.mutable_subject()->set_id(subject.id);
  auto& a = *e.mutable_attributes();
  if (!subject.kind.empty()) a["subject_kind"] = subject.kind;
  a["ce_id"] = ce.id;
  a["ce_type"] = ce.type;
  if (absl::StartsWith(ce.source, kMeetSource)) a["meet_space"] = ce.source.substr(kMeetSource.size());
  const std::string record = ConferenceRecord(FirstResourceName(data));
  if (!record.empty()) a["conference_record"] = record;
  if (!ce.pubsub_message_id.empty()) a["pubsub_message_id"] = ce.pubsub_message_id;
  out->push_back(std::move(e));
  return absl::OkStatus();
}

}  // namespace grens::adapters::google

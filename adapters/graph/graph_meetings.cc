// Graph call records and meeting attendance reports: one notification, many
// people. A call record yields ATTENDANCE per participant and CALL_QUALITY per
// participant whose sessions carry media stream telemetry (jitter, packet
// loss, round trip); an attendance report yields ATTENDANCE per record.

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/event_util.h"
#include "adapters/graph/graph_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::graph {
namespace {

// People in a call record, first appearance first, each once.
class People {
 public:
  void Add(const std::string& id) {
    if (!id.empty() && seen_.insert(id).second) order_.push_back(id);
  }
  const std::vector<std::string>& ids() const { return order_; }

 private:
  absl::flat_hash_set<std::string> seen_;
  std::vector<std::string> order_;
};

// participants_v2[].identity (current), else participants[] (identitySets,
// retired in 2026); sessions add anyone they name that neither lists.
absl::Status Participants(const FieldReader& record, People* people) {
  for (const char* list : {"participants_v2", "participants"}) {
    if (record.Find(list) == nullptr) continue;
    GRENS_ASSIGN_OR_RETURN(const Json* items, record.Array(list));
    for (size_t i = 0; i < items->items().size(); ++i) {
      const FieldReader p = record.Item(list, i);
      FieldReader set = p;  // participants[] entries are identitySets themselves
      if (p.Find("identity") != nullptr) {
        GRENS_ASSIGN_OR_RETURN(set, p.Sub("identity"));
      }
      GRENS_ASSIGN_OR_RETURN(std::optional<std::string> id, IdentityId(set));
      if (id.has_value()) people->Add(*id);
    }
  }
  return absl::OkStatus();
}

// The person at one end of a session (caller or callee).
absl::StatusOr<std::string> Endpoint(const FieldReader& session, absl::string_view end) {
  const std::string identity = absl::StrCat(end, ".identity");
  if (session.Find(identity) != nullptr) {
    GRENS_ASSIGN_OR_RETURN(const FieldReader set, session.Sub(identity));
    GRENS_ASSIGN_OR_RETURN(std::optional<std::string> id, IdentityId(set));
    if (id.has_value()) return *id;
  }
  return session.OptionalString(absl::StrCat(end, ".associatedIdentity.id"));
}

// Media streams with telemetry in a session's segments.
absl::StatusOr<size_t> StreamCount(const FieldReader& session) {
  size_t streams = 0;
  const Json* segments = session.Find("segments");
  if (segments == nullptr) return streams;
  if (!segments->is_array()) return session.Error("segments", "expected an array");
  for (size_t s = 0; s < segments->items().size(); ++s) {
    const FieldReader segment = session.Item("segments", s);
    const Json* media = segment.Find("media");
    if (media == nullptr || !media->is_array()) continue;
    for (size_t m = 0; m < media->items().size(); ++m) {
      const Json* list = segment.Item("media", m).Find("streams");
      if (list != nullptr && list->is_array()) streams += list->items().size();
    }
  }
  return streams;
}

absl::Status CallAttributes(const FieldReader& record, v1::MonitoringEvent* e) {
  SetAttribute("resource_type", "callRecord", e);
  for (const auto& [attribute, path] : {std::pair<const char*, const char*>{"call_record_id", "id"},
                                        {"call_type", "type"},
                                        {"version", "version"}}) {
    GRENS_ASSIGN_OR_RETURN(const std::string value, OptionalScalar(record, path));
    SetAttribute(attribute, value, e);
  }
  if (const Json* modalities = record.Find("modalities"); modalities != nullptr && modalities->is_array()) {
    std::vector<std::string> names;
    for (const Json& m : modalities->items()) names.push_back(m.text());
    SetAttribute("modalities", absl::StrJoin(names, ","), e);
  }
  if (auto it = e->attributes().find("call_record_id"); it != e->attributes().end()) e->set_id(it->second);
  return absl::OkStatus();
}

}  // namespace

absl::Status CallRecord(const Notification& n, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader record,
                         RequireContent(n, "a call record notification carries only the record's id; the relay must "
                                           "fetch the record (with participants_v2 and sessions) and forward it"));
  People attendees;
  GRENS_RETURN_IF_ERROR(Participants(record, &attendees));
  People with_quality;
  std::vector<size_t> first_session;  // per with_quality entry: its first session with telemetry
  const Json* sessions = record.Find("sessions");
  if (sessions != nullptr && !sessions->is_array()) return record.Error("sessions", "expected an array");
  for (size_t i = 0; sessions != nullptr && i < sessions->items().size(); ++i) {
    const FieldReader session = record.Item("sessions", i);
    GRENS_ASSIGN_OR_RETURN(const size_t streams, StreamCount(session));
    for (const char* end : {"caller", "callee"}) {
      GRENS_ASSIGN_OR_RETURN(const std::string id, Endpoint(session, end));
      attendees.Add(id);
      const size_t before = with_quality.ids().size();
      if (streams > 0) with_quality.Add(id);
      if (with_quality.ids().size() > before) first_session.push_back(i);
    }
  }
  if (attendees.ids().empty()) {
    return record.Error("", "no participant (participants_v2, participants and sessions name nobody)");
  }
  for (const std::string& id : attendees.ids()) {
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, StartEvent(n, {{record, {"startDateTime"}, TimeFormat::kRfc3339}},
                                                             v1::CATEGORY_ATTENDANCE, id));
    GRENS_RETURN_IF_ERROR(CallAttributes(record, &e));
    out->events.push_back(std::move(e));
  }
  for (size_t k = 0; k < with_quality.ids().size(); ++k) {
    const FieldReader session = record.Item("sessions", first_session[k]);
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e, StartEvent(n, {{session, {"startDateTime"}, TimeFormat::kRfc3339}},
                                                             v1::CATEGORY_CALL_QUALITY, with_quality.ids()[k]));
    GRENS_RETURN_IF_ERROR(CallAttributes(record, &e));
    GRENS_ASSIGN_OR_RETURN(const std::string session_id, session.OptionalString("id"));
    SetAttribute("session_id", session_id, &e);
    out->events.push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status AttendanceReport(const Notification& n, Translation* out) {
  GRENS_ASSIGN_OR_RETURN(const FieldReader report,
                         RequireContent(n, "attendance reports are pulled; the relay forwards the report "
                                           "(with attendanceRecords) as the notification's decryptedContent"));
  GRENS_ASSIGN_OR_RETURN(const std::string report_id, report.OptionalString("id"));
  GRENS_ASSIGN_OR_RETURN(const Json* records, report.Array("attendanceRecords"));
  for (size_t i = 0; i < records->items().size(); ++i) {
    const FieldReader record = report.Item("attendanceRecords", i);
    GRENS_ASSIGN_OR_RETURN(const FoundId subject, RequireFirstId(record, {"identity.id", "emailAddress"}, "attendee"));
    // When the attendee first joined, else when the meeting started.
    const FieldReader first_interval = record.Item("attendanceIntervals", 0);
    GRENS_ASSIGN_OR_RETURN(v1::MonitoringEvent e,
                           StartEvent(n,
                                      {{first_interval, {"joinDateTime"}, TimeFormat::kRfc3339},
                                       {report, {"meetingStartDateTime"}, TimeFormat::kRfc3339}},
                                      v1::CATEGORY_ATTENDANCE, subject.value));
    e.set_id(report_id);
    SetAttribute("resource_type", "meetingAttendanceReport", &e);
    SetAttribute("attendance_report_id", report_id, &e);
    SetAttribute("subject_source", subject.path, &e);
    GRENS_ASSIGN_OR_RETURN(const std::string role, record.OptionalString("role"));
    GRENS_ASSIGN_OR_RETURN(const std::string seconds, OptionalScalar(record, "totalAttendanceInSeconds"));
    SetAttribute("role", role, &e);
    SetAttribute("total_attendance_seconds", seconds, &e);
    if (const Json* intervals = record.Find("attendanceIntervals"); intervals != nullptr && intervals->is_array()) {
      SetAttribute("interval_count", absl::StrCat(intervals->items().size()), &e);
    }
    out->events.push_back(std::move(e));
  }
  return absl::OkStatus();
}

}  // namespace grens::adapters::graph

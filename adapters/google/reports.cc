// Admin SDK Reports API activities (applicationName=meet): an activities.list
// answer {"items": [activity...]} from a relay that polls, or one activity as
// an activities.watch channel pushes it. An activity is {id{time (RFC 3339),
// uniqueQualifier, applicationName, customerId}, actor{email, profileId},
// ipAddress, events[{type, name, parameters[{name, value | intValue |
// boolValue | multiValue}]}]}.
//
// A Meet `call_ended` record describes one endpoint's whole call and is three
// kinds of data at once, so it becomes up to three events about the same
// person, each with only its own facts as attributes:
//   ATTENDANCE   conference, meeting code, calendar event, duration, external
//   CALL_QUALITY device type, endpoint, network_* statistics, packet loss
//   LOCATION     IP address, country, region (only when the record has them)
// Audio/video/screencast send and receive seconds go to none of them: camera
// and screen time is engagement data that an allowed QoS or attendance
// collector must not receive by the way. Other activities are
// CATEGORY_UNSPECIFIED. The subject is actor.profileId (the id Workspace
// Events use too), else actor.email, else the `identifier` parameter.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "adapters/delivery.h"
#include "adapters/google/google_internal.h"
#include "policy/status_macros.h"

namespace grens::adapters::google {
namespace {

constexpr absl::string_view kPlatform = "google";
constexpr absl::string_view kAttendanceParams[] = {"conference_id", "meeting_code", "calendar_event_id",
                                                   "duration_seconds", "is_external"};
constexpr absl::string_view kLocationParams[] = {"ip_address", "location_country", "location_region"};

using Params = std::vector<std::pair<std::string, std::string>>;

// One parameter's value as text, whichever typed member holds it.
absl::StatusOr<std::string> ParamValue(const FieldReader& p) {
  if (p.Find("value") != nullptr) return p.OptionalString("value");
  if (p.Find("intValue") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(int64_t v, p.Int64("intValue"));
    return absl::StrCat(v);
  }
  if (p.Find("boolValue") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(bool v, p.Bool("boolValue"));
    return std::string(v ? "true" : "false");
  }
  if (p.Find("multiValue") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(const Json* list, p.Array("multiValue"));
    std::vector<std::string> values;
    for (size_t i = 0; i < list->items().size(); ++i) {
      GRENS_ASSIGN_OR_RETURN(std::string v, p.Item("multiValue", i).OptionalString(""));
      values.push_back(std::move(v));
    }
    return absl::StrJoin(values, ",");
  }
  return std::string();
}

absl::StatusOr<Params> ReadParams(const FieldReader& event) {
  Params params;
  if (event.Find("parameters") == nullptr) return params;
  GRENS_ASSIGN_OR_RETURN(const Json* list, event.Array("parameters"));
  for (size_t i = 0; i < list->items().size(); ++i) {
    const FieldReader p = event.Item("parameters", i);
    GRENS_ASSIGN_OR_RETURN(std::string name, p.String("name"));
    GRENS_ASSIGN_OR_RETURN(std::string value, ParamValue(p));
    params.emplace_back(std::move(name), std::move(value));
  }
  return params;
}

std::string Param(const Params& params, absl::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return value;
  }
  return "";
}

bool IsQualityParam(absl::string_view name) {
  return name == "device_type" || name == "endpoint_id" || absl::StartsWith(name, "network_") ||
         absl::StrContains(name, "packet_loss");
}

// What every event of one activity shares.
struct Activity {
  EventTime when;
  std::string application;
  std::string unique;
  std::string actor_id;  // profileId, else email; "" when the actor names no one
  std::string ip_address;
};

absl::StatusOr<Activity> ReadActivity(const FieldReader& act, absl::Time received_at) {
  Activity a;
  GRENS_RETURN_IF_ERROR(act.Object("").status());
  GRENS_ASSIGN_OR_RETURN(a.when, TimeOrReceipt(act, "id.time", TimeFormat::kRfc3339, received_at));
  GRENS_ASSIGN_OR_RETURN(a.application, act.OptionalString("id.applicationName"));
  if (act.Find("id.uniqueQualifier") != nullptr) {
    GRENS_ASSIGN_OR_RETURN(int64_t unique, act.Int64("id.uniqueQualifier"));
    a.unique = absl::StrCat(unique);
  }
  GRENS_ASSIGN_OR_RETURN(a.actor_id, act.OptionalString("actor.profileId"));
  if (a.actor_id.empty()) {
    GRENS_ASSIGN_OR_RETURN(a.actor_id, act.OptionalString("actor.email"));
  }
  GRENS_ASSIGN_OR_RETURN(a.ip_address, act.OptionalString("ipAddress"));
  return a;
}

v1::MonitoringEvent NewActivityEvent(const Activity& act, v1::Category category, const std::string& subject,
                                     const std::string& name) {
  v1::MonitoringEvent e = NewEvent(kPlatform, category, subject, act.when.at, act.when.receipt);
  e.set_id(act.unique);
  auto& a = *e.mutable_attributes();
  a["event_name"] = name;
  SetAttribute("application", act.application, &e);
  SetAttribute("unique_qualifier", act.unique, &e);
  return e;
}

void CopyParams(const Params& params, absl::Span<const absl::string_view> names, v1::MonitoringEvent* e) {
  for (absl::string_view name : names) {
    const std::string value = Param(params, name);
    SetAttribute(name, value, e);
  }
}

// call_ended: ATTENDANCE + CALL_QUALITY + LOCATION.
void CallEnded(const Activity& act, const std::string& subject, const Params& params,
               std::vector<v1::MonitoringEvent>* out) {
  v1::MonitoringEvent attendance = NewActivityEvent(act, v1::CATEGORY_ATTENDANCE, subject, "call_ended");
  CopyParams(params, kAttendanceParams, &attendance);
  out->push_back(std::move(attendance));

  v1::MonitoringEvent quality = NewActivityEvent(act, v1::CATEGORY_CALL_QUALITY, subject, "call_ended");
  bool any_quality = false;
  for (const auto& [name, value] : params) {
    if (!IsQualityParam(name) || value.empty()) continue;
    (*quality.mutable_attributes())[name] = value;
    any_quality = true;
  }
  if (any_quality) out->push_back(std::move(quality));

  v1::MonitoringEvent location = NewActivityEvent(act, v1::CATEGORY_LOCATION, subject, "call_ended");
  CopyParams(params, kLocationParams, &location);
  if (!act.ip_address.empty() && Param(params, "ip_address").empty()) {
    (*location.mutable_attributes())["ip_address"] = act.ip_address;
  }
  const auto& a = location.attributes();
  if (a.contains("ip_address") || a.contains("location_country") || a.contains("location_region")) {
    out->push_back(std::move(location));
  }
}

absl::Status OneActivity(const FieldReader& act, absl::Time received_at, std::vector<v1::MonitoringEvent>* out) {
  GRENS_ASSIGN_OR_RETURN(Activity activity, ReadActivity(act, received_at));
  GRENS_ASSIGN_OR_RETURN(const Json* events, act.Array("events"));
  for (size_t j = 0; j < events->items().size(); ++j) {
    const FieldReader event = act.Item("events", j);
    GRENS_ASSIGN_OR_RETURN(std::string name, event.String("name"));
    GRENS_ASSIGN_OR_RETURN(Params params, ReadParams(event));
    std::string subject = activity.actor_id;
    if (subject.empty()) subject = Param(params, "identifier");
    if (subject.empty()) {
      return act.Error("actor.email", "missing, and so are actor.profileId and the identifier parameter");
    }
    if (activity.application == "meet" && name == "call_ended") {
      CallEnded(activity, subject, params, out);
    } else {
      out->push_back(NewActivityEvent(activity, v1::CATEGORY_UNSPECIFIED, subject, name));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TranslateReports(const FieldReader& root, absl::Time received_at,
                              std::vector<v1::MonitoringEvent>* out) {
  if (root.Find("items") == nullptr) return OneActivity(root, received_at, out);
  GRENS_ASSIGN_OR_RETURN(const Json* items, root.Array("items"));
  for (size_t i = 0; i < items->items().size(); ++i) {
    GRENS_RETURN_IF_ERROR(OneActivity(root.Item("items", i), received_at, out));
  }
  return absl::OkStatus();
}

}  // namespace grens::adapters::google

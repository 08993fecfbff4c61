#ifndef GRENS_ADAPTERS_GOOGLE_GOOGLE_INTERNAL_H_
#define GRENS_ADAPTERS_GOOGLE_GOOGLE_INTERNAL_H_

// The two Google Workspace channels behind the "google" adapter, each in its
// own file: Workspace Events (CloudEvents, workspace_events.cc) and Admin SDK
// Reports API activities (reports.cc). google_adapter.cc verifies the delivery,
// unwraps the CloudEvent from whichever transport carried it and dispatches.
// Stateless functions, safe from any thread.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/field_reader.h"
#include "adapters/json.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters::google {

// The CloudEvents context attributes of one Workspace event, wherever they
// came from (ce-* HTTP headers, Pub/Sub message attributes, a structured body).
struct CloudEvent {
  std::string id;
  std::string source;   // "//meet.googleapis.com/spaces/abc-defg-hij"
  std::string type;     // "google.workspace.meet.participant.v2.joined"
  std::string subject;  // the changed resource, if given
  std::optional<absl::Time> time;
  std::string pubsub_message_id;
};

// One Workspace event whose data (the JSON the event carries, an object) is
// `data`. Appends its canonical events to `out`.
absl::Status TranslateWorkspaceEvent(const CloudEvent& ce, const FieldReader& data, absl::Time received_at,
                                     std::vector<v1::MonitoringEvent>* out);

// A Reports API activities.list answer ({"items": [activity...]}) or one
// activity as an activities.watch channel pushes it. Appends to `out`.
absl::Status TranslateReports(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out);

}  // namespace grens::adapters::google

#endif  // GRENS_ADAPTERS_GOOGLE_GOOGLE_INTERNAL_H_

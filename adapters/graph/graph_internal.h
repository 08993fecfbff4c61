#ifndef GRENS_ADAPTERS_GRAPH_GRAPH_INTERNAL_H_
#define GRENS_ADAPTERS_GRAPH_GRAPH_INTERNAL_H_

// Internal to the Graph adapter: one change notification as the resource
// translators see it, and the translators (graph_resources.cc for presence,
// messages, transcripts, recordings and unknown resources; graph_meetings.cc
// for call records and attendance reports). Not for other adapters.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "adapters/adapter.h"
#include "adapters/event_util.h"
#include "adapters/field_reader.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters::graph {

// The adapter's name: errors and the `platforms` config say "graph".
inline constexpr char kPlatform[] = "graph";
// The platform its events name. Graph change notifications are about Microsoft
// Teams (presence, chats, calls, meetings), and agreements, metrics and the
// MonitoringEvent contract call that platform "teams": a rule with
// `platforms: [teams]` must match a Graph webhook as it matches a Teams plugin.
inline constexpr char kEventPlatform[] = "teams";

// One entry of the notification's value[], authenticated by its clientState.
// Borrows the parsed payload, which outlives the translation.
struct Notification {
  FieldReader item;                    // value[i]
  std::optional<FieldReader> content;  // value[i].decryptedContent, when the relay forwarded the resource
  std::string change_type;             // created | updated | deleted
  std::string resource;                // "communications/presences/<id>", "chats('..')/messages('..')" ...
  absl::Time received_at;
};

// The @odata.type of the object `reader` is rooted at ("#microsoft.graph.presence"),
// or "". Keys with dots cannot be reached through dotted paths, hence a helper.
std::string ODataType(const FieldReader& reader);

// The decrypted resource, or InvalidArgument naming value[i].decryptedContent
// and saying why this resource needs it.
absl::StatusOr<FieldReader> RequireContent(const Notification& n, absl::string_view why);

// An event at the first of `times` that holds a time (Graph's are RFC 3339),
// else at the receipt time (flagged), with the notification's common
// attributes (subscription, change type, Graph tenant).
absl::StatusOr<v1::MonitoringEvent> StartEvent(const Notification& n, absl::Span<const TimeCandidate> times,
                                               v1::Category category, absl::string_view subject);

// The user id in a resource path ("users/<id>/..." or "users('<id>')/..."), or "".
std::string UserInResource(absl::string_view resource);

// The id of the person in a Graph identitySet ({user|guest|phone|acsUser...: {id}}),
// or nullopt for applications, devices and empty sets (not workers).
absl::StatusOr<std::optional<std::string>> IdentityId(const FieldReader& identity_set);

// The translators: each appends the notification's events to `out`.
absl::Status Presence(const Notification& n, Translation* out);
absl::Status Message(const Notification& n, Translation* out);
absl::Status MeetingArtifact(const Notification& n, v1::Category category, Translation* out);
absl::Status CallRecord(const Notification& n, Translation* out);
absl::Status AttendanceReport(const Notification& n, Translation* out);
absl::Status Unknown(const Notification& n, Translation* out);

}  // namespace grens::adapters::graph

#endif  // GRENS_ADAPTERS_GRAPH_GRAPH_INTERNAL_H_

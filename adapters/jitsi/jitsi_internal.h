#ifndef GRENS_ADAPTERS_JITSI_JITSI_INTERNAL_H_
#define GRENS_ADAPTERS_JITSI_JITSI_INTERNAL_H_

// The two payload families behind the "jitsi" adapter (alias "jaas"), each
// translated in its own file; jitsi_adapter.cc verifies the delivery and picks
// one by the payload's shape. Stateless functions, safe from any thread.

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/field_reader.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters::jitsi {

// Prosody mod_event_sync_component (self-hosted Jitsi): `root` has event_name.
// Appends the events to `out`; on error `out` may hold some of them.
absl::Status TranslateEventSync(const FieldReader& root, absl::Time received_at,
                                std::vector<v1::MonitoringEvent>* out);

// JaaS (8x8) webhooks: `root` has eventType. Same contract.
absl::Status TranslateJaas(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out);

// Marks an event whose subject is a room (a room's lifecycle, or a recording
// nobody is named in) rather than a person: its id is the room's, never a worker's.
void MarkRoomSubject(v1::MonitoringEvent* event);

}  // namespace grens::adapters::jitsi

#endif  // GRENS_ADAPTERS_JITSI_JITSI_INTERNAL_H_

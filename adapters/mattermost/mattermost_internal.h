#ifndef GRENS_ADAPTERS_MATTERMOST_MATTERMOST_INTERNAL_H_
#define GRENS_ADAPTERS_MATTERMOST_MATTERMOST_INTERNAL_H_

// Plugin hook payloads of the Mattermost adapter, in their own file;
// mattermost_adapter.cc checks the token and dispatches. Stateless, safe from
// any thread.

#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "adapters/field_reader.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters::mattermost {

// A grens Mattermost plugin relay's hook payload (`root` has "hook"; the shape
// is documented in mattermost_hooks.cc). Appends the events to `out`.
absl::Status TranslateHook(const FieldReader& root, absl::Time received_at, std::vector<v1::MonitoringEvent>* out);

}  // namespace grens::adapters::mattermost

#endif  // GRENS_ADAPTERS_MATTERMOST_MATTERMOST_INTERNAL_H_

#ifndef GRENS_PLUGIN_PLATFORM_EVENTS_H_
#define GRENS_PLUGIN_PLATFORM_EVENTS_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/adapter_set.h"
#include "adapters/directory.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/guard.pb.h"
#include "plugin/clock.h"
#include "plugin/decision_pipeline.h"

namespace grens::plugin {

// Guard.EvaluatePlatformEvent: a platform's native delivery -> its adapter ->
// canonical events (completed from the request, the platform's config and the
// directory) -> the decision pipeline, one recorded decision per event in
// payload order. A delivery with a bad signature is refused and logged, never
// judged. Safe for concurrent use.
class PlatformEvents {
 public:
  // Collector and purpose for events whose request names none.
  struct Defaults {
    std::string collector;
    std::string purpose;
  };

  // `pipeline` and `clock` are borrowed and must outlive this object;
  // `directory` may be null (subjects then keep what the payload says).
  PlatformEvents(std::unique_ptr<const adapters::AdapterSet> adapters,
                 std::shared_ptr<const adapters::Directory> directory,
                 absl::flat_hash_map<std::string, Defaults> defaults, DecisionPipeline* pipeline,
                 const Clock* clock, int max_events_per_payload);
  PlatformEvents(const PlatformEvents&) = delete;
  PlatformEvents& operator=(const PlatformEvents&) = delete;

  // Translates and judges `request`, fills `response` and calls `done` exactly
  // once (possibly on the log's thread): OK with one decision per event, or
  // with only `response.handshake` for a handshake; NotFound for an unknown
  // platform; Unauthenticated for a bad signature; InvalidArgument naming the
  // field; ResourceExhausted above limits.max_events_per_payload; Unavailable
  // when a decision cannot be recorded (then no decision is returned at all).
  // `request` and `response` must stay valid until `done` runs. Never blocks.
  void Handle(const v1::EvaluatePlatformEventRequest& request, v1::EvaluatePlatformEventResponse* response,
              std::function<void(absl::Status)> done) const;

 private:
  // Fills what the adapter left open: tenant, collector, purpose, retention,
  // and groups and time zone from the directory.
  void Complete(const v1::EvaluatePlatformEventRequest& request, const std::string& platform,
                v1::MonitoringEvent* event) const;

  const std::unique_ptr<const adapters::AdapterSet> adapters_;
  const std::shared_ptr<const adapters::Directory> directory_;
  const absl::flat_hash_map<std::string, Defaults> defaults_;  // by canonical platform name
  DecisionPipeline* const pipeline_;
  const Clock* const clock_;
  const int max_events_per_payload_;
};

// Builds the adapters (reading each platform's secret file) and the defaults
// from a finalized config; `directory` (may be null) is shared with ext_authz.
// InvalidArgument naming the field for an unknown platform or an unreadable
// secret file.
absl::StatusOr<std::unique_ptr<PlatformEvents>> NewPlatformEvents(const v1::SidecarConfig& config,
                                                                  std::shared_ptr<const adapters::Directory> directory,
                                                                  DecisionPipeline* pipeline, const Clock* clock);

// The directory snapshot of config.directory_file, or null when none is set.
// InvalidArgument naming the field, file and line of a bad entry.
absl::StatusOr<std::shared_ptr<const adapters::Directory>> LoadDirectory(const v1::SidecarConfig& config);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_PLATFORM_EVENTS_H_

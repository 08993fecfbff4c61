#include "plugin/platform_events.h"

#include <atomic>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "plugin/process_log.h"
#include "policy/durations.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

}  // namespace

PlatformEvents::PlatformEvents(std::unique_ptr<const adapters::AdapterSet> adapters,
                               std::shared_ptr<const adapters::Directory> directory,
                               absl::flat_hash_map<std::string, Defaults> defaults, DecisionPipeline* pipeline,
                               const Clock* clock, int max_events_per_payload)
    : adapters_(std::move(adapters)),
      directory_(std::move(directory)),
      defaults_(std::move(defaults)),
      pipeline_(pipeline),
      clock_(clock),
      max_events_per_payload_(max_events_per_payload) {}

void PlatformEvents::Complete(const v1::EvaluatePlatformEventRequest& request, const std::string& platform,
                              v1::MonitoringEvent* event) const {
  auto defaults = defaults_.find(platform);
  if (event->tenant().empty()) event->set_tenant(request.tenant());
  if (event->collector().empty()) {
    event->set_collector(!request.collector().empty() || defaults == defaults_.end() ? request.collector()
                                                                                      : defaults->second.collector);
  }
  if (event->purpose().empty()) {
    event->set_purpose(!request.purpose().empty() || defaults == defaults_.end() ? request.purpose()
                                                                                  : defaults->second.purpose);
  }
  if (!event->has_requested_retention() && request.has_requested_retention()) {
    *event->mutable_requested_retention() = request.requested_retention();
  }
  if (directory_ != nullptr) directory_->Enrich(event);
}

void PlatformEvents::Handle(const v1::EvaluatePlatformEventRequest& request,
                            v1::EvaluatePlatformEventResponse* response,
                            std::function<void(absl::Status)> done) const {
  absl::StatusOr<const adapters::Adapter*> adapter = adapters_->Find(request.platform());
  if (!adapter.ok()) {
    pipeline_->Refused(RefusalReason::kUnsupported);
    return done(adapter.status());
  }
  absl::StatusOr<adapters::Translation> translation = (*adapter)->Translate(request, clock_->Now());
  if (!translation.ok()) {
    if (absl::IsUnauthenticated(translation.status())) {
      pipeline_->Refused(RefusalReason::kUnauthenticated);
      Log(LogLevel::kWarn, "platform delivery refused",
          {{"platform", std::string((*adapter)->name())}, {"reason", std::string(translation.status().message())}});
    }
    return done(translation.status());
  }
  if (translation->handshake.has_value()) {
    *response->mutable_handshake() = std::move(*translation->handshake);
    return done(absl::OkStatus());
  }
  const size_t n = translation->events.size();
  if (static_cast<int64_t>(n) > max_events_per_payload_) {
    pipeline_->Refused(RefusalReason::kTooManyEvents);
    return done(absl::ResourceExhaustedError(absl::StrCat("limits.max_events_per_payload (", max_events_per_payload_,
                                                          "): the payload holds ", n, " events")));
  }
  if (n == 0) return done(absl::OkStatus());
  // The events live until the delivery's decisions are recorded; the
  // pipeline judges them whole (one group in the log, no partial answer that
  // a relay might read as "the rest was allowed").
  auto events = std::make_shared<std::vector<v1::MonitoringEvent>>(std::move(translation->events));
  const std::string platform((*adapter)->name());
  std::vector<const v1::MonitoringEvent*> pointers;
  pointers.reserve(n);
  for (v1::MonitoringEvent& event : *events) {
    Complete(request, platform, &event);
    pointers.push_back(&event);
  }
  DecisionPipeline::Options options;
  options.allow_unspecified_category = true;  // what an adapter cannot classify is judged (denied), not refused
  pipeline_->DecideAll(
      pointers, response->mutable_decisions(),
      [events, done = std::move(done)](absl::Status status) { done(std::move(status)); }, options);
}

absl::StatusOr<std::shared_ptr<const adapters::Directory>> LoadDirectory(const v1::SidecarConfig& config) {
  if (config.directory_file().empty()) return std::shared_ptr<const adapters::Directory>();
  absl::StatusOr<std::unique_ptr<const adapters::Directory>> loaded = adapters::Directory::Load(config.directory_file());
  if (!loaded.ok()) return absl::InvalidArgumentError(absl::StrCat("directory_file: ", loaded.status().message()));
  return std::shared_ptr<const adapters::Directory>(std::move(*loaded));
}

absl::StatusOr<std::unique_ptr<PlatformEvents>> NewPlatformEvents(const v1::SidecarConfig& config,
                                                                  std::shared_ptr<const adapters::Directory> directory,
                                                                  DecisionPipeline* pipeline, const Clock* clock) {
  absl::flat_hash_map<std::string, adapters::AdapterConfig> configs;
  absl::flat_hash_map<std::string, PlatformEvents::Defaults> defaults;
  for (int i = 0; i < config.platforms_size(); ++i) {
    const v1::PlatformConfig& p = config.platforms(i);
    const std::string field = absl::StrCat("platforms[", i, "]");
    const std::string name = adapters::AdapterSet::CanonicalName(p.platform());
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".platform: unknown platform '", p.platform(), "'"));
    }
    if (configs.contains(name)) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".platform: '", name, "' is configured twice"));
    }
    adapters::AdapterConfig& c = configs[name];
    if (!p.secret_file().empty()) {
      absl::StatusOr<std::string> secret = policy::ReadFileToString(p.secret_file());
      if (!secret.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".secret_file: ", secret.status().message()));
      c.secret = std::string(absl::StripAsciiWhitespace(*secret));
      if (c.secret.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ".secret_file: the file is empty"));
    }
    c.skip_signature_check = p.skip_signature_check();
    if (c.skip_signature_check) {
      Log(LogLevel::kWarn, "signature checks are off for a platform: the relay in front of grensd must verify them",
          {{"platform", name}});
    }
    if (!p.replay_window().empty()) {
      absl::StatusOr<absl::Duration> window = policy::ParseAgreementDuration(p.replay_window());
      if (!window.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ".replay_window: ", window.status().message()));
      c.replay_window = *window;
    }
    defaults[name] = {p.collector(), p.purpose()};
  }
  absl::StatusOr<std::unique_ptr<const adapters::AdapterSet>> set = adapters::AdapterSet::Create(configs);
  if (!set.ok()) return set.status();
  return std::make_unique<PlatformEvents>(std::move(*set), std::move(directory), std::move(defaults), pipeline, clock,
                                          config.limits().max_events_per_payload());
}

}  // namespace grens::plugin

#ifndef GRENS_PLUGIN_DECISION_PIPELINE_H_
#define GRENS_PLUGIN_DECISION_PIPELINE_H_

#include <chrono>
#include <functional>

#include "absl/status/status.h"
#include "absl/types/span.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "plugin/metrics.h"
#include "plugin/policy_holder.h"
#include "plugin/pseudonymizer.h"

namespace grens::plugin {

// evaluate -> record -> answer, shared by Guard, platform events and ext_authz.
// Safe for concurrent use.
class DecisionPipeline {
 public:
  struct Options {
    // Adapters may emit events they could not classify; those are judged
    // (always denied) rather than refused as bad input.
    bool allow_unspecified_category = false;
  };

  // All pointers are borrowed and must outlive the pipeline; `metrics` may be
  // null (nothing is counted).
  DecisionPipeline(const PolicyHolder* policies, DecisionLog* log, const Pseudonymizer* pseudonymizer,
                   const Clock* clock, v1::Limits limits, Metrics* metrics = nullptr);
  DecisionPipeline(const DecisionPipeline&) = delete;
  DecisionPipeline& operator=(const DecisionPipeline&) = delete;

  // Validates `event` (InvalidArgument naming the field), judges it against the
  // active policy at the injected clock (Unavailable if none is active), appends
  // the decision record and, once it is durable, fills `decision` (with its
  // decision id and log index) and calls `done` exactly once, possibly on the
  // log's thread. A record that cannot be written is Unavailable: never an
  // unrecorded allow. `event` must stay valid until the call returns, `decision`
  // until `done` runs. Never blocks.
  void Decide(const v1::MonitoringEvent& event, v1::Decision* decision, std::function<void(absl::Status)> done,
              Options options);
  void Decide(const v1::MonitoringEvent& event, v1::Decision* decision, std::function<void(absl::Status)> done) {
    Decide(event, decision, std::move(done), Options());
  }

  // For a call that maps to no event (an ext_authz request no route
  // describes): the active policy's default (CompiledPolicy::EvaluateDefault),
  // recorded like any decision. `event` holds what is known (platform, tenant,
  // collector, time, attributes) and is not validated: it has no category and
  // no subject. Otherwise as Decide.
  void DecideDefault(const v1::MonitoringEvent& event, v1::Decision* decision, std::function<void(absl::Status)> done);

  // Decide for every event of one message (a batched stream message, a
  // platform delivery), judged whole: the events are validated first (the
  // first invalid one is InvalidArgument naming its position and id, and
  // nothing is recorded), then decided into `decisions` (one appended per
  // event, in order) and recorded as one group of consecutive log records,
  // answered by one `done`. Unavailable clears `decisions`: a message is never
  // half answered. `events` must stay valid until the call returns,
  // `decisions` until `done` runs. Never blocks.
  void DecideAll(absl::Span<const v1::MonitoringEvent* const> events,
                 google::protobuf::RepeatedPtrField<v1::Decision>* decisions, std::function<void(absl::Status)> done,
                 Options options);
  void DecideAll(absl::Span<const v1::MonitoringEvent* const> events,
                 google::protobuf::RepeatedPtrField<v1::Decision>* decisions, std::function<void(absl::Status)> done) {
    DecideAll(events, decisions, std::move(done), Options());
  }

  // Counts a call refused before any decision (platform deliveries, stream
  // messages) in the refusal metrics, if metrics are on.
  void Refused(RefusalReason reason) const {
    if (metrics_ != nullptr) metrics_->CountRefused(reason);
  }

  // The checks Decide applies to an event; OK or InvalidArgument naming the field.
  // `reason`, if given, says which refusal a failure is (content too large or
  // an invalid event).
  absl::Status Validate(const v1::MonitoringEvent& event, Options options, RefusalReason* reason = nullptr) const;

 private:
  // Gives `decision` its id, appends its record and calls `done` once durable;
  // `received` is when the call arrived (for the end-to-end latency metric).
  void Record(const ActivePolicy& active, const v1::MonitoringEvent& event, absl::Time now,
              std::chrono::steady_clock::time_point received, v1::Decision* decision,
              std::function<void(absl::Status)> done);
  // Validate, counting a refusal by its reason.
  absl::Status Admit(const v1::MonitoringEvent& event, Options options) const;
  // Completes an evaluated `decision`: its id and the pseudonymised subject
  // it needs; returns its prepared record.
  PreparedRecord Judge(const v1::MonitoringEvent& event, absl::Time now, v1::Decision* decision) const;

  const PolicyHolder* const policies_;
  DecisionLog* const log_;
  const Pseudonymizer* const pseudonymizer_;
  const Clock* const clock_;
  const v1::Limits limits_;
  Metrics* const metrics_;
};

// A fresh decision id: 48 bits of milliseconds then 80 random bits, 32 hex digits,
// so ids sort by time.
std::string NewDecisionId(absl::Time now);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_DECISION_PIPELINE_H_

#ifndef GRENS_PLUGIN_METRICS_H_
#define GRENS_PLUGIN_METRICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/policy_admin.pb.h"
#include "plugin/log_metrics.h"
#include "plugin/metric_types.h"
#include "policy/compiled_policy.h"

namespace grens::plugin {

// Why a call was refused without a decision. A closed set, so that
// grens_refused_total has a fixed number of series.
enum class RefusalReason {
  kInvalidEvent = 0,     // the event failed validation (a field is missing or malformed)
  kNoPolicy,             // no policy is active
  kLogUnavailable,       // the decision could not be recorded, so it was refused
  kUnauthenticated,      // no or unknown credentials
  kPermissionDenied,     // the caller's role may not make this call
  kTooManyEvents,        // limits.max_events_per_payload
  kContentTooLarge,      // limits.max_content_bytes
  kTooManyInFlight,      // limits.max_in_flight_per_client
  kStreamTooLong,        // limits.max_stream_messages
  kUnsupported,          // a platform without an adapter
  // (limits.max_message_bytes is enforced by gRPC before any grens code sees
  // the call, so it cannot be counted here; gRPC's own message names the sizes.)
  kCount,                // not a reason: the number of reasons
};

// The counter slots of one decision, resolved on the calling thread so that
// counting it later (on the log's thread) is a few atomic adds.
struct DecisionSample {
  int decision_cell = -1;
  absl::InlinedVector<int, 4> clause_cells;
};

// grensd's Prometheus metrics: decisions by effect, category, platform and
// clause; evaluation and end-to-end latency; refusals by reason; the decision
// log's writer (DecisionLogMetrics); and, at scrape time, the active policy.
// Label sets are bounded and precomputed: effects and categories are enums,
// clause ids come from activated policies (at most kMaxClauses), platforms are
// the known ones plus those the policy names (at most kMaxPlatforms), anything
// else counts as "other". Safe for concurrent use; the request path uses only
// relaxed atomics and lock-free lookups.
class Metrics {
 public:
  static constexpr int kMaxClauses = 256;
  static constexpr int kMaxPlatforms = 32;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Resolves the labels of `decision`, made by `policy` for `event` (its
  // category and platform). The first call for a newly activated policy registers its
  // clause ids and platform names (once, under a lock); later calls are
  // lock-free.
  DecisionSample Sample(const std::shared_ptr<const policy::CompiledPolicy>& policy, const v1::MonitoringEvent& event,
                        const v1::Decision& decision);

  // Counts a decision that was recorded and answered, and how long it took
  // from receipt to the durable answer.
  void CountDecision(const DecisionSample& sample, std::chrono::nanoseconds end_to_end);

  // Time the policy engine took for one event.
  void ObserveEvaluation(std::chrono::nanoseconds elapsed) { evaluation_seconds_.Observe(elapsed.count()); }

  // Counts a call refused without a decision. The entry point for every
  // refusal: validation, fail-closed log errors, authentication, limits.
  void CountRefused(RefusalReason reason);

  // For the decision log backend; lives as long as the Metrics.
  DecisionLogMetrics* log() { return &log_; }

  // The whole exposition (Prometheus text format 0.0.4). `status` supplies the
  // active policy, reload counts and log size (PolicyHolder::FillStatus).
  // `counted_elsewhere` adds refusals that their own components count (the
  // listener gate's auth refusals, the call limiter's), read at scrape time
  // so that no count is kept twice.
  std::string Render(const v1::StatusResponse& status,
                     const std::vector<std::pair<RefusalReason, int64_t>>& counted_elsewhere = {}) const;

 private:
  void Register(const std::shared_ptr<const policy::CompiledPolicy>& policy);
  void RenderDecisions(std::string* out) const;
  void RenderClauses(std::string* out) const;
  void RenderRefusals(const std::vector<std::pair<RefusalReason, int64_t>>& counted_elsewhere,
                      std::string* out) const;

  LabelSlots platforms_;
  LabelSlots clauses_;
  Histogram evaluation_seconds_;
  Histogram decision_seconds_;
  DecisionLogMetrics log_;

  // Counters, relaxed atomics indexed by precomputed cells: every request
  // thread adds to them without a lock.
  const std::unique_ptr<std::atomic<uint64_t>[]> decisions_;  // [effect][category][platform slot]
  const std::unique_ptr<std::atomic<uint64_t>[]> clause_decisions_;  // [clause slot][effect]
  std::atomic<uint64_t> refused_[static_cast<int>(RefusalReason::kCount)];

  absl::Mutex mu_;  // serializes Register
  // The policy whose labels were registered last, kept alive so that its
  // address cannot be reused by another policy while `registered_` names it.
  std::shared_ptr<const policy::CompiledPolicy> registered_policy_ ABSL_GUARDED_BY(mu_);
  // Its address, atomic so Sample can compare without the lock.
  std::atomic<const policy::CompiledPolicy*> registered_{nullptr};
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_METRICS_H_

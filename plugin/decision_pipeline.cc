#include "plugin/decision_pipeline.h"

#include <chrono>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "plugin/decision_record.h"

namespace grens::plugin {
namespace {

// Latencies are measured on the monotonic clock: they describe this process,
// not the policy's (injected) notion of time.
using Steady = std::chrono::steady_clock;

absl::Status Missing(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat("event.", field, ": missing"));
}

// The log's commit callback for one decision: answers it once it is durable
// (counting it), or refuses it if it could not be recorded. Never an
// unrecorded allow.
DecisionLog::CommitCallback AnswerWhenRecorded(v1::Decision* decision, std::function<void(absl::Status)> done,
                                               Metrics* metrics, DecisionSample sample, Steady::time_point received) {
  return [decision, done = std::move(done), metrics, sample = std::move(sample),
          received](absl::StatusOr<int64_t> index) {
    if (!index.ok()) {
      if (metrics != nullptr) metrics->CountRefused(RefusalReason::kLogUnavailable);
      decision->Clear();
      return done(absl::UnavailableError(
          absl::StrCat("the decision could not be recorded, so it is refused: ", index.status().message())));
    }
    decision->set_log_index(*index);
    if (metrics != nullptr) metrics->CountDecision(sample, Steady::now() - received);
    done(absl::OkStatus());
  };
}

}  // namespace

std::string NewDecisionId(absl::Time now) {
  thread_local absl::BitGen bits;
  const uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now)) & ((uint64_t{1} << 48) - 1);
  const uint64_t high = (millis << 16) | absl::Uniform<uint16_t>(bits);
  const uint64_t low = absl::Uniform<uint64_t>(bits);
  return absl::StrCat(absl::Hex(high, absl::kZeroPad16), absl::Hex(low, absl::kZeroPad16));
}

DecisionPipeline::DecisionPipeline(const PolicyHolder* policies, DecisionLog* log, const Pseudonymizer* pseudonymizer,
                                   const Clock* clock, v1::Limits limits, Metrics* metrics)
    : policies_(policies),
      log_(log),
      pseudonymizer_(pseudonymizer),
      clock_(clock),
      limits_(std::move(limits)),
      metrics_(metrics) {}

absl::Status DecisionPipeline::Validate(const v1::MonitoringEvent& e, Options options, RefusalReason* reason) const {
  if (reason != nullptr) *reason = RefusalReason::kInvalidEvent;
  if (!v1::Category_IsValid(e.category())) {
    return absl::InvalidArgumentError(absl::StrCat("event.category: unknown value ", e.category()));
  }
  if (e.category() == v1::CATEGORY_UNSPECIFIED && !options.allow_unspecified_category) return Missing("category");
  if (!e.has_subject() || e.subject().id().empty()) return Missing("subject.id");
  if (!e.has_occurred_at()) return Missing("occurred_at");
  if (e.occurred_at().nanos() < 0 || e.occurred_at().nanos() > 999999999) {
    return absl::InvalidArgumentError("event.occurred_at.nanos: out of range");
  }
  if (!v1::Granularity_IsValid(e.granularity())) {
    return absl::InvalidArgumentError(absl::StrCat("event.granularity: unknown value ", e.granularity()));
  }
  if (!v1::Visibility_IsValid(e.visibility())) {
    return absl::InvalidArgumentError(absl::StrCat("event.visibility: unknown value ", e.visibility()));
  }
  if (e.group_size() < 0) return absl::InvalidArgumentError("event.group_size: negative");
  if (e.requested_retention().seconds() < 0) return absl::InvalidArgumentError("event.requested_retention: negative");
  for (int i = 0; i < e.content_size(); ++i) {
    if (static_cast<int64_t>(e.content(i).text().size()) > limits_.max_content_bytes()) {
      if (reason != nullptr) *reason = RefusalReason::kContentTooLarge;
      return absl::InvalidArgumentError(absl::StrCat("event.content[", i, "].text: ", e.content(i).text().size(),
                                                     " bytes exceed the limit of ", limits_.max_content_bytes(),
                                                     " (limits.max_content_bytes)"));
    }
  }
  return absl::OkStatus();
}

absl::Status DecisionPipeline::Admit(const v1::MonitoringEvent& event, Options options) const {
  RefusalReason reason;
  absl::Status valid = Validate(event, options, &reason);
  if (!valid.ok()) Refused(reason);
  return valid;
}

void DecisionPipeline::Decide(const v1::MonitoringEvent& event, v1::Decision* decision,
                              std::function<void(absl::Status)> done, Options options) {
  const Steady::time_point received = metrics_ != nullptr ? Steady::now() : Steady::time_point();
  absl::Status valid = Admit(event, options);
  if (!valid.ok()) return done(valid);
  const std::shared_ptr<const ActivePolicy> active = policies_->Active();
  if (active == nullptr) {
    if (metrics_ != nullptr) metrics_->CountRefused(RefusalReason::kNoPolicy);
    return done(absl::UnavailableError("no policy is active: every event is refused"));
  }
  const absl::Time now = clock_->Now();
  const Steady::time_point evaluating = metrics_ != nullptr ? Steady::now() : Steady::time_point();
  active->policy->Evaluate(event, now, active->Grants(event, *pseudonymizer_), decision);
  if (metrics_ != nullptr) metrics_->ObserveEvaluation(Steady::now() - evaluating);
  Record(*active, event, now, received, decision, std::move(done));
}

void DecisionPipeline::DecideDefault(const v1::MonitoringEvent& event, v1::Decision* decision,
                                     std::function<void(absl::Status)> done) {
  const Steady::time_point received = metrics_ != nullptr ? Steady::now() : Steady::time_point();
  const std::shared_ptr<const ActivePolicy> active = policies_->Active();
  if (active == nullptr) {
    if (metrics_ != nullptr) metrics_->CountRefused(RefusalReason::kNoPolicy);
    return done(absl::UnavailableError("no policy is active: every event is refused"));
  }
  const absl::Time now = clock_->Now();
  active->policy->EvaluateDefault(event, now, decision);
  Record(*active, event, now, received, decision, std::move(done));
}

PreparedRecord DecisionPipeline::Judge(const v1::MonitoringEvent& event, absl::Time now,
                                      v1::Decision* decision) const {
  decision->set_decision_id(NewDecisionId(now));
  if (decision->has_transformed_event() && decision->obligations().pseudonymise()) {
    decision->mutable_transformed_event()->mutable_subject()->set_id(
        pseudonymizer_->Pseudonym(event.tenant(), event.subject().id()));
  }
  return PrepareDecisionRecord(event, *decision, *pseudonymizer_);
}

void DecisionPipeline::Record(const ActivePolicy& active, const v1::MonitoringEvent& event, absl::Time now,
                              Steady::time_point received, v1::Decision* decision,
                              std::function<void(absl::Status)> done) {
  DecisionSample sample;
  if (metrics_ != nullptr) sample = metrics_->Sample(active.policy, event, *decision);
  PreparedRecord record = Judge(event, now, decision);
  log_->Append(std::move(record), AnswerWhenRecorded(decision, std::move(done), metrics_, std::move(sample), received));
}

void DecisionPipeline::DecideAll(absl::Span<const v1::MonitoringEvent* const> events,
                                 google::protobuf::RepeatedPtrField<v1::Decision>* decisions,
                                 std::function<void(absl::Status)> done, Options options) {
  const Steady::time_point received = metrics_ != nullptr ? Steady::now() : Steady::time_point();
  for (size_t i = 0; i < events.size(); ++i) {
    absl::Status valid = Admit(*events[i], options);
    if (!valid.ok()) {
      return done(absl::Status(valid.code(), absl::StrCat("events[", i, "] '", events[i]->id(), "': ",
                                                          valid.message())));
    }
  }
  const std::shared_ptr<const ActivePolicy> active = policies_->Active();
  if (active == nullptr) {
    Refused(RefusalReason::kNoPolicy);
    return done(absl::UnavailableError("no policy is active: every event is refused"));
  }
  const absl::Time now = clock_->Now();
  DecisionLog::Records records;
  records.reserve(events.size());
  std::vector<DecisionSample> samples(metrics_ != nullptr ? events.size() : 0);
  for (size_t i = 0; i < events.size(); ++i) {
    const v1::MonitoringEvent& event = *events[i];
    v1::Decision* decision = decisions->Add();
    const Steady::time_point evaluating = metrics_ != nullptr ? Steady::now() : Steady::time_point();
    active->policy->Evaluate(event, now, active->Grants(event, *pseudonymizer_), decision);
    if (metrics_ != nullptr) {
      metrics_->ObserveEvaluation(Steady::now() - evaluating);
      samples[i] = metrics_->Sample(active->policy, event, *decision);
    }
    records.push_back(Judge(event, now, decision));
  }
  const int first_decision = decisions->size() - static_cast<int>(events.size());
  log_->AppendGroup(std::move(records), [decisions, first_decision, done = std::move(done), metrics = metrics_,
                                         samples = std::move(samples), received](absl::StatusOr<int64_t> first) {
    if (!first.ok()) {
      if (metrics != nullptr) metrics->CountRefused(RefusalReason::kLogUnavailable);
      decisions->Clear();
      return done(absl::UnavailableError(
          absl::StrCat("the decisions could not be recorded, so they are refused: ", first.status().message())));
    }
    const Steady::duration took = metrics != nullptr ? Steady::now() - received : Steady::duration();
    for (int i = first_decision; i < decisions->size(); ++i) {
      decisions->Mutable(i)->set_log_index(*first + (i - first_decision));
      if (metrics != nullptr) metrics->CountDecision(samples[i - first_decision], took);
    }
    done(absl::OkStatus());
  });
}

}  // namespace grens::plugin

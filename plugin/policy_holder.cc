#include "plugin/policy_holder.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "plugin/decision_record.h"
#include "plugin/process_log.h"

namespace grens::plugin {
namespace {

std::string TriggerName(v1::PolicyTrigger trigger) {
  switch (trigger) {
    case v1::POLICY_TRIGGER_STARTUP: return "startup";
    case v1::POLICY_TRIGGER_FILE_WATCH: return "file_watch";
    case v1::POLICY_TRIGGER_SIGNAL: return "signal";
    case v1::POLICY_TRIGGER_RPC: return "rpc";
    default: return "unknown";
  }
}

void SetTime(absl::Time t, google::protobuf::Timestamp* out) { out->set_seconds(absl::ToUnixSeconds(t)); }

}  // namespace

PolicyHolder::PolicyHolder(std::string path, DecisionLog* log, const Clock* clock, std::function<void()> on_active)
    : path_(std::move(path)), log_(log), clock_(clock), on_active_(std::move(on_active)) {}

std::shared_ptr<const ActivePolicy> PolicyHolder::Active() const {
  absl::ReaderMutexLock lock(&mu_);
  return active_;
}

std::string PolicyHolder::ActiveRevision() const {
  absl::ReaderMutexLock lock(&mu_);
  return active_ == nullptr ? "" : active_->revision;
}

ReloadOutcome PolicyHolder::Reload(v1::PolicyTrigger trigger) {
  absl::MutexLock serialize(&reload_mu_);
  ReloadOutcome outcome;
  outcome.loaded = policy::LoadPolicyFile(path_);
  outcome.revision = outcome.loaded.revision;
  outcome.previous_revision = ActiveRevision();
  {
    absl::MutexLock lock(&mu_);
    ++reloads_;
  }
  if (outcome.loaded.policy == nullptr) {
    Reject(outcome, trigger);
    return outcome;
  }
  v1::PolicyChange change;
  change.set_revision(outcome.revision);
  change.set_previous_revision(outcome.previous_revision);
  change.set_trigger(trigger);
  change.set_policy_id(outcome.loaded.policy->policy().id());
  change.set_source_path(path_);
  if (outcome.revision == outcome.previous_revision) {
    outcome.unchanged = true;
    Log(LogLevel::kInfo, "policy unchanged", {{"revision", outcome.revision}, {"trigger", TriggerName(trigger)}});
    absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_RELOADED, change));
    if (!logged.ok()) Log(LogLevel::kError, "cannot record the reload", {{"error", std::string(logged.status().message())}});
    return outcome;
  }
  // The activation is recorded before any decision can cite the new revision.
  absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_ACTIVATED, change));
  if (!logged.ok()) {
    outcome.loaded.diagnostics.push_back({path_, 0, 0, "", absl::StrCat("cannot record the activation: ", logged.status().message())});
    outcome.loaded.policy = nullptr;
    Reject(outcome, trigger);
    return outcome;
  }
  auto next = std::make_shared<ActivePolicy>();
  next->policy = outcome.loaded.policy;
  next->source_path = path_;
  next->revision = outcome.revision;
  next->loaded_at = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    active_ = std::move(next);
    last_rejection_.clear();
    last_rejected_at_ = absl::InfinitePast();
  }
  outcome.activated = true;
  Log(LogLevel::kInfo, "policy activated",
      {{"policy_id", change.policy_id()}, {"revision", outcome.revision},
       {"previous_revision", outcome.previous_revision}, {"trigger", TriggerName(trigger)},
       {"log_index", absl::StrCat(*logged)}});
  if (on_active_) on_active_();
  return outcome;
}

void PolicyHolder::Reject(const ReloadOutcome& outcome, v1::PolicyTrigger trigger) {
  const std::string reason = outcome.loaded.RejectionSummary();
  {
    absl::MutexLock lock(&mu_);
    ++rejected_;
    last_rejected_at_ = clock_->Now();
    last_rejection_ = reason;
  }
  Log(LogLevel::kError, "policy rejected; the active policy stays",
      {{"path", path_}, {"revision", outcome.revision}, {"active_revision", outcome.previous_revision},
       {"trigger", TriggerName(trigger)}, {"reason", reason}});
  v1::PolicyChange change;
  change.set_revision(outcome.revision);
  change.set_previous_revision(outcome.previous_revision);
  change.set_trigger(trigger);
  change.set_source_path(path_);
  change.set_rejection(reason);
  absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_REJECTED, change));
  if (!logged.ok()) Log(LogLevel::kError, "cannot record the rejection", {{"error", std::string(logged.status().message())}});
}

void PolicyHolder::FillStatus(v1::StatusResponse* status) const {
  absl::ReaderMutexLock lock(&mu_);
  if (active_ != nullptr) {
    status->set_policy_id(active_->policy->policy().id());
    status->set_revision(active_->revision);
    SetTime(active_->loaded_at, status->mutable_loaded_at());
  }
  if (last_rejected_at_ != absl::InfinitePast()) SetTime(last_rejected_at_, status->mutable_last_rejected_at());
  status->set_last_rejection(last_rejection_);
  status->set_reloads(reloads_);
  status->set_rejected_reloads(rejected_);
  status->set_log_size(log_->Size());
}

}  // namespace grens::plugin

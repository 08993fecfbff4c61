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

absl::StatusOr<PolicyHolderOptions> MakePolicyHolderOptions(const v1::SidecarConfig& config,
                                                            const Pseudonymizer* pseudonymizer) {
  PolicyHolderOptions options;
  if (!config.require_signature_from().empty()) {
    const std::vector<std::string> keys(config.require_signature_from().begin(), config.require_signature_from().end());
    absl::StatusOr<std::unique_ptr<const SignatureRequirement>> required = SignatureRequirement::FromPemFiles(keys);
    if (!required.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("require_signature_from: ", required.status().message()));
    }
    options.signatures = *std::move(required);
  }
  options.break_glass_path = config.break_glass_path();
  options.pseudonymizer = pseudonymizer;
  return options;
}

PolicyHolder::PolicyHolder(std::string path, DecisionLog* log, const Clock* clock, std::function<void()> on_active,
                           PolicyHolderOptions options)
    : path_(std::move(path)), log_(log), clock_(clock), on_active_(std::move(on_active)), options_(std::move(options)) {}

std::shared_ptr<const ActivePolicy> PolicyHolder::Active() const {
  absl::ReaderMutexLock lock(&mu_);
  return active_;
}

std::string PolicyHolder::ActiveRevision() const {
  absl::ReaderMutexLock lock(&mu_);
  return active_ == nullptr ? "" : active_->revision;
}

void PolicyHolder::CheckSignatures(ReloadOutcome* outcome) const {
  if (options_.signatures == nullptr || outcome->revision.empty()) return;
  absl::Status signed_by_all = options_.signatures->CheckFile(path_, outcome->revision);
  if (signed_by_all.ok()) return;
  outcome->loaded.diagnostics.push_back({SignatureFilePath(path_), 0, 0, "", std::string(signed_by_all.message())});
  outcome->loaded.policy = nullptr;
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
  // The active revision was checked when it activated.
  if (outcome.revision != outcome.previous_revision) CheckSignatures(&outcome);
  if (outcome.loaded.policy != nullptr && outcome.revision == outcome.previous_revision) {
    outcome.unchanged = true;
    Log(LogLevel::kInfo, "policy unchanged", {{"revision", outcome.revision}, {"trigger", TriggerName(trigger)}});
    v1::PolicyChange change = ChangeOf(outcome, trigger);
    change.set_policy_id(outcome.loaded.policy->policy().id());
    absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_RELOADED, change));
    if (!logged.ok()) Log(LogLevel::kError, "cannot record the reload", {{"error", std::string(logged.status().message())}});
  } else if (outcome.loaded.policy == nullptr || !Activate(&outcome, trigger)) {
    Reject(outcome, trigger);
  }
  if (!outcome.activated) {  // a SIGHUP or RPC also re-reads the cases
    const std::shared_ptr<const ActivePolicy> active = Active();
    if (active != nullptr) PublishCases(RefreshCases(*active, /*reread=*/true));
  }
  return outcome;
}

v1::PolicyChange PolicyHolder::ChangeOf(const ReloadOutcome& outcome, v1::PolicyTrigger trigger) const {
  v1::PolicyChange change;
  change.set_revision(outcome.revision);
  change.set_previous_revision(outcome.previous_revision);
  change.set_trigger(trigger);
  change.set_source_path(path_);
  return change;
}

bool PolicyHolder::Activate(ReloadOutcome* outcome, v1::PolicyTrigger trigger) {
  v1::PolicyChange change = ChangeOf(*outcome, trigger);
  change.set_policy_id(outcome->loaded.policy->policy().id());
  // The activation is recorded before any decision can cite the new revision.
  absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_ACTIVATED, change));
  if (!logged.ok()) {
    outcome->loaded.diagnostics.push_back(
        {path_, 0, 0, "", absl::StrCat("cannot record the activation: ", logged.status().message())});
    outcome->loaded.policy = nullptr;
    return false;
  }
  auto next = std::make_shared<ActivePolicy>();
  next->policy = outcome->loaded.policy;
  next->source_path = path_;
  next->revision = outcome->revision;
  next->loaded_at = clock_->Now();
  // Cases are checked against the approvers of the policy they will be used with.
  next->cases = RefreshCases(*next, /*reread=*/true);
  {
    absl::MutexLock lock(&mu_);
    active_ = std::move(next);
    last_rejection_.clear();
    last_rejected_at_ = absl::InfinitePast();
  }
  outcome->activated = true;
  Log(LogLevel::kInfo, "policy activated",
      {{"policy_id", change.policy_id()}, {"revision", outcome->revision},
       {"previous_revision", outcome->previous_revision}, {"trigger", TriggerName(trigger)},
       {"log_index", absl::StrCat(*logged)}});
  if (on_active_) on_active_();
  return true;
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
  v1::PolicyChange change = ChangeOf(outcome, trigger);
  change.set_rejection(reason);
  absl::StatusOr<int64_t> logged = log_->AppendAndWait(MakePolicyChangeRecord(v1::RECORD_KIND_POLICY_REJECTED, change));
  if (!logged.ok()) Log(LogLevel::kError, "cannot record the rejection", {{"error", std::string(logged.status().message())}});
}

void PolicyHolder::ReloadCases() {
  absl::MutexLock serialize(&reload_mu_);
  const std::shared_ptr<const ActivePolicy> active = Active();
  if (active != nullptr) PublishCases(RefreshCases(*active, /*reread=*/true));
}

void PolicyHolder::TickCases() {
  absl::MutexLock serialize(&reload_mu_);
  const std::shared_ptr<const ActivePolicy> active = Active();
  if (active == nullptr || options_.pseudonymizer == nullptr) return;
  // The set in effect changes only with a recorded change: most ticks stop here.
  if (journal_.Diff(cases_, clock_->Now(), active->revision, options_.pseudonymizer->key_id()).empty()) return;
  PublishCases(RefreshCases(*active, /*reread=*/false));
}

std::shared_ptr<const CaseIndex> PolicyHolder::RefreshCases(const ActivePolicy& active, bool reread) {
  if (options_.break_glass_path.empty() || options_.pseudonymizer == nullptr) return nullptr;
  const Pseudonymizer& pseudonymizer = *options_.pseudonymizer;
  if (reread) cases_ = LoadBreakGlassCases(options_.break_glass_path, *active.policy, pseudonymizer);
  const absl::Time now = clock_->Now();
  for (const BreakGlassJournal::Change& change : journal_.Diff(cases_, now, active.revision, pseudonymizer.key_id())) {
    if (change.record.kind() != v1::RECORD_KIND_UNSPECIFIED) {
      absl::StatusOr<int64_t> logged = log_->AppendAndWait(change.record);
      if (!logged.ok()) {  // not recorded, so not in effect; the next tick tries again
        Log(LogLevel::kError, "cannot record a break-glass change", {{"error", std::string(logged.status().message())}});
        continue;
      }
      Log(change.state == v1::BREAK_GLASS_STATE_REJECTED ? LogLevel::kWarn : LogLevel::kInfo, "break-glass case",
          {{"case", change.case_id}, {"note", change.record.note()}, {"log_index", absl::StrCat(*logged)}});
    }
    journal_.Apply(change);
  }
  std::vector<const LoadedCase*> in_effect;
  std::vector<v1::BreakGlassCaseStatus> status;
  for (const LoadedCase& c : cases_) {
    if (journal_.RecordedActive(c) && now < c.end) in_effect.push_back(&c);
    v1::BreakGlassCaseStatus* s = &status.emplace_back();
    s->set_case_id(c.case_id);
    s->set_file(c.file);
    s->set_state(journal_.StateOf(c, now));
    if (c.problem.empty()) {
      SetTime(c.start, s->mutable_start());
      SetTime(c.end, s->mutable_end());
    }
    s->set_problem(c.problem);
  }
  {
    absl::MutexLock lock(&mu_);
    case_status_ = std::move(status);
  }
  return in_effect.empty() ? nullptr : std::make_shared<const CaseIndex>(in_effect);
}

void PolicyHolder::PublishCases(std::shared_ptr<const CaseIndex> cases) {
  absl::MutexLock lock(&mu_);
  if (active_ == nullptr || (active_->cases == nullptr && cases == nullptr)) return;
  auto next = std::make_shared<ActivePolicy>(*active_);
  next->cases = std::move(cases);
  active_ = std::move(next);
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
  for (const v1::BreakGlassCaseStatus& c : case_status_) *status->add_break_glass_cases() = c;
}

}  // namespace grens::plugin

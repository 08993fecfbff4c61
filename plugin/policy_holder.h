#ifndef GRENS_PLUGIN_POLICY_HOLDER_H_
#define GRENS_PLUGIN_POLICY_HOLDER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grens/v1/audit_log.pb.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/policy_admin.pb.h"
#include "plugin/break_glass_cases.h"
#include "plugin/break_glass_journal.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "plugin/policy_signature.h"
#include "plugin/pseudonymizer.h"
#include "policy/compiled_policy.h"
#include "policy/policy_loader.h"

namespace grens::plugin {

// The policy in force, where it came from, and the break-glass cases in effect
// under it (checked against this policy's approvers). Immutable, so safe to share.
struct ActivePolicy {
  std::shared_ptr<const policy::CompiledPolicy> policy;
  std::string source_path;
  std::string revision;
  absl::Time loaded_at;
  // Null when no case is in effect.
  std::shared_ptr<const CaseIndex> cases;

  // The break-glass grants naming the event's subject, for Evaluate; valid
  // while this ActivePolicy lives.
  absl::Span<const policy::BreakGlassGrant> Grants(const v1::MonitoringEvent& event,
                                                   const Pseudonymizer& pseudonymizer) const {
    return cases == nullptr ? absl::Span<const policy::BreakGlassGrant>() : cases->GrantsFor(event, pseudonymizer);
  }
};

struct ReloadOutcome {
  bool activated = false;
  // The file's content equals the active policy: nothing to do.
  bool unchanged = false;
  std::string revision;
  std::string previous_revision;
  policy::LoadedPolicy loaded;
};

// What a holder checks beyond the policy file itself.
struct PolicyHolderOptions {
  // Keys whose signatures a policy needs before it activates; null: none.
  std::shared_ptr<const SignatureRequirement> signatures;
  // Break-glass case file or directory; "" for none.
  std::string break_glass_path;
  // Resolves case subjects to pseudonyms; required with break_glass_path,
  // borrowed, must outlive the holder.
  const Pseudonymizer* pseudonymizer = nullptr;
};

// The options `config` asks for: the require_signature_from keys (read now;
// errors name the file) and break_glass_path. `pseudonymizer` is borrowed.
absl::StatusOr<PolicyHolderOptions> MakePolicyHolderOptions(const v1::SidecarConfig& config,
                                                            const Pseudonymizer* pseudonymizer);

// Holds the active policy and swaps it atomically on reload: callers take a
// shared_ptr snapshot and evaluate against it, so no call ever sees half a
// policy. A file that fails validation, its own tests or a required signature
// never replaces a good one. Break-glass cases are checked against the policy
// they will be used with and swapped together with it. Every activation and
// rejection, and every change of a case, is written to the decision log before
// any decision can rely on it. Safe for concurrent use; reloads are serialized.
class PolicyHolder {
 public:
  // `log` and `clock` must outlive the holder. `on_active` is called (from the
  // reloading thread) after each activation.
  PolicyHolder(std::string path, DecisionLog* log, const Clock* clock, std::function<void()> on_active,
               PolicyHolderOptions options = {});
  PolicyHolder(const PolicyHolder&) = delete;
  PolicyHolder& operator=(const PolicyHolder&) = delete;

  // Reads, validates, tests, checks signatures of and (if all pass and it
  // differs) activates the file; then re-reads the break-glass cases. Blocks on
  // file I/O and the log commit: call it from a control thread, never from a
  // gRPC callback.
  ReloadOutcome Reload(v1::PolicyTrigger trigger);

  // Re-reads the break-glass cases against the active policy (file watch).
  // Blocks like Reload.
  void ReloadCases();

  // Records the activations and expiries that the clock has brought about since
  // the last call and publishes the result. Cheap when nothing changed; blocks
  // on the log commit when something did.
  void TickCases();

  // The active policy, or null before the first successful load. Cheap.
  std::shared_ptr<const ActivePolicy> Active() const;

  // Revision of the active policy ("" if none); what the file watcher compares with.
  std::string ActiveRevision() const;

  // Never blocks on a reload in progress.
  void FillStatus(v1::StatusResponse* status) const;
  const std::string& path() const { return path_; }

 private:
  void Reject(const ReloadOutcome& outcome, v1::PolicyTrigger trigger);
  // The policy-change record's facts every kind shares: revisions, trigger, source.
  v1::PolicyChange ChangeOf(const ReloadOutcome& outcome, v1::PolicyTrigger trigger) const;
  void CheckSignatures(ReloadOutcome* outcome) const;
  bool Activate(ReloadOutcome* outcome, v1::PolicyTrigger trigger) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // Brings the cases up to date for `active` (re-reading the files when
  // `reread`), records what changed, and returns the index of the cases whose
  // activation is recorded. Publishes nothing.
  std::shared_ptr<const CaseIndex> RefreshCases(const ActivePolicy& active, bool reread)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);
  // Swaps in the active policy with `cases`.
  void PublishCases(std::shared_ptr<const CaseIndex> cases) ABSL_EXCLUSIVE_LOCKS_REQUIRED(reload_mu_);

  const std::string path_;
  DecisionLog* const log_;
  const Clock* const clock_;
  const std::function<void()> on_active_;
  const PolicyHolderOptions options_;

  absl::Mutex reload_mu_;  // serializes reloads; held across the file read and log commit
  std::vector<LoadedCase> cases_ ABSL_GUARDED_BY(reload_mu_);
  BreakGlassJournal journal_ ABSL_GUARDED_BY(reload_mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<const ActivePolicy> active_ ABSL_GUARDED_BY(mu_);
  int64_t reloads_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_rejected_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string last_rejection_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::BreakGlassCaseStatus> case_status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POLICY_HOLDER_H_

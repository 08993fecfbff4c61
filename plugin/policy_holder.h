#ifndef GRENS_PLUGIN_POLICY_HOLDER_H_
#define GRENS_PLUGIN_POLICY_HOLDER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "grens/v1/policy_admin.pb.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "policy/compiled_policy.h"
#include "policy/policy_loader.h"

namespace grens::plugin {

// The policy in force and where it came from. Immutable, so safe to share.
struct ActivePolicy {
  std::shared_ptr<const policy::CompiledPolicy> policy;
  std::string source_path;
  std::string revision;
  absl::Time loaded_at;
};

struct ReloadOutcome {
  bool activated = false;
  // The file's content equals the active policy: nothing to do.
  bool unchanged = false;
  std::string revision;
  std::string previous_revision;
  policy::LoadedPolicy loaded;
};

// Holds the active policy and swaps it atomically on reload: callers take a
// shared_ptr snapshot and evaluate against it, so no call ever sees half a
// policy. A file that fails validation or its own tests never replaces a good
// one. Every activation and rejection is written to the decision log. Safe for
// concurrent use; reloads are serialized.
class PolicyHolder {
 public:
  // `log` and `clock` must outlive the holder. `on_active` is called (from the
  // reloading thread) after each activation.
  PolicyHolder(std::string path, DecisionLog* log, const Clock* clock, std::function<void()> on_active);
  PolicyHolder(const PolicyHolder&) = delete;
  PolicyHolder& operator=(const PolicyHolder&) = delete;

  // Reads, validates, tests and (if all pass and it differs) activates the file.
  // Blocks on file I/O and the log commit: call it from a control thread, never
  // from a gRPC callback.
  ReloadOutcome Reload(v1::PolicyTrigger trigger);

  // The active policy, or null before the first successful load. Cheap.
  std::shared_ptr<const ActivePolicy> Active() const;

  // Revision of the active policy ("" if none); what the file watcher compares with.
  std::string ActiveRevision() const;

  void FillStatus(v1::StatusResponse* status) const;
  const std::string& path() const { return path_; }

 private:
  void Reject(const ReloadOutcome& outcome, v1::PolicyTrigger trigger);

  const std::string path_;
  DecisionLog* const log_;
  const Clock* const clock_;
  const std::function<void()> on_active_;

  absl::Mutex reload_mu_;  // serializes reloads; held across the file read and log commit

  mutable absl::Mutex mu_;
  std::shared_ptr<const ActivePolicy> active_ ABSL_GUARDED_BY(mu_);
  int64_t reloads_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rejected_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time last_rejected_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::string last_rejection_ ABSL_GUARDED_BY(mu_);
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POLICY_HOLDER_H_

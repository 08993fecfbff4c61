#ifndef GRENS_PLUGIN_BREAK_GLASS_CASES_H_
#define GRENS_PLUGIN_BREAK_GLASS_CASES_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grens/v1/event.pb.h"
#include "policy/compiled_policy.h"
#include "plugin/pseudonymizer.h"

namespace grens::plugin {

// One break-glass case file as grensd read it: valid (its grant may take
// effect in its window) or rejected with the reason. A plain value.
struct LoadedCase {
  std::string file;
  // SHA-256 (hex) of the file's bytes: a changed file is a new case version.
  std::string file_revision;
  std::string case_id;
  absl::Time start = absl::InfinitePast();
  absl::Time end = absl::InfinitePast();
  std::vector<std::string> categories;
  // The subjects as pseudonyms (ids are pseudonymised on loading).
  std::vector<std::string> pseudonyms;
  // Approvers whose signatures verified.
  std::vector<std::string> approvers;
  // Why the case is rejected; empty when it is valid.
  std::string problem;
  policy::BreakGlassGrant grant;
};

// Reads the case file at `path`, or every case file (*.yaml, *.yml, *.json,
// *.textproto, *.txtpb, *.pbtxt; not hidden) in the directory `path`, sorted by
// name. Each is checked against `policy` (policy::CheckBreakGlassCase), its
// approvals are verified with the approvers' keys from the agreement (a case
// needs valid signatures by enough distinct keys, and no invalid one), and its
// subjects are resolved to pseudonyms with `pseudonymizer`. A missing path
// yields no cases. Only reads files.
std::vector<LoadedCase> LoadBreakGlassCases(const std::string& path, const policy::CompiledPolicy& policy,
                                            const Pseudonymizer& pseudonymizer);

// One case file (see LoadBreakGlassCases).
LoadedCase LoadBreakGlassCase(const std::string& path, const policy::CompiledPolicy& policy,
                              const Pseudonymizer& pseudonymizer);

// The grants of the cases in effect, indexed by subject pseudonym for the
// decision path. Immutable, so safe to share between threads.
class CaseIndex {
 public:
  // `cases` are borrowed for the call only.
  explicit CaseIndex(const std::vector<const LoadedCase*>& cases);

  // The grants that name the event's subject (one HMAC and one look-up; nothing
  // when the index is empty). Valid while the index lives.
  absl::Span<const policy::BreakGlassGrant> GrantsFor(const v1::MonitoringEvent& event,
                                                      const Pseudonymizer& pseudonymizer) const;
  bool empty() const { return by_pseudonym_.empty(); }

 private:
  absl::flat_hash_map<std::string, std::vector<policy::BreakGlassGrant>> by_pseudonym_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_BREAK_GLASS_CASES_H_

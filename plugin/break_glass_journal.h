#ifndef GRENS_PLUGIN_BREAK_GLASS_JOURNAL_H_
#define GRENS_PLUGIN_BREAK_GLASS_JOURNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "grens/v1/policy_admin.pb.h"
#include "plugin/break_glass_cases.h"

namespace grens::plugin {

// Where a case stands at a moment. A valid case is scheduled before its start,
// active in [start, end), expired from its end; an invalid one is rejected.
v1::BreakGlassState CaseStateAt(const LoadedCase& c, absl::Time now);

// What the decision log has been told about each case file version, so that
// the works council reads each scheduling, activation, expiry, rejection and
// withdrawal exactly once (RECORD_KIND_BREAK_GLASS records). The holder logs a
// change before it lets any decision rely on it: a case takes effect only once
// its activation is recorded. External synchronization required.
class BreakGlassJournal {
 public:
  struct Change {
    std::string key;
    std::string case_id;
    // The state now recorded; nullopt: the file is gone and forgotten.
    std::optional<v1::BreakGlassState> state;
    // The record to append; kind UNSPECIFIED when there is nothing to tell.
    v1::LogRecord record;
  };

  // The changes between what was recorded and `cases` at `now`. Records carry
  // the case id, the active policy revision and a note with the event
  // ("activated", ...), the window, categories, subject pseudonyms (key id
  // `pseudonym_key_id`), approvers and the file.
  std::vector<Change> Diff(const std::vector<LoadedCase>& cases, absl::Time now, const std::string& policy_revision,
                           const std::string& pseudonym_key_id) const;
  // Marks `change` as told.
  void Apply(const Change& change);

  // Whether the activation of `c` has been recorded (and no later change).
  bool RecordedActive(const LoadedCase& c) const;
  // The recorded state of `c`, or what it is at `now` if nothing was recorded yet.
  v1::BreakGlassState StateOf(const LoadedCase& c, absl::Time now) const;

 private:
  struct Entry {
    v1::BreakGlassState state;
    std::string case_id;
  };
  absl::flat_hash_map<std::string, Entry> recorded_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_BREAK_GLASS_JOURNAL_H_

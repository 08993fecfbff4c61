#include "plugin/break_glass_journal.h"

#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace grens::plugin {
namespace {

std::string Key(const LoadedCase& c) { return absl::StrCat(c.file, "\x1f", c.file_revision); }

std::string FileOf(const std::string& key) { return key.substr(0, key.find('\x1f')); }

std::string Time(absl::Time t) { return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", t, absl::UTCTimeZone()); }

bool InForce(v1::BreakGlassState s) {
  return s == v1::BREAK_GLASS_STATE_SCHEDULED || s == v1::BREAK_GLASS_STATE_ACTIVE;
}

// The word for a change from `before` (if recorded) to `now`.
std::string EventName(std::optional<v1::BreakGlassState> before, v1::BreakGlassState now) {
  switch (now) {
    case v1::BREAK_GLASS_STATE_SCHEDULED: return "scheduled";
    case v1::BREAK_GLASS_STATE_ACTIVE: return "activated";
    case v1::BREAK_GLASS_STATE_EXPIRED:
      return before == v1::BREAK_GLASS_STATE_ACTIVE ? "expired" : "expired (never in effect)";
    case v1::BREAK_GLASS_STATE_REJECTED: return before && InForce(*before) ? "withdrawn" : "rejected";
    default: return "unknown";
  }
}

v1::LogRecord Record(const LoadedCase& c, const std::string& event, const std::string& policy_revision,
                     const std::string& key_id) {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_BREAK_GLASS);
  r.set_break_glass_case(c.case_id);
  r.set_policy_revision(policy_revision);
  std::string note = absl::StrCat(event, ": case ", c.case_id.empty() ? "(unreadable)" : c.case_id);
  if (c.problem.empty()) {
    absl::StrAppend(&note, ", ", Time(c.start), " to ", Time(c.end), ", categories ", absl::StrJoin(c.categories, ","),
                    ", subjects ", absl::StrJoin(c.pseudonyms, ","), ", approved by ", absl::StrJoin(c.approvers, ", "));
    r.set_pseudonym_key_id(key_id);
  } else {
    absl::StrAppend(&note, ": ", c.problem);
  }
  absl::StrAppend(&note, "; file ", c.file, " sha256 ", c.file_revision);
  r.set_note(std::move(note));
  return r;
}

}  // namespace

v1::BreakGlassState CaseStateAt(const LoadedCase& c, absl::Time now) {
  if (!c.problem.empty()) return v1::BREAK_GLASS_STATE_REJECTED;
  if (now < c.start) return v1::BREAK_GLASS_STATE_SCHEDULED;
  if (now < c.end) return v1::BREAK_GLASS_STATE_ACTIVE;
  return v1::BREAK_GLASS_STATE_EXPIRED;
}

std::vector<BreakGlassJournal::Change> BreakGlassJournal::Diff(const std::vector<LoadedCase>& cases, absl::Time now,
                                                               const std::string& policy_revision,
                                                               const std::string& pseudonym_key_id) const {
  std::vector<Change> changes;
  absl::flat_hash_set<std::string> present;
  for (const LoadedCase& c : cases) {
    const std::string key = Key(c);
    present.insert(key);
    const v1::BreakGlassState state = CaseStateAt(c, now);
    auto it = recorded_.find(key);
    const std::optional<v1::BreakGlassState> before =
        it == recorded_.end() ? std::nullopt : std::optional<v1::BreakGlassState>(it->second.state);
    if (before == state) continue;
    changes.push_back({key, c.case_id, state, Record(c, EventName(before, state), policy_revision, pseudonym_key_id)});
  }
  for (const auto& [key, entry] : recorded_) {
    if (present.contains(key)) continue;
    Change gone{key, entry.case_id, std::nullopt, v1::LogRecord()};
    if (InForce(entry.state)) {
      LoadedCase removed;
      removed.case_id = entry.case_id;
      removed.file = FileOf(key);
      removed.file_revision = key.substr(key.find('\x1f') + 1);
      removed.problem = "the case file was removed or changed";
      gone.record = Record(removed, "withdrawn", policy_revision, pseudonym_key_id);
    }
    changes.push_back(std::move(gone));
  }
  return changes;
}

void BreakGlassJournal::Apply(const Change& change) {
  if (change.state) {
    recorded_[change.key] = {*change.state, change.case_id};
  } else {
    recorded_.erase(change.key);
  }
}

bool BreakGlassJournal::RecordedActive(const LoadedCase& c) const {
  auto it = recorded_.find(Key(c));
  return it != recorded_.end() && it->second.state == v1::BREAK_GLASS_STATE_ACTIVE;
}

v1::BreakGlassState BreakGlassJournal::StateOf(const LoadedCase& c, absl::Time now) const {
  auto it = recorded_.find(Key(c));
  return it != recorded_.end() ? it->second.state : CaseStateAt(c, now);
}

}  // namespace grens::plugin

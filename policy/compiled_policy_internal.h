#ifndef GRENS_POLICY_COMPILED_POLICY_INTERNAL_H_
#define GRENS_POLICY_COMPILED_POLICY_INTERNAL_H_

// The compiled form of a policy, shared by compiled_policy.cc (validation and
// compilation) and evaluator.cc (evaluation and explanation). Not part of the
// public surface: include policy/compiled_policy.h instead.

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/policy.pb.h"
#include "policy/calendar.h"
#include "policy/compiled_policy.h"
#include "policy/redaction.h"
#include "re2/set.h"

namespace grens::policy {

// Named groups are bits of a mask: at most this many per policy.
inline constexpr int kMaxGroups = 64;
inline constexpr int kCategoryCount = v1::Category_ARRAYSIZE;

// A reason precomputed at compile time, copied into decisions as is.
struct ReasonTemplate {
  std::string clause_id;
  std::string rule_id;
  std::string message;
};

struct CompiledRule {
  ReasonTemplate reason;
  bool deny = false;
  // Match conditions; empty vectors and zero masks mean "any".
  uint32_t category_mask = 0;  // bit per v1::Category
  std::vector<std::string> platforms;
  std::vector<std::string> collectors;
  std::vector<std::string> purposes;
  uint32_t granularity_mask = 0;  // bit per v1::Granularity (UNSPECIFIED read as INDIVIDUAL)
  uint32_t visibility_mask = 0;
  uint64_t groups = 0;
  uint64_t not_groups = 0;
  v1::WorkingTime working_time = v1::WORKING_TIME_UNSPECIFIED;
  std::vector<std::pair<std::string, std::string>> attributes;
  // Obligations of an allow rule.
  std::optional<absl::Duration> max_retention;
  bool pseudonymise = false;
  bool human_review = false;
  bool drop_content = false;
  int min_group_size = 0;
  uint64_t redactions = 0;  // bit per redaction pattern index
};

struct CompiledExemption {
  ReasonTemplate reason;
  uint64_t groups = 0;
};

struct CompiledCap {
  ReasonTemplate reason;  // message used when a request is clamped or refused
  uint32_t category_mask = 0;
  absl::Duration max;
  bool deny_above = false;
};

struct CompiledBan {
  ReasonTemplate reason;
  uint32_t category_mask = 0;
};

struct CalendarBinding {
  std::unique_ptr<const Calendar> calendar;
  uint64_t groups = 0;  // subjects in any of these groups use this calendar
};

struct CompiledPolicyImpl {
  v1::Policy policy;
  std::string revision;

  // The agreement is in force in [in_force_from, in_force_until) (UTC days).
  absl::Time in_force_from = absl::InfinitePast();
  absl::Time in_force_until = absl::InfiniteFuture();
  v1::Effect default_effect = v1::EFFECT_DENY;
  ReasonTemplate default_reason;
  ReasonTemplate not_in_force_reason;
  ReasonTemplate unspecified_reason;
  ReasonTemplate unregistered_collector_reason;

  std::vector<std::string> group_names;
  // All group patterns; set_group[i] is the group of pattern i. Null if no groups.
  std::unique_ptr<RE2::Set> group_set;
  std::vector<int> set_group;

  std::vector<CalendarBinding> calendars;  // file order: the first match wins
  int default_calendar = -1;

  absl::flat_hash_set<std::string> collectors;
  bool collectors_restricted = false;

  std::vector<CompiledBan> bans;
  std::vector<CompiledExemption> exemptions;
  std::vector<CompiledCap> caps;
  std::vector<CompiledRule> rules;
  // Rule indices per category, in file order (a rule without categories is in all).
  std::array<std::vector<int>, kCategoryCount> rules_by_category;
  // Every redaction pattern rules ask for, in application order; a rule's
  // `redactions` bit i is pattern i of this set.
  std::unique_ptr<const RedactionSet> redaction;

  // Break-glass (R11): whether the agreement allows cases at all, which
  // categories they may unlock (0 = any not banned), and the clause they cite.
  bool break_glass = false;
  uint32_t break_glass_categories = 0;
  ReasonTemplate break_glass_reason;

  // The bitmask of named groups the subject belongs to.
  uint64_t SubjectGroups(const v1::Subject& subject) const;
  // The calendar a subject with these groups works by, or null if there is none.
  const Calendar* CalendarFor(uint64_t groups) const;
};

inline uint32_t Bit(int value) { return value >= 0 && value < 32 ? (1u << value) : 0u; }

}  // namespace grens::policy

#endif  // GRENS_POLICY_COMPILED_POLICY_INTERNAL_H_

// Validation and compilation of a policy into CompiledPolicyImpl. Evaluation
// lives in evaluator.cc.

#include "policy/compiled_policy.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/break_glass.h"
#include "policy/compiled_policy_internal.h"
#include "policy/durations.h"

namespace grens::policy {
namespace {

using google::protobuf::RepeatedField;
using google::protobuf::RepeatedPtrField;

// Walks a v1::Policy once, checking every rule of the schema and building the
// compiled form. Collects all problems instead of stopping at the first.
class Compiler {
 public:
  Compiler(const v1::Policy& policy, std::vector<Diagnostic>* diagnostics)
      : policy_(policy), diagnostics_(diagnostics) {}

  std::unique_ptr<CompiledPolicyImpl> Run() {
    const size_t before = diagnostics_->size();
    impl_ = std::make_unique<CompiledPolicyImpl>();
    impl_->policy = policy_;
    CompileHeader();
    CompileGroups();
    CompilePatterns();
    CompileCalendars();
    CompileCollectors();
    CompileBansAndExemptions();
    CompileCaps();
    CompileRules();
    CompileBreakGlass();
    if (diagnostics_->size() != before) return nullptr;
    return std::move(impl_);
  }

 private:
  void Error(std::string path, std::string message) {
    diagnostics_->push_back({"", 0, 0, std::move(path), std::move(message)});
  }
  ReasonTemplate Reason(const std::string& clause, const std::string& id, const std::string& message) {
    return {clause, id, message};
  }
  void CheckClause(const std::string& clause, const std::string& path, bool required = true);
  std::string ClauseOrDefault(const std::string& clause) const {
    return clause.empty() ? policy_.default_clause() : clause;
  }
  uint64_t GroupMask(const RepeatedPtrField<std::string>& names, const std::string& path);
  uint32_t CategoryMask(const RepeatedField<int>& categories, const std::string& path, bool required);
  std::optional<absl::Duration> Duration(const std::string& text, const std::string& path);
  std::optional<absl::CivilDay> Date(const std::string& text, const std::string& path);

  void CompileHeader();
  void CompileGroups();
  void CompilePatterns();
  void CompileCalendars();
  void CompileCollectors();
  void CompileBansAndExemptions();
  void CompileCaps();
  void CompileRules();
  void CompileBreakGlass();
  void CompileMatch(const v1::Match& match, const std::string& path, CompiledRule* rule);
  void CompileObligations(const v1::RuleObligations& o, const std::string& path, CompiledRule* rule);

  const v1::Policy& policy_;
  std::vector<Diagnostic>* diagnostics_;
  std::unique_ptr<CompiledPolicyImpl> impl_;
  absl::flat_hash_set<std::string> clauses_;
  absl::flat_hash_map<std::string, int> group_index_;
  absl::flat_hash_map<std::string, int> pattern_index_;
};

void Compiler::CheckClause(const std::string& clause, const std::string& path, bool required) {
  if (clause.empty()) {
    if (required) Error(path, "every rule must cite the clause of the agreement it implements");
    return;
  }
  if (!clauses_.contains(clause)) Error(path, absl::StrCat("clause '", clause, "' is not defined in clauses"));
}

uint64_t Compiler::GroupMask(const RepeatedPtrField<std::string>& names, const std::string& path) {
  uint64_t mask = 0;
  for (int i = 0; i < names.size(); ++i) {
    auto it = group_index_.find(names[i]);
    if (it == group_index_.end()) {
      Error(absl::StrCat(path, "[", i, "]"), absl::StrCat("group '", names[i], "' is not defined in groups"));
      continue;
    }
    mask |= uint64_t{1} << it->second;
  }
  return mask;
}

uint32_t Compiler::CategoryMask(const RepeatedField<int>& categories, const std::string& path, bool required) {
  uint32_t mask = 0;
  for (int i = 0; i < categories.size(); ++i) {
    const int c = categories[i];
    if (c <= v1::CATEGORY_UNSPECIFIED || !v1::Category_IsValid(c)) {
      Error(absl::StrCat(path, "[", i, "]"), absl::StrCat("unknown category (value ", c, ")"));
      continue;
    }
    mask |= Bit(c);
  }
  if (required && categories.empty()) Error(path, "needs at least one category");
  return mask;
}

std::optional<absl::Duration> Compiler::Duration(const std::string& text, const std::string& path) {
  absl::StatusOr<absl::Duration> d = ParseAgreementDuration(text);
  if (!d.ok()) {
    Error(path, std::string(d.status().message()));
    return std::nullopt;
  }
  return *d;
}

std::optional<absl::CivilDay> Compiler::Date(const std::string& text, const std::string& path) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) {
    Error(path, std::string(day.status().message()));
    return std::nullopt;
  }
  return *day;
}

void Compiler::CompileHeader() {
  if (policy_.id().empty()) Error("id", "the agreement needs an id");
  if (policy_.clauses().empty()) Error("clauses", "the agreement needs at least one clause");
  for (int i = 0; i < policy_.clauses_size(); ++i) {
    const std::string& id = policy_.clauses(i).id();
    const std::string path = absl::StrCat("clauses[", i, "].id");
    if (id.empty()) Error(path, "clause without id");
    else if (!clauses_.insert(id).second) Error(path, absl::StrCat("duplicate clause id '", id, "'"));
  }
  const std::optional<absl::CivilDay> from = Date(policy_.effective_from(), "effective_from");
  const std::optional<absl::CivilDay> until = Date(policy_.effective_until(), "effective_until");
  if (from && until && *from > *until) Error("effective_until", "the agreement ends before it starts");
  if (from) impl_->in_force_from = absl::FromCivil(*from, absl::UTCTimeZone());
  if (until) impl_->in_force_until = absl::FromCivil(*until + 1, absl::UTCTimeZone());
  CheckClause(policy_.default_clause(), "default_clause", /*required=*/false);
  CheckClause(policy_.collectors_clause(), "collectors_clause", /*required=*/false);
  const v1::Effect effect = policy_.default_effect();
  if (effect == v1::EFFECT_ALLOW_WITH_OBLIGATIONS) {
    Error("default_effect", "the default can be ALLOW or DENY, not ALLOW_WITH_OBLIGATIONS");
  }
  impl_->default_effect = effect == v1::EFFECT_ALLOW ? v1::EFFECT_ALLOW : v1::EFFECT_DENY;
  const std::string& clause = policy_.default_clause();
  impl_->default_reason = Reason(clause, "grens:default",
                                 impl_->default_effect == v1::EFFECT_DENY
                                     ? "not covered by the agreement: what was not agreed was not consented to"
                                     : "not covered by any rule; the agreement allows by default");
  impl_->not_in_force_reason = Reason(clause, "grens:not-in-force", "the agreement is not in force at this time");
  impl_->unspecified_reason = Reason(clause, "grens:unspecified-category",
                                     "the event has no recognised category");
  impl_->unregistered_collector_reason =
      Reason(ClauseOrDefault(policy_.collectors_clause()), "grens:unregistered-collector",
             "the collector is not registered in the agreement");
}

void Compiler::CompileGroups() {
  if (policy_.groups().empty()) return;
  RE2::Options options;
  options.set_log_errors(false);
  impl_->group_set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  for (int i = 0; i < policy_.groups_size(); ++i) {
    const v1::Group& g = policy_.groups(i);
    const std::string path = absl::StrCat("groups[", i, "]");
    if (g.name().empty()) Error(path + ".name", "group without name");
    if (group_index_.contains(g.name())) Error(path + ".name", absl::StrCat("duplicate group '", g.name(), "'"));
    if (static_cast<int>(impl_->group_names.size()) == kMaxGroups) {
      Error(path, absl::StrCat("at most ", kMaxGroups, " groups are supported"));
      return;
    }
    group_index_.emplace(g.name(), static_cast<int>(impl_->group_names.size()));
    impl_->group_names.push_back(g.name());
    if (g.patterns().empty()) Error(path + ".patterns", "group needs at least one pattern");
    for (int j = 0; j < g.patterns_size(); ++j) {
      std::string error;
      if (impl_->group_set->Add(re2::StringPiece(g.patterns(j)), &error) < 0) {
        Error(absl::StrCat(path, ".patterns[", j, "]"),
              absl::StrCat("invalid RE2 pattern '", g.patterns(j), "': ", error));
        continue;
      }
      impl_->set_group.push_back(group_index_[g.name()]);
    }
  }
  if (!impl_->set_group.empty() && !impl_->group_set->Compile()) {
    Error("groups", "the group patterns are too large to compile together");
  }
}

void Compiler::CompilePatterns() {
  std::vector<std::unique_ptr<const RedactionPattern>> patterns;
  for (int i = 0; i < policy_.redaction_patterns_size(); ++i) {
    const v1::RedactionPattern& p = policy_.redaction_patterns(i);
    const std::string path = absl::StrCat("redaction_patterns[", i, "]");
    if (p.name().empty()) Error(path + ".name", "pattern without name");
    if (pattern_index_.contains(p.name())) {
      Error(path + ".name", absl::StrCat("duplicate redaction pattern '", p.name(), "'"));
      continue;
    }
    std::unique_ptr<const RedactionPattern> compiled = RedactionPattern::Compile(p, path, diagnostics_);
    // A pattern that does not compile stays known (index -1) so that rules
    // naming it are not also reported as naming an undefined pattern.
    pattern_index_.emplace(p.name(), compiled == nullptr ? -1 : static_cast<int>(patterns.size()));
    if (compiled != nullptr) patterns.push_back(std::move(compiled));
  }
  // Built-ins that rules name without defining them come after, in catalogue order.
  absl::flat_hash_set<std::string> wanted;
  for (const v1::Rule& r : policy_.rules()) {
    for (const std::string& name : r.obligations().redact()) {
      if (!pattern_index_.contains(name)) wanted.insert(name);
    }
  }
  for (const BuiltinPattern& b : BuiltinRedactionPatterns()) {
    if (!wanted.contains(b.name)) continue;
    pattern_index_.emplace(b.name, static_cast<int>(patterns.size()));
    patterns.push_back(RedactionPattern::Builtin(b.name));
  }
  absl::StatusOr<std::unique_ptr<const RedactionSet>> set = RedactionSet::Build(std::move(patterns));
  if (!set.ok()) {
    Error("redaction_patterns", std::string(set.status().message()));
    return;
  }
  impl_->redaction = std::move(*set);
}

void Compiler::CompileCalendars() {
  absl::flat_hash_set<std::string> names;
  for (int i = 0; i < policy_.calendars_size(); ++i) {
    const v1::Calendar& c = policy_.calendars(i);
    const std::string path = absl::StrCat("calendars[", i, "]");
    if (c.name().empty()) Error(path + ".name", "calendar without name");
    if (!names.insert(c.name()).second) Error(path + ".name", absl::StrCat("duplicate calendar '", c.name(), "'"));
    CalendarBinding binding;
    binding.calendar = Calendar::Compile(c, path, diagnostics_);
    binding.groups = GroupMask(c.groups(), path + ".groups");
    if (c.name() == policy_.default_calendar()) impl_->default_calendar = i;
    impl_->calendars.push_back(std::move(binding));
  }
  if (!policy_.default_calendar().empty() && impl_->default_calendar < 0) {
    Error("default_calendar", absl::StrCat("calendar '", policy_.default_calendar(), "' is not defined in calendars"));
  }
  if (policy_.default_calendar().empty() && impl_->calendars.size() == 1) impl_->default_calendar = 0;
}

void Compiler::CompileCollectors() {
  for (int i = 0; i < policy_.collectors_size(); ++i) {
    const std::string& id = policy_.collectors(i).id();
    const std::string path = absl::StrCat("collectors[", i, "].id");
    if (id.empty()) Error(path, "collector without id");
    else if (!impl_->collectors.insert(id).second) Error(path, absl::StrCat("duplicate collector '", id, "'"));
  }
  impl_->collectors_restricted = !policy_.collectors().empty();
}

void Compiler::CompileBansAndExemptions() {
  for (int i = 0; i < policy_.bans_size(); ++i) {
    const v1::AbsoluteBan& b = policy_.bans(i);
    const std::string path = absl::StrCat("bans[", i, "]");
    CheckClause(b.clause(), path + ".clause");
    impl_->bans.push_back({Reason(b.clause(), b.id().empty() ? "ban" : b.id(),
                                  b.message().empty() ? "banned by the agreement" : b.message()),
                           CategoryMask(b.categories(), path + ".categories", true)});
  }
  for (int i = 0; i < policy_.exemptions_size(); ++i) {
    const v1::Exemption& e = policy_.exemptions(i);
    const std::string path = absl::StrCat("exemptions[", i, "]");
    CheckClause(e.clause(), path + ".clause");
    if (e.groups().empty()) Error(path + ".groups", "exemption needs at least one group");
    impl_->exemptions.push_back({Reason(e.clause(), e.id().empty() ? "exemption" : e.id(),
                                        e.message().empty() ? "the subject is exempt from monitoring" : e.message()),
                                 GroupMask(e.groups(), path + ".groups")});
  }
}

void Compiler::CompileCaps() {
  for (int i = 0; i < policy_.retention_caps_size(); ++i) {
    const v1::RetentionCap& c = policy_.retention_caps(i);
    const std::string path = absl::StrCat("retention_caps[", i, "]");
    CheckClause(c.clause(), path + ".clause");
    CompiledCap cap;
    cap.category_mask = CategoryMask(c.categories(), path + ".categories", true);
    std::optional<absl::Duration> max = Duration(c.max(), path + ".max");
    cap.max = max.value_or(absl::ZeroDuration());
    cap.deny_above = c.on_exceed() == v1::CAP_ACTION_DENY;
    const std::string shown = FormatAgreementDuration(cap.max);
    cap.reason = Reason(c.clause(), c.id().empty() ? "retention-cap" : c.id(),
                        cap.deny_above ? absl::StrCat("requested retention exceeds the ", shown, " cap")
                                       : absl::StrCat("retention clamped to the ", shown, " cap"));
    impl_->caps.push_back(std::move(cap));
  }
}

void Compiler::CompileMatch(const v1::Match& m, const std::string& path, CompiledRule* rule) {
  rule->category_mask = CategoryMask(m.categories(), path + ".categories", false);
  rule->platforms.assign(m.platforms().begin(), m.platforms().end());
  rule->collectors.assign(m.collectors().begin(), m.collectors().end());
  rule->purposes.assign(m.purposes().begin(), m.purposes().end());
  for (int i = 0; i < m.granularities_size(); ++i) {
    int g = m.granularities(i);
    if (g == v1::GRANULARITY_UNSPECIFIED || !v1::Granularity_IsValid(g)) {
      Error(absl::StrCat(path, ".granularities[", i, "]"), "unknown granularity");
    }
    rule->granularity_mask |= Bit(g);
  }
  for (int v : m.visibilities()) rule->visibility_mask |= Bit(v);
  rule->groups = GroupMask(m.groups(), path + ".groups");
  rule->not_groups = GroupMask(m.not_groups(), path + ".not_groups");
  rule->working_time = m.working_time();
  if (rule->working_time != v1::WORKING_TIME_UNSPECIFIED && impl_->calendars.empty()) {
    Error(path + ".working_time", "working_time needs at least one calendar");
  }
  for (const auto& [key, value] : m.attributes()) rule->attributes.emplace_back(key, value);
}

void Compiler::CompileObligations(const v1::RuleObligations& o, const std::string& path, CompiledRule* rule) {
  if (!o.max_retention().empty()) rule->max_retention = Duration(o.max_retention(), path + ".max_retention");
  rule->pseudonymise = o.pseudonymise();
  rule->human_review = o.human_review();
  rule->drop_content = o.drop_content();
  if (o.min_group_size() < 0) Error(path + ".min_group_size", "must not be negative");
  rule->min_group_size = o.min_group_size();
  for (int i = 0; i < o.redact_size(); ++i) {
    auto it = pattern_index_.find(o.redact(i));
    if (it == pattern_index_.end()) {
      std::vector<std::string> builtins;
      for (const BuiltinPattern& b : BuiltinRedactionPatterns()) builtins.push_back(b.name);
      Error(absl::StrCat(path, ".redact[", i, "]"),
            absl::StrCat("redaction pattern '", o.redact(i),
                         "' is neither defined in redaction_patterns nor built in (",
                         absl::StrJoin(builtins, ", "), ")"));
      continue;
    }
    if (it->second >= 0) rule->redactions |= uint64_t{1} << it->second;
  }
}

void Compiler::CompileRules() {
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < policy_.rules_size(); ++i) {
    const v1::Rule& r = policy_.rules(i);
    const std::string path = absl::StrCat("rules[", i, "]");
    if (r.id().empty()) Error(path + ".id", "rule without id");
    else if (!ids.insert(r.id()).second) Error(path + ".id", absl::StrCat("duplicate rule id '", r.id(), "'"));
    CheckClause(r.clause(), path + ".clause");
    if (r.effect() == v1::RULE_EFFECT_UNSPECIFIED) Error(path + ".effect", "effect must be ALLOW or DENY");
    CompiledRule rule;
    rule.deny = r.effect() == v1::RULE_EFFECT_DENY;
    std::string message = r.message().empty() ? r.description() : r.message();
    if (message.empty()) message = rule.deny ? "denied by the agreement" : "allowed by the agreement";
    rule.reason = Reason(r.clause(), r.id(), message);
    CompileMatch(r.match(), path + ".match", &rule);
    CompileObligations(r.obligations(), path + ".obligations", &rule);
    const int index = static_cast<int>(impl_->rules.size());
    for (int c = 1; c < kCategoryCount; ++c) {
      if (rule.category_mask == 0 || (rule.category_mask & Bit(c))) impl_->rules_by_category[c].push_back(index);
    }
    impl_->rules.push_back(std::move(rule));
  }
}

void Compiler::CompileBreakGlass() {
  if (!policy_.has_break_glass()) return;
  const v1::BreakGlass& b = policy_.break_glass();
  CheckBreakGlassClause(policy_, diagnostics_);
  if (!b.clause().empty()) CheckClause(b.clause(), "break_glass.clause");
  impl_->break_glass = true;
  impl_->break_glass_categories = CategoryMask(b.categories(), "break_glass.categories", false);
  impl_->break_glass_reason = Reason(b.clause(), "grens:break-glass", "authorised by a break-glass case");
}

}  // namespace

uint64_t CompiledPolicyImpl::SubjectGroups(const v1::Subject& subject) const {
  if (group_set == nullptr || set_group.empty()) return 0;
  uint64_t mask = 0;
  std::vector<int> matched;
  for (const std::string& g : subject.groups()) {
    matched.clear();
    if (!group_set->Match(re2::StringPiece(g), &matched)) continue;
    for (int pattern : matched) mask |= uint64_t{1} << set_group[pattern];
  }
  return mask;
}

const Calendar* CompiledPolicyImpl::CalendarFor(uint64_t groups) const {
  for (const CalendarBinding& b : calendars) {
    if (b.groups & groups) return b.calendar.get();
  }
  return default_calendar >= 0 ? calendars[default_calendar].calendar.get() : nullptr;
}

CompiledPolicy::CompiledPolicy(std::unique_ptr<CompiledPolicyImpl> impl) : impl_(std::move(impl)) {}
CompiledPolicy::~CompiledPolicy() = default;

absl::StatusOr<std::unique_ptr<const CompiledPolicy>> CompiledPolicy::Compile(
    const v1::Policy& policy, std::string revision, const SourceMap* positions,
    absl::string_view filename, std::vector<Diagnostic>* diagnostics) {
  const size_t before = diagnostics->size();
  std::unique_ptr<CompiledPolicyImpl> impl = Compiler(policy, diagnostics).Run();
  for (size_t i = before; i < diagnostics->size(); ++i) {
    Diagnostic& d = (*diagnostics)[i];
    if (d.file.empty()) d.file = std::string(filename);
    if (positions != nullptr) positions->Locate(&d);
  }
  if (impl == nullptr) {
    return DiagnosticsToStatus({diagnostics->begin() + before, diagnostics->end()});
  }
  impl->revision = std::move(revision);
  return std::unique_ptr<const CompiledPolicy>(new CompiledPolicy(std::move(impl)));
}

const v1::Policy& CompiledPolicy::policy() const { return impl_->policy; }
const std::string& CompiledPolicy::revision() const { return impl_->revision; }

}  // namespace grens::policy

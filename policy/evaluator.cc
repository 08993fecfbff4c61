// CompiledPolicy::Evaluate and Explain: one pass over the compiled policy in the
// order DESIGN.md fixes (in force, category, bans, exemptions, registered
// collectors, rules, break-glass, retention caps, group size, default). Explain
// runs the same pass with a trace so the two can never disagree.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/compiled_policy.h"
#include "policy/compiled_policy_internal.h"
#include "policy/durations.h"
#include "policy/names.h"

namespace grens::policy {
namespace {

using Impl = CompiledPolicyImpl;

std::string MaskNames(uint32_t mask, std::string (*name)(int)) {
  std::vector<std::string> names;
  for (int i = 0; i < 32; ++i) {
    if (mask & Bit(i)) names.push_back(name(i));
  }
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

std::string GranularityName(int g) {
  std::string name = v1::Granularity_Name(static_cast<v1::Granularity>(g));
  return name.rfind("GRANULARITY_", 0) == 0 ? name.substr(12) : name;
}

std::string GroupNames(const Impl& impl, uint64_t mask) {
  std::vector<std::string> names;
  for (size_t i = 0; i < impl.group_names.size(); ++i) {
    if (mask & (uint64_t{1} << i)) names.push_back(impl.group_names[i]);
  }
  return absl::StrCat("[", absl::StrJoin(names, ", "), "]");
}

void SetDuration(absl::Duration d, google::protobuf::Duration* out) {
  out->set_seconds(absl::ToInt64Seconds(d));
  out->set_nanos(0);
}

void SetTimestamp(absl::Time t, google::protobuf::Timestamp* out) {
  out->set_seconds(absl::ToUnixSeconds(t));
  out->set_nanos(0);
}

// What the evaluation knows about an event, computed once.
class Facts {
 public:
  Facts(const Impl& impl, const v1::MonitoringEvent& event)
      : impl_(impl),
        event_(event),
        category_(event.category()),
        groups_(impl.SubjectGroups(event.subject())),
        granularity_(event.granularity() == v1::GRANULARITY_UNSPECIFIED ? v1::GRANULARITY_INDIVIDUAL
                                                                        : event.granularity()) {}

  const v1::MonitoringEvent& event() const { return event_; }
  int category() const { return category_; }
  uint64_t groups() const { return groups_; }
  int granularity() const { return granularity_; }

  // Working time in the subject's calendar, computed on first use. An event
  // without a time, or a subject without a calendar, is outside (strictest).
  bool InWorkingTime() const {
    if (working_ < 0) {
      const Calendar* calendar = impl_.CalendarFor(groups_);
      working_ = calendar != nullptr && event_.has_occurred_at() &&
                         calendar->InWorkingTime(ToTime(event_.occurred_at()))
                     ? 1
                     : 0;
    }
    return working_ == 1;
  }
  std::string DescribeTime() const {
    const Calendar* calendar = impl_.CalendarFor(groups_);
    if (calendar == nullptr) return "no calendar applies to the subject";
    if (!event_.has_occurred_at()) return "the event has no time";
    return absl::StrCat(calendar->DescribeLocal(ToTime(event_.occurred_at())), " in calendar ",
                        calendar->name());
  }

 private:
  const Impl& impl_;
  const v1::MonitoringEvent& event_;
  int category_;
  uint64_t groups_;
  int granularity_;
  mutable int working_ = -1;
};

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Whether `rule` matches; when it does not and `why` is set, says which
// condition failed first.
// Whether `rule` matches; when it does not and `why` is set, says which
// condition failed first.
bool RuleMatches(const Impl& impl, const CompiledRule& rule, const Facts& f, std::string* why) {
  const v1::MonitoringEvent& e = f.event();
  // The explanation is built only when asked for: this runs for every rule
  // of every evaluation, and formatting a time or joining names would cost
  // more than the matching itself.
  auto fail = [why](auto explain) {
    if (why != nullptr) *why = explain();
    return false;
  };
  if (rule.category_mask != 0 && !(rule.category_mask & Bit(f.category()))) {
    return fail([&] {
      return absl::StrCat("category ", CategoryName(f.category()), " not in ",
                          MaskNames(rule.category_mask, CategoryName));
    });
  }
  if (!rule.platforms.empty() && !Contains(rule.platforms, e.platform())) {
    return fail([&] {
      return absl::StrCat("platform '", e.platform(), "' not in [", absl::StrJoin(rule.platforms, ", "), "]");
    });
  }
  if (!rule.collectors.empty() && !Contains(rule.collectors, e.collector())) {
    return fail([&] {
      return absl::StrCat("collector '", e.collector(), "' not in [", absl::StrJoin(rule.collectors, ", "), "]");
    });
  }
  if (!rule.purposes.empty() && !Contains(rule.purposes, e.purpose())) {
    return fail(
        [&] { return absl::StrCat("purpose '", e.purpose(), "' not in [", absl::StrJoin(rule.purposes, ", "), "]"); });
  }
  if (rule.granularity_mask != 0 && !(rule.granularity_mask & Bit(f.granularity()))) {
    return fail([&] {
      return absl::StrCat("granularity ", GranularityName(f.granularity()), " not in ",
                          MaskNames(rule.granularity_mask, GranularityName));
    });
  }
  if (rule.visibility_mask != 0 && !(rule.visibility_mask & Bit(e.visibility()))) {
    return fail([&] { return absl::StrCat("visibility ", v1::Visibility_Name(e.visibility()), " not allowed"); });
  }
  if (rule.groups != 0 && !(rule.groups & f.groups())) {
    return fail([&] { return absl::StrCat("subject in none of the groups ", GroupNames(impl, rule.groups)); });
  }
  if (rule.not_groups & f.groups()) {
    return fail([&] { return absl::StrCat("subject is in ", GroupNames(impl, rule.not_groups & f.groups())); });
  }
  for (const auto& attribute : rule.attributes) {  // not a structured binding: lambdas capture it
    auto it = e.attributes().find(attribute.first);
    if (it == e.attributes().end() || it->second != attribute.second) {
      return fail([&] { return absl::StrCat("attribute ", attribute.first, " is not '", attribute.second, "'"); });
    }
  }
  if (rule.working_time == v1::WORKING_TIME_INSIDE && !f.InWorkingTime()) {
    return fail([&] { return absl::StrCat("outside working time: ", f.DescribeTime()); });
  }
  if (rule.working_time == v1::WORKING_TIME_OUTSIDE && f.InWorkingTime()) {
    return fail([&] { return absl::StrCat("inside working time: ", f.DescribeTime()); });
  }
  if (why != nullptr) {
    *why = rule.working_time == v1::WORKING_TIME_UNSPECIFIED ? "all conditions hold"
                                                             : absl::StrCat("all conditions hold; ", f.DescribeTime());
  }
  return true;
}

void AddReason(const ReasonTemplate& t, v1::Effect effect, v1::Decision* d) {
  v1::Reason* r = d->add_reasons();
  r->set_clause_id(t.clause_id);
  r->set_rule_id(t.rule_id);
  r->set_message(t.message);
  r->set_effect(effect);
}

// Records a trace entry; `explain` (returning the explanation text) runs only
// when a trace is wanted, so evaluation never pays for the formatting.
template <typename Explain>
void Trace(std::vector<RuleTrace>* trace, const ReasonTemplate& t, bool matched, Explain explain) {
  if (trace != nullptr) trace->push_back({t.rule_id, t.clause_id, matched, explain()});
}

// What the matching allow rules ask for, merged to the strictest.
struct Merged {
  std::optional<absl::Duration> max_retention;
  bool pseudonymise = false;
  bool human_review = false;
  bool drop_content = false;
  int min_group_size = 0;
  const CompiledRule* group_size_rule = nullptr;
  uint64_t redactions = 0;

  void Add(const CompiledRule& r) {
    if (r.max_retention && (!max_retention || *r.max_retention < *max_retention)) max_retention = r.max_retention;
    pseudonymise |= r.pseudonymise;
    human_review |= r.human_review;
    drop_content |= r.drop_content;
    redactions |= r.redactions;
    if (r.min_group_size > min_group_size) {
      min_group_size = r.min_group_size;
      group_size_rule = &r;
    }
  }
};

// The evaluation proper. Returns early on the first denying stage unless a
// trace is wanted, in which case every stage is traced.
class Judge {
 public:
  Judge(const Impl& impl, const v1::MonitoringEvent& event, absl::Time now,
        absl::Span<const BreakGlassGrant> grants, v1::Decision* d, std::vector<RuleTrace>* trace)
      : impl_(impl), event_(event), now_(now), grants_(grants), d_(d), trace_(trace), facts_(impl, event) {}

  void Run() {
    Start();
    // Denials no break-glass case can lift: not in force, no category, bans,
    // exemptions, unregistered collectors.
    bool final_denial = false;
    if (trace_ != nullptr) {
      // With a trace every stage runs (a braced list evaluates left to right),
      // so explain shows them all; the decision is the same either way.
      const bool stages[] = {CheckInForce(), CheckCategory(), CheckBans(), CheckExemptions(), CheckCollector()};
      (void)stages;
      final_denial = denied_;
    } else if (CheckInForce() || CheckCategory() || CheckBans() || CheckExemptions() || CheckCollector()) {
      return Deny();
    }
    Merged merged;
    const bool allowed = MatchRules(&merged);
    const bool refused = denied_ || (!allowed && impl_.default_effect == v1::EFFECT_DENY);
    if (refused && !grants_.empty()) {
      const BreakGlassGrant* grant = FindGrant();
      if (grant != nullptr && !final_denial) return AllowUnderCase(*grant);
    }
    if (denied_) return Deny();
    if (!allowed) return ApplyDefault();
    if (CheckCaps(merged) || CheckGroupSize(merged)) return Deny();
    if (denied_) return Deny();
    Allow(merged);
  }

  // For what no event describes: only the agreement's term and its default.
  void RunDefault() {
    Start();
    if (CheckInForce()) return Deny();
    ApplyDefault();
  }

 private:
  void Start() {
    d_->Clear();
    d_->set_event_id(event_.id());
    d_->set_policy_id(impl_.policy.id());
    d_->set_policy_revision(impl_.revision);
  }

  bool Denying(const ReasonTemplate& t) {
    if (!denied_) d_->clear_reasons();
    denied_ = true;
    AddReason(t, v1::EFFECT_DENY, d_);
    return true;
  }
  void Deny() {
    d_->set_effect(v1::EFFECT_DENY);
    d_->clear_obligations();
    d_->clear_transformed_event();
  }

  bool CheckInForce() {
    const bool in_force = now_ >= impl_.in_force_from && now_ < impl_.in_force_until;
    Trace(trace_, impl_.not_in_force_reason, !in_force, [&] {
      return absl::StrCat(in_force ? "in force at " : "not in force at ", absl::FormatTime(now_), " (from ",
                          impl_.policy.effective_from().empty() ? "always" : impl_.policy.effective_from(),
                          " until ",
                          impl_.policy.effective_until().empty() ? "further notice" : impl_.policy.effective_until(),
                          ")");
    });
    return !in_force && Denying(impl_.not_in_force_reason);
  }

  bool CheckCategory() {
    const bool unspecified = facts_.category() <= v1::CATEGORY_UNSPECIFIED || facts_.category() >= kCategoryCount;
    Trace(trace_, impl_.unspecified_reason, unspecified, [&] { return std::string(unspecified ? "the event has no category: always denied"
                      : absl::StrCat("category ", CategoryName(facts_.category()))); });
    return unspecified && Denying(impl_.unspecified_reason);
  }

  bool CheckBans() {
    bool banned = false;
    for (const CompiledBan& ban : impl_.bans) {
      const bool hit = (ban.category_mask & Bit(facts_.category())) != 0;
      Trace(trace_, ban.reason, hit, [&] { return std::string(absl::StrCat("category ", CategoryName(facts_.category()), hit ? " is banned" : " is not among ",
                         hit ? "" : MaskNames(ban.category_mask, CategoryName))); });
      if (hit) banned = Denying(ban.reason);
    }
    return banned;
  }

  bool CheckExemptions() {
    bool exempt = false;
    for (const CompiledExemption& e : impl_.exemptions) {
      const uint64_t hit = e.groups & facts_.groups();
      Trace(trace_, e.reason, hit != 0, [&] { return std::string(hit ? absl::StrCat("subject is in ", GroupNames(impl_, hit))
                : absl::StrCat("subject is in none of ", GroupNames(impl_, e.groups))); });
      if (hit) exempt = Denying(e.reason);
    }
    return exempt;
  }

  bool CheckCollector() {
    const bool unregistered = impl_.collectors_restricted && !impl_.collectors.contains(event_.collector());
    if (impl_.collectors_restricted) {
      Trace(trace_, impl_.unregistered_collector_reason, unregistered, [&] { return std::string(absl::StrCat("collector '", event_.collector(), unregistered ? "' is not registered" : "' is registered")); });
    }
    return unregistered && Denying(impl_.unregistered_collector_reason);
  }

  // Returns whether any allow rule matched; deny rules set denied_.
  bool MatchRules(Merged* merged) {
    bool allowed = false;
    const int category = facts_.category() > 0 && facts_.category() < kCategoryCount ? facts_.category() : 0;
    std::string why;
    std::string* explain = trace_ != nullptr ? &why : nullptr;
    if (trace_ != nullptr) {  // Explain every rule; evaluation looks only at the category's.
      for (const CompiledRule& rule : impl_.rules) {
        const bool matched = RuleMatches(impl_, rule, facts_, explain);
        Trace(trace_, rule.reason, matched, [&] { return std::string(why); });
      }
    }
    for (int index : impl_.rules_by_category[category]) {
      const CompiledRule& rule = impl_.rules[index];
      if (!RuleMatches(impl_, rule, facts_, nullptr)) continue;
      if (rule.deny) {
        Denying(rule.reason);
      } else if (!denied_) {
        allowed = true;
        merged->Add(rule);
        AddReason(rule.reason, v1::EFFECT_ALLOW, d_);
      }
    }
    return allowed;
  }

  void ApplyDefault() {
    Trace(trace_, impl_.default_reason, true, [&] { return std::string("no allow rule matched"); });
    if (impl_.default_effect == v1::EFFECT_DENY) {
      Denying(impl_.default_reason);
      return Deny();
    }
    AddReason(impl_.default_reason, v1::EFFECT_ALLOW, d_);
    Allow(Merged());
  }

  // Applies the category's retention caps to what the rules and the request
  // allow; returns true if a cap refuses the request. An unset request means "as
  // long as allowed": the cap then simply becomes the obligation.
  bool CheckCaps(const Merged& merged) {
    const bool requested = event_.has_requested_retention();
    const absl::Duration request = absl::Seconds(event_.requested_retention().seconds());
    granted_ = merged.max_retention;
    limited_ = merged.max_retention.has_value();
    if (requested && (!granted_ || request < *granted_)) granted_ = request;
    bool refused = false;
    for (const CompiledCap& cap : impl_.caps) {
      if (!(cap.category_mask & Bit(facts_.category()))) continue;
      limited_ = true;
      const bool exceeds = requested && request > cap.max;
      Trace(trace_, cap.reason, exceeds, [&] { return std::string(absl::StrCat("cap ", FormatAgreementDuration(cap.max), ", requested ",
                         requested ? FormatAgreementDuration(request) : "as long as allowed")); });
      if (exceeds && cap.deny_above) {
        refused = Denying(cap.reason);
        continue;
      }
      if (exceeds) AddReason(cap.reason, v1::EFFECT_ALLOW_WITH_OBLIGATIONS, d_);
      granted_ = granted_ ? std::min(*granted_, cap.max) : cap.max;
    }
    return refused;
  }

  bool CheckGroupSize(const Merged& merged) {
    if (merged.min_group_size <= 0) return false;
    const bool aggregate = facts_.granularity() == v1::GRANULARITY_AGGREGATE;
    const bool too_small = !aggregate || event_.group_size() < merged.min_group_size;
    if (!too_small && trace_ == nullptr) return false;
    ReasonTemplate reason{merged.group_size_rule->reason.clause_id, "grens:min-group-size",
                          aggregate ? absl::StrCat("aggregate about ", event_.group_size(),
                                                   " people; the agreement requires at least ", merged.min_group_size)
                                    : absl::StrCat("only aggregates about at least ", merged.min_group_size,
                                                   " people are agreed")};
    Trace(trace_, reason, too_small, [&] { return std::string(reason.message); });
    return too_small && Denying(reason);
  }

  enum class GrantState { kApplies, kOtherCategory, kNotAllowed, kNotYet, kExpired, kNoClause };

  GrantState StateOf(const BreakGlassGrant& g) const {
    const uint32_t bit = Bit(facts_.category());
    if (!impl_.break_glass) return GrantState::kNoClause;
    if (!(g.category_mask & bit)) return GrantState::kOtherCategory;
    if (impl_.break_glass_categories != 0 && !(impl_.break_glass_categories & bit)) return GrantState::kNotAllowed;
    if (now_ < g.start) return GrantState::kNotYet;
    if (now_ >= g.end) return GrantState::kExpired;
    return GrantState::kApplies;
  }

  std::string Describe(const BreakGlassGrant& g, GrantState state) const {
    const std::string category = CategoryName(facts_.category());
    switch (state) {
      case GrantState::kApplies:
        return absl::StrCat("case ", g.case_id, " covers ", category, " until ", absl::FormatTime(g.end));
      case GrantState::kOtherCategory: return absl::StrCat("case ", g.case_id, " does not cover ", category);
      case GrantState::kNotAllowed:
        return absl::StrCat("case ", g.case_id, ": the clause does not allow break-glass for ", category);
      case GrantState::kNotYet:
        return absl::StrCat("case ", g.case_id, " is not in effect before ", absl::FormatTime(g.start));
      case GrantState::kExpired: return absl::StrCat("case ", g.case_id, " expired at ", absl::FormatTime(g.end));
      case GrantState::kNoClause: return absl::StrCat("case ", g.case_id, ": the agreement has no break-glass clause");
    }
    return "";
  }

  // The first grant in effect for this event's category at now_, or null.
  const BreakGlassGrant* FindGrant() {
    const BreakGlassGrant* found = nullptr;
    for (const BreakGlassGrant& g : grants_) {
      const GrantState state = StateOf(g);
      Trace(trace_, impl_.break_glass_reason, state == GrantState::kApplies, [&] { return Describe(g, state); });
      if (state == GrantState::kApplies && found == nullptr) found = &g;
      if (found != nullptr && trace_ == nullptr) break;
    }
    return found;
  }

  // The case lifts a denial by rules or by the default. The case is cited
  // first, then what it overrode (with the effect those reasons argued for), so
  // the works council sees both. Retention caps still apply; rule obligations do
  // not, as no rule allowed the event.
  void AllowUnderCase(const BreakGlassGrant& grant) {
    google::protobuf::RepeatedPtrField<v1::Reason> overridden;
    overridden.Swap(d_->mutable_reasons());
    denied_ = false;
    ReasonTemplate cited = impl_.break_glass_reason;
    cited.message = absl::StrCat("authorised by break-glass case ", grant.case_id);
    AddReason(cited, v1::EFFECT_ALLOW_WITH_OBLIGATIONS, d_);
    if (overridden.empty()) AddReason(impl_.default_reason, v1::EFFECT_DENY, d_);
    for (v1::Reason& r : overridden) *d_->add_reasons() = std::move(r);
    const Merged none;
    if (CheckCaps(none)) return Deny();
    d_->mutable_obligations()->set_break_glass_case(grant.case_id);
    Allow(none);
  }

  void Allow(const Merged& merged) {
    v1::Obligations* o = d_->mutable_obligations();
    if (limited_ && granted_) {
      o->set_retention_limited(true);
      SetDuration(*granted_, o->mutable_max_retention());
      const absl::Time from = event_.has_occurred_at() ? ToTime(event_.occurred_at()) : now_;
      SetTimestamp(from + *granted_, o->mutable_retain_until());
    }
    o->set_pseudonymise(merged.pseudonymise);
    o->set_human_review(merged.human_review);
    o->set_min_group_size(merged.min_group_size);
    // The event is copied only when the collector must keep something other
    // than what it sent (the plugin swaps in the subject's pseudonym).
    if (merged.drop_content || merged.pseudonymise || (merged.redactions != 0 && event_.content_size() > 0)) {
      v1::MonitoringEvent* out = d_->mutable_transformed_event();
      *out = event_;
      if (merged.drop_content) out->clear_content();
      ApplyRedactions(merged.redactions, out, o);
      // Nothing to redact and nothing else to change: the event may be kept as sent.
      if (!merged.drop_content && !merged.pseudonymise && o->redactions_applied().empty()) {
        d_->clear_transformed_event();
      }
    }
    const bool obligations = o->retention_limited() || o->pseudonymise() || o->human_review() ||
                             o->min_group_size() > 0 || merged.drop_content || !o->redactions_applied().empty() ||
                             !o->break_glass_case().empty();
    d_->set_effect(obligations ? v1::EFFECT_ALLOW_WITH_OBLIGATIONS : v1::EFFECT_ALLOW);
    if (!obligations) d_->clear_obligations();
  }

  void ApplyRedactions(uint64_t mask, v1::MonitoringEvent* out, v1::Obligations* o) {
    if (mask == 0 || impl_.redaction == nullptr) return;
    uint64_t fired = 0;
    for (v1::ContentField& field : *out->mutable_content()) fired |= impl_.redaction->Apply(mask, field.mutable_text());
    for (int p = 0; fired != 0 && p < impl_.redaction->size(); ++p) {
      if (fired & (uint64_t{1} << p)) o->add_redactions_applied(impl_.redaction->pattern(p).name());
    }
  }

  const Impl& impl_;
  const v1::MonitoringEvent& event_;
  const absl::Time now_;
  const absl::Span<const BreakGlassGrant> grants_;
  v1::Decision* d_;
  std::vector<RuleTrace>* trace_;
  Facts facts_;
  bool denied_ = false;
  bool limited_ = false;
  std::optional<absl::Duration> granted_;
};

}  // namespace

void CompiledPolicy::Evaluate(const v1::MonitoringEvent& event, absl::Time now,
                              absl::Span<const BreakGlassGrant> grants, v1::Decision* decision) const {
  Judge(*impl_, event, now, grants, decision, nullptr).Run();
}

v1::Decision CompiledPolicy::Evaluate(const v1::MonitoringEvent& event, absl::Time now,
                                      absl::Span<const BreakGlassGrant> grants) const {
  v1::Decision decision;
  Evaluate(event, now, grants, &decision);
  return decision;
}

void CompiledPolicy::EvaluateDefault(const v1::MonitoringEvent& event, absl::Time now, v1::Decision* decision) const {
  Judge(*impl_, event, now, {}, decision, nullptr).RunDefault();
}

std::vector<RuleTrace> CompiledPolicy::Explain(const v1::MonitoringEvent& event, absl::Time now,
                                               absl::Span<const BreakGlassGrant> grants) const {
  std::vector<RuleTrace> trace;
  v1::Decision decision;
  Judge(*impl_, event, now, grants, &decision, &trace).Run();
  return trace;
}

}  // namespace grens::policy

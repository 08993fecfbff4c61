#ifndef GRENS_POLICY_COMPILED_POLICY_H_
#define GRENS_POLICY_COMPILED_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/policy.pb.h"
#include "policy/diagnostic.h"
#include "policy/yaml_proto.h"

namespace grens::policy {

// How one rule, exemption, ban, cap or built-in check related to an event, for
// `grensctl policy explain`.
struct RuleTrace {
  std::string rule_id;
  std::string clause_id;
  bool matched = false;
  // Why it matched, or the first condition that did not ("category SCREENSHOT
  // not in [PRESENCE]", "outside working time in calendar nl-office").
  std::string explanation;
};

// A break-glass case (R11) as the engine sees it while judging one event: the
// caller has checked the case against the agreement (CheckBreakGlassCase in
// policy/break_glass.h) and its approvers' signatures, and found that it names
// the event's subject. A plain value.
struct BreakGlassGrant {
  std::string case_id;
  uint32_t category_mask = 0;  // bit (1 << v1::Category) per category the case unlocks
  // In effect from start (inclusive) until end (exclusive).
  absl::Time start = absl::InfiniteFuture();
  absl::Time end = absl::InfinitePast();
};

// The compiled form, defined in policy/compiled_policy_internal.h.
struct CompiledPolicyImpl;

// An agreement validated and compiled for evaluation: calendars resolved to
// loaded time zones, group patterns compiled into one RE2::Set, rules indexed by
// category, durations parsed. Immutable, so safe to share between threads;
// hold it as std::shared_ptr<const CompiledPolicy> and swap the pointer to reload.
class CompiledPolicy {
 public:
  CompiledPolicy(const CompiledPolicy&) = delete;
  CompiledPolicy& operator=(const CompiledPolicy&) = delete;
  ~CompiledPolicy();

  // Validates `policy` and compiles it. On success the result carries
  // `revision` (sha256 of the source file). On failure returns InvalidArgument
  // and appends every problem to `diagnostics` (never null), with its field path,
  // located through `positions` (may be null) when known. Nothing is kept on failure.
  static absl::StatusOr<std::unique_ptr<const CompiledPolicy>> Compile(
      const v1::Policy& policy, std::string revision, const SourceMap* positions,
      absl::string_view filename, std::vector<Diagnostic>* diagnostics);

  // Judges `event` at the injected clock `now` and writes the decision into
  // `decision` (cleared first): effect, reasons citing clauses, obligations,
  // transformed event (allowed events only: redacted or dropped content),
  // event_id, policy id and revision. decision_id and log_index are left for the
  // caller. Pure: no I/O, no locks, no allocation beyond the decision itself.
  //
  // `grants` are the break-glass cases that name the event's subject. One that
  // is in effect at `now` and covers the category turns a denial by a rule or by
  // the default into ALLOW_WITH_OBLIGATIONS citing the agreement's break-glass
  // clause, with Obligations.break_glass_case set. It never overrides the
  // agreement being out of force, an unknown category, a ban (R3), an
  // exemption (R10), an unregistered collector or a retention cap.
  void Evaluate(const v1::MonitoringEvent& event, absl::Time now, absl::Span<const BreakGlassGrant> grants,
                v1::Decision* decision) const;
  void Evaluate(const v1::MonitoringEvent& event, absl::Time now, v1::Decision* decision) const {
    Evaluate(event, now, {}, decision);
  }
  v1::Decision Evaluate(const v1::MonitoringEvent& event, absl::Time now,
                        absl::Span<const BreakGlassGrant> grants = {}) const;

  // The agreement's answer to something it does not describe at all, such as
  // an HTTP call that no ext_authz route maps to an event: denied citing the
  // in-force clause outside the agreement's term, else the default effect
  // citing the default clause. Rules, bans and checks that need a category or
  // a subject do not apply. `event` supplies only the ids for the decision.
  // Same contract as Evaluate otherwise.
  void EvaluateDefault(const v1::MonitoringEvent& event, absl::Time now, v1::Decision* decision) const;

  // One trace per rule, exemption, ban, cap and built-in check (and break-glass
  // grant), in evaluation order.
  std::vector<RuleTrace> Explain(const v1::MonitoringEvent& event, absl::Time now,
                                 absl::Span<const BreakGlassGrant> grants = {}) const;

  const v1::Policy& policy() const;
  const std::string& revision() const;

 private:
  explicit CompiledPolicy(std::unique_ptr<CompiledPolicyImpl> impl);
  std::unique_ptr<CompiledPolicyImpl> impl_;
};

}  // namespace grens::policy

#endif  // GRENS_POLICY_COMPILED_POLICY_H_

// How rules combine: deny overrides allow, obligations merge to the strictest,
// defaults, exemptions, registered collectors, retention caps, group sizes,
// redaction and the agreement's period of validity.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/policy_testing.h"

namespace grens::policy {
namespace {

using ::grens::testing::At;
using ::grens::testing::CompileYaml;
using ::grens::testing::Event;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kPolicy[] = R"(id: eval
effective_from: "2026-01-01"
effective_until: "2026-12-31"
default_clause: "D"
collectors_clause: "C"
clauses: [{id: "A"}, {id: "B"}, {id: "C"}, {id: "D"}, {id: "X"}, {id: "K"}, {id: "R"}]
groups:
  - {name: council, patterns: ["works-council"]}
collectors: [{id: c}, {id: reports}, {id: archive}]
exemptions: [{clause: "X", groups: [council]}]
retention_caps:
  - {clause: "K", categories: [ATTENDANCE], max: "30d"}
  - {clause: "K", categories: [MESSAGE_CONTENT], max: "90d", on_exceed: DENY}
redaction_patterns:
  - {name: bsn, pattern: "\\b[0-9]{9}\\b", checksum: bsn11}
  - {name: iban, pattern: "\\b[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}\\b", checksum: iban_mod97}
  - {name: email, pattern: "[a-z]+@[a-z]+\\.[a-z]+", replacement: "<mail>"}
rules:
  - {id: a1, clause: "A", effect: ALLOW, match: {categories: [ATTENDANCE]}, obligations: {max_retention: "20d"}}
  - {id: a2, clause: "B", effect: ALLOW, match: {categories: [ATTENDANCE], purposes: [p]},
     obligations: {max_retention: "10d", pseudonymise: true, min_group_size: 0}}
  - {id: b1, clause: "B", effect: DENY, match: {categories: [ATTENDANCE], purposes: [appraisal]}}
  - {id: plain, clause: "A", effect: ALLOW, match: {categories: [CALL_QUALITY]}}
  - {id: agg, clause: "A", effect: ALLOW, match: {categories: [USAGE_ANALYTICS], collectors: [reports]},
     obligations: {min_group_size: 5}}
  - {id: agg2, clause: "B", effect: ALLOW, match: {categories: [USAGE_ANALYTICS]}, obligations: {min_group_size: 8}}
  - {id: hold, clause: "R", effect: ALLOW, match: {categories: [MESSAGE_CONTENT]},
     obligations: {redact: [bsn, iban, email], human_review: true}}
  - {id: meta, clause: "R", effect: ALLOW, match: {categories: [MESSAGE_METADATA]}, obligations: {drop_content: true}}
)";

class EvaluatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto compiled = CompileYaml(kPolicy);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    policy_ = std::move(*compiled);
  }
  v1::Decision Judge(const v1::MonitoringEvent& e) const {
    return policy_->Evaluate(e, At("2026-03-10T09:00:00Z"));
  }
  static std::vector<std::string> Clauses(const v1::Decision& d) {
    std::vector<std::string> out;
    for (const auto& r : d.reasons()) out.push_back(r.clause_id());
    return out;
  }
  std::unique_ptr<const CompiledPolicy> policy_;
};

TEST_F(EvaluatorTest, ObligationsMergeToTheStrictest) {
  const v1::Decision d = Judge(Event(v1::CATEGORY_ATTENDANCE, "2026-03-10T09:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_THAT(Clauses(d), ElementsAre("A", "B"));
  EXPECT_EQ(d.obligations().max_retention().seconds(), 10 * 86400);
  EXPECT_TRUE(d.obligations().pseudonymise());
  EXPECT_EQ(d.obligations().retain_until().seconds(), absl::ToUnixSeconds(At("2026-03-20T09:00:00Z")));
  EXPECT_EQ(d.policy_revision(), "test-revision");
  EXPECT_EQ(d.event_id(), "e");
}

TEST_F(EvaluatorTest, DenyOverridesAllow) {
  const v1::Decision d = Judge(Event(v1::CATEGORY_ATTENDANCE, "2026-03-10T09:00:00Z", "c", "appraisal"));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_THAT(Clauses(d), ElementsAre("B"));
  EXPECT_FALSE(d.has_obligations());
  EXPECT_FALSE(d.has_transformed_event());
}

TEST_F(EvaluatorTest, APlainAllowHasNoObligations) {
  const v1::Decision d = Judge(Event(v1::CATEGORY_CALL_QUALITY, "2026-03-10T09:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW);
  EXPECT_FALSE(d.obligations().retention_limited());
}

TEST_F(EvaluatorTest, DefaultDenyCitesTheDefaultClause) {
  const v1::Decision d = Judge(Event(v1::CATEGORY_LOCATION, "2026-03-10T09:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  ASSERT_EQ(d.reasons_size(), 1);
  EXPECT_EQ(d.reasons(0).clause_id(), "D");
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:default");
}

TEST_F(EvaluatorTest, DefaultAllowWhenTheAgreementSaysSo) {
  auto open = CompileYaml("id: o\ndefault_effect: ALLOW\ndefault_clause: \"1\"\nclauses: [{id: \"1\"}]\n");
  ASSERT_TRUE(open.ok());
  const v1::Decision d = (*open)->Evaluate(Event(v1::CATEGORY_LOCATION, "2026-03-10T09:00:00Z"), At("2026-03-10T09:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW);
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:default");
  // UNSPECIFIED is denied even then.
  const v1::Decision u = (*open)->Evaluate(Event(v1::CATEGORY_UNSPECIFIED, "2026-03-10T09:00:00Z"), At("2026-03-10T09:00:00Z"));
  EXPECT_EQ(u.effect(), v1::EFFECT_DENY);
}

TEST_F(EvaluatorTest, EvaluateDefaultAnswersForWhatNoEventDescribes) {
  // An unrouted ext_authz call: no category, no subject, an unregistered collector.
  v1::MonitoringEvent e;
  e.set_id("call-1");
  e.set_collector("unregistered");
  v1::Decision d;
  policy_->EvaluateDefault(e, At("2026-03-10T09:00:00Z"), &d);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  ASSERT_EQ(d.reasons_size(), 1);
  EXPECT_EQ(d.reasons(0).clause_id(), "D");
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:default");
  EXPECT_EQ(d.event_id(), "call-1");
  EXPECT_EQ(d.policy_id(), "eval");
  policy_->EvaluateDefault(e, At("2027-01-01T00:00:00Z"), &d);
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:not-in-force");
  auto open = CompileYaml("id: o\ndefault_effect: ALLOW\ndefault_clause: \"1\"\nclauses: [{id: \"1\"}]\n");
  ASSERT_TRUE(open.ok());
  (*open)->EvaluateDefault(e, At("2026-03-10T09:00:00Z"), &d);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW);
  EXPECT_EQ(d.reasons(0).clause_id(), "1");
  EXPECT_FALSE(d.has_obligations());
}

TEST_F(EvaluatorTest, ExemptionsOverrideEveryAllow) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_CALL_QUALITY, "2026-03-10T09:00:00Z");
  e.mutable_subject()->add_groups("works-council");
  const v1::Decision d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_THAT(Clauses(d), ElementsAre("X"));
}

TEST_F(EvaluatorTest, UnregisteredCollectorsHaveTheirOwnReason) {
  const v1::Decision d = Judge(Event(v1::CATEGORY_CALL_QUALITY, "2026-03-10T09:00:00Z", "bossware"));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:unregistered-collector");
  EXPECT_EQ(d.reasons(0).clause_id(), "C");
}

TEST_F(EvaluatorTest, RetentionAboveTheCapIsClampedOrRefused) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_ATTENDANCE, "2026-03-10T09:00:00Z", "c", "other");
  e.mutable_requested_retention()->set_seconds(365 * 86400);
  v1::Decision d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().max_retention().seconds(), 20 * 86400);  // rule a1 is stricter than the cap
  EXPECT_THAT(Clauses(d), ElementsAre("A", "K"));

  e.mutable_requested_retention()->set_seconds(5 * 86400);  // below everything: granted as asked
  d = Judge(e);
  EXPECT_EQ(d.obligations().max_retention().seconds(), 5 * 86400);
  EXPECT_THAT(Clauses(d), ElementsAre("A"));

  v1::MonitoringEvent m = Event(v1::CATEGORY_MESSAGE_CONTENT, "2026-03-10T09:00:00Z", "archive");
  m.mutable_requested_retention()->set_seconds(91 * 86400);
  d = Judge(m);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_THAT(Clauses(d), ElementsAre("K"));
  m.clear_requested_retention();  // "as long as allowed": the cap is the obligation
  d = Judge(m);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().max_retention().seconds(), 90 * 86400);
}

TEST_F(EvaluatorTest, MinimumGroupSizeIsTheLargestAndAppliesToAggregatesOnly) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_USAGE_ANALYTICS, "2026-03-10T09:00:00Z", "reports");
  e.set_granularity(v1::GRANULARITY_AGGREGATE);
  e.set_group_size(8);
  v1::Decision d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().min_group_size(), 8);
  e.set_group_size(7);
  d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:min-group-size");
  EXPECT_EQ(d.reasons(0).clause_id(), "B");
  e.set_granularity(v1::GRANULARITY_INDIVIDUAL);
  e.set_group_size(100);
  EXPECT_EQ(Judge(e).effect(), v1::EFFECT_DENY);
}

TEST_F(EvaluatorTest, RedactionReplacesOnlyValidNumbersAndNamesThePatterns) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_MESSAGE_CONTENT, "2026-03-10T09:00:00Z", "archive");
  auto* body = e.add_content();
  body->set_name("body");
  body->set_text("bsn 111222333 not 123456789, iban NL91ABNA0417164300 not NL91ABNA0417164301");
  const v1::Decision d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_THAT(d.obligations().redactions_applied(), UnorderedElementsAre("bsn", "iban"));
  EXPECT_TRUE(d.obligations().human_review());
  EXPECT_EQ(d.transformed_event().content(0).text(), "bsn [bsn] not 123456789, iban [iban] not NL91ABNA0417164301");
  EXPECT_EQ(e.content(0).text().substr(0, 13), "bsn 111222333");  // the input is untouched

  body->set_text("write to jan@example.nl");
  EXPECT_EQ(Judge(e).transformed_event().content(0).text(), "write to <mail>");
}

TEST_F(EvaluatorTest, DropContentKeepsMetadataOnly) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_MESSAGE_METADATA, "2026-03-10T09:00:00Z");
  e.add_content()->set_text("secret");
  const v1::Decision d = Judge(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.transformed_event().content_size(), 0);
  EXPECT_EQ(d.transformed_event().category(), v1::CATEGORY_MESSAGE_METADATA);
}

TEST_F(EvaluatorTest, NothingIsAllowedOutsideTheAgreementsPeriod) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_CALL_QUALITY, "2026-03-10T09:00:00Z");
  EXPECT_EQ(policy_->Evaluate(e, At("2026-12-31T23:59:59Z")).effect(), v1::EFFECT_ALLOW);
  const v1::Decision late = policy_->Evaluate(e, At("2027-01-01T00:00:00Z"));
  EXPECT_EQ(late.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(late.reasons(0).rule_id(), "grens:not-in-force");
  EXPECT_EQ(policy_->Evaluate(e, At("2025-12-31T23:59:59Z")).effect(), v1::EFFECT_DENY);
}

TEST_F(EvaluatorTest, ExplainAgreesWithTheDecision) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_ATTENDANCE, "2026-03-10T09:00:00Z", "c", "appraisal");
  std::vector<std::string> matched;
  for (const RuleTrace& t : policy_->Explain(e, At("2026-03-10T09:00:00Z"))) {
    if (t.matched) matched.push_back(t.rule_id);
  }
  EXPECT_THAT(matched, ElementsAre("a1", "b1"));
}

}  // namespace
}  // namespace grens::policy

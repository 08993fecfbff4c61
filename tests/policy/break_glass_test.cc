// Break-glass in the engine: what a case must say to be valid under the
// agreement, the text approvers sign, and how a grant changes a decision at an
// injected clock (active, not yet, expired), never over bans, exemptions,
// unregistered collectors or retention caps.

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/break_glass.h"
#include "policy/yaml_proto.h"
#include "tests/support/policy_testing.h"

namespace grens::policy {
namespace {

using ::grens::testing::At;
using ::grens::testing::CompileYaml;
using ::grens::testing::DiagnosticsFor;
using ::grens::testing::Event;
using ::testing::HasSubstr;
using ::testing::SizeIs;

std::string RawKey(char fill) { return absl::Base64Escape(std::string(32, fill)); }

std::string Policy(const std::string& break_glass) {
  return absl::StrCat(R"(id: bg
effective_from: "2026-01-01"
default_clause: "D"
clauses: [{id: "A"}, {id: "D"}, {id: "X"}, {id: "B"}, {id: "K"}, {id: "S"}, {id: "W"}]
groups:
  - {name: council, patterns: ["works-council"]}
collectors: [{id: c}, {id: siem}]
bans: [{clause: "B", categories: [SCREENSHOT, EMOTION]}]
exemptions: [{clause: "X", groups: [council]}]
retention_caps:
  - {clause: "K", categories: [MESSAGE_CONTENT], max: "30d", on_exceed: DENY}
  - {clause: "K", categories: [SECURITY_AUDIT], max: "90d"}
rules:
  - {id: pres, clause: "A", effect: ALLOW, match: {categories: [PRESENCE]}}
  - {id: no-night, clause: "W", effect: DENY, match: {categories: [SECURITY_AUDIT], attributes: {time: night}}}
)",
                      break_glass);
}

const std::string kClause = absl::StrCat(R"(break_glass:
  clause: "S"
  max_duration: "14d"
  categories: [SECURITY_AUDIT, MESSAGE_CONTENT, SCREENSHOT]
  approvers:
    - {id: ciso, role: employer, public_key: ")", RawKey('a'), R"("}
    - {id: or-chair, role: works_council, public_key: ")", RawKey('b'), R"("}
)");

BreakGlassGrant Grant(const std::string& start, const std::string& end,
                      std::vector<v1::Category> categories = {v1::CATEGORY_SECURITY_AUDIT,
                                                              v1::CATEGORY_MESSAGE_CONTENT}) {
  BreakGlassGrant g;
  g.case_id = "SEC-7";
  for (v1::Category c : categories) g.category_mask |= 1u << c;
  g.start = At(start);
  g.end = At(end);
  return g;
}

class BreakGlassEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto compiled = CompileYaml(Policy(kClause));
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    policy_ = std::move(*compiled);
  }
  v1::Decision Judge(const v1::MonitoringEvent& e, const std::string& now, const BreakGlassGrant& g) const {
    return policy_->Evaluate(e, At(now), {g});
  }
  std::unique_ptr<const CompiledPolicy> policy_;
};

TEST_F(BreakGlassEngineTest, AnActiveCaseLiftsTheDefaultAndCitesTheCase) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-10T09:00:00Z", "siem");
  EXPECT_EQ(policy_->Evaluate(e, At("2026-03-10T09:00:00Z")).effect(), v1::EFFECT_DENY);
  const v1::Decision d = Judge(e, "2026-03-10T09:00:00Z", Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().break_glass_case(), "SEC-7");
  ASSERT_THAT(d.reasons(), SizeIs(2));  // the case, and the default it overrode
  EXPECT_EQ(d.reasons(0).clause_id(), "S");
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:break-glass");
  EXPECT_THAT(d.reasons(0).message(), HasSubstr("SEC-7"));
  EXPECT_EQ(d.reasons(1).rule_id(), "grens:default");
  EXPECT_EQ(d.reasons(1).effect(), v1::EFFECT_DENY);
  // The cap of the category still limits retention.
  EXPECT_TRUE(d.obligations().retention_limited());
  EXPECT_EQ(d.obligations().max_retention().seconds(), 90 * 86400);
}

TEST_F(BreakGlassEngineTest, ACaseOverridesADenyRuleAndKeepsItAsAReason) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-10T23:00:00Z", "siem");
  (*e.mutable_attributes())["time"] = "night";
  const v1::Decision d = Judge(e, "2026-03-10T23:00:00Z", Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.reasons(0).clause_id(), "S");
  EXPECT_EQ(d.reasons(1).rule_id(), "no-night");
  EXPECT_EQ(d.reasons(1).effect(), v1::EFFECT_DENY);
}

TEST_F(BreakGlassEngineTest, TheInjectedClockDecidesWhenACaseIsInEffect) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-10T09:00:00Z", "siem");
  const BreakGlassGrant g = Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z");
  EXPECT_EQ(Judge(e, "2026-03-08T23:59:59Z", g).effect(), v1::EFFECT_DENY);  // not yet
  EXPECT_EQ(Judge(e, "2026-03-09T00:00:00Z", g).effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(Judge(e, "2026-03-15T23:59:59Z", g).effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  const v1::Decision expired = Judge(e, "2026-03-16T00:00:00Z", g);
  EXPECT_EQ(expired.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(expired.reasons(0).rule_id(), "grens:default");
  EXPECT_EQ(expired.obligations().break_glass_case(), "");
}

TEST_F(BreakGlassEngineTest, ABannedCategoryStaysDeniedEvenIfAGrantNamesIt) {
  // CheckBreakGlassCase refuses such a case; the engine does not rely on that.
  const v1::MonitoringEvent e = Event(v1::CATEGORY_SCREENSHOT, "2026-03-10T09:00:00Z", "siem");
  const v1::Decision d =
      Judge(e, "2026-03-10T09:00:00Z", Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z", {v1::CATEGORY_SCREENSHOT}));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "B");
  EXPECT_EQ(d.obligations().break_glass_case(), "");
}

TEST_F(BreakGlassEngineTest, AnExemptSubjectStaysDenied) {
  v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-10T09:00:00Z", "siem");
  e.mutable_subject()->add_groups("works-council");
  const v1::Decision d = Judge(e, "2026-03-10T09:00:00Z", Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z"));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "X");
}

TEST_F(BreakGlassEngineTest, UnregisteredCollectorsCategoriesOutsideTheCaseAndCapsStillDeny) {
  const BreakGlassGrant g = Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z");
  const std::string now = "2026-03-10T09:00:00Z";
  v1::MonitoringEvent unregistered = Event(v1::CATEGORY_SECURITY_AUDIT, now, "spyware");
  EXPECT_EQ(Judge(unregistered, now, g).reasons(0).rule_id(), "grens:unregistered-collector");
  v1::MonitoringEvent location = Event(v1::CATEGORY_LOCATION, now, "siem");
  EXPECT_EQ(Judge(location, now, g).effect(), v1::EFFECT_DENY);
  v1::MonitoringEvent content = Event(v1::CATEGORY_MESSAGE_CONTENT, now, "siem");
  content.mutable_requested_retention()->set_seconds(60 * 86400);  // above the 30d DENY cap
  const v1::Decision capped = Judge(content, now, g);
  EXPECT_EQ(capped.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(capped.reasons(0).clause_id(), "K");
  content.mutable_requested_retention()->set_seconds(7 * 86400);
  EXPECT_EQ(Judge(content, now, g).effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
}

TEST_F(BreakGlassEngineTest, AnEventTheAgreementAllowsAnywayDoesNotCiteTheCase) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z", "c");
  const v1::Decision d =
      Judge(e, "2026-03-10T09:00:00Z", Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z", {v1::CATEGORY_PRESENCE}));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW);
  EXPECT_EQ(d.reasons(0).clause_id(), "A");
}

TEST_F(BreakGlassEngineTest, ExplainShowsEachGrant) {
  const v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-20T09:00:00Z", "siem");
  const std::vector<RuleTrace> trace =
      policy_->Explain(e, At("2026-03-20T09:00:00Z"), {Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z")});
  bool seen = false;
  for (const RuleTrace& t : trace) {
    if (t.rule_id != "grens:break-glass") continue;
    seen = true;
    EXPECT_FALSE(t.matched);
    EXPECT_THAT(t.explanation, HasSubstr("case SEC-7 expired at"));
  }
  EXPECT_TRUE(seen);
}

TEST(BreakGlassEngine, WithoutABreakGlassClauseGrantsAreIgnored) {
  auto compiled = CompileYaml(Policy(""));
  ASSERT_TRUE(compiled.ok()) << compiled.status();
  const v1::MonitoringEvent e = Event(v1::CATEGORY_SECURITY_AUDIT, "2026-03-10T09:00:00Z", "siem");
  EXPECT_EQ((*compiled)->Evaluate(e, At("2026-03-10T09:00:00Z"), {Grant("2026-03-09T00:00:00Z", "2026-03-16T00:00:00Z")})
                .effect(),
            v1::EFFECT_DENY);
}

TEST(BreakGlassClause, SchemaErrorsNameTheField) {
  const auto d = DiagnosticsFor(Policy(absl::StrCat(R"(break_glass:
  clause: "nope"
  required_approvals: 1
  required_roles: [works_council]
  categories: [UNSPECIFIED]
  approvers:
    - {id: ciso, public_key: ")", RawKey('a'), R"("}
    - {id: ciso, public_key: ")", RawKey('a'), R"("}
    - {id: hr, public_key: "not a key"}
)")));
  std::vector<std::string> paths;
  for (const Diagnostic& x : d) paths.push_back(x.field_path + ": " + x.message);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(
                         HasSubstr("break_glass.max_duration: a case must be time-boxed"),
                         HasSubstr("break_glass.required_approvals: the two-person rule needs at least 2"),
                         HasSubstr("break_glass.approvers[1].id: duplicate approver 'ciso'"),
                         HasSubstr("break_glass.approvers[1].public_key: two approvers share one key"),
                         HasSubstr("break_glass.approvers[2].public_key: not an Ed25519 public key"),
                         HasSubstr("break_glass.clause: clause 'nope' is not defined"),
                         HasSubstr("break_glass.categories[0]: unknown category"),
                         HasSubstr("break_glass.required_roles[0]: no approver has role 'works_council'")));
}

TEST(BreakGlassClause, ApproverKeysInEveryAcceptedForm) {
  const std::string raw(32, 'k');
  const std::string spki = std::string("\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00", 12) + raw;
  EXPECT_EQ(*DecodeApproverKey(absl::Base64Escape(raw)), raw);
  EXPECT_EQ(*DecodeApproverKey(absl::Base64Escape(spki)), raw);
  EXPECT_EQ(*DecodeApproverKey(absl::StrCat("-----BEGIN PUBLIC KEY-----\n", absl::Base64Escape(spki),
                                            "\n-----END PUBLIC KEY-----\n")),
            raw);
  EXPECT_FALSE(DecodeApproverKey(absl::Base64Escape(std::string(31, 'k'))).ok());
  EXPECT_FALSE(DecodeApproverKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----").ok());
}

v1::BreakGlassCase ParseCase(const std::string& yaml) {
  v1::BreakGlassCase c;
  std::vector<Diagnostic> diagnostics;
  EXPECT_TRUE(YamlToMessage(yaml, "case.yaml", &c, &diagnostics, nullptr).ok());
  return c;
}

constexpr char kCase[] = R"(case_id: SEC-7
policy_id: bg
reason: "exfiltration alert 4711"
start: "2026-03-09T00:00:00Z"
end: "2026-03-16T00:00:00Z"
categories: [SECURITY_AUDIT, MESSAGE_CONTENT]
subjects:
  - {id: u-1001, tenant: acme}
  - {pseudonym: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}
approvals:
  - {approver: ciso, signature: "AAAA"}
)";

TEST(BreakGlassCase, AValidCaseBecomesAGrant) {
  auto compiled = CompileYaml(Policy(kClause));
  ASSERT_TRUE(compiled.ok());
  std::vector<Diagnostic> d;
  auto grant = CheckBreakGlassCase(**compiled, ParseCase(kCase), &d);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_EQ(grant->case_id, "SEC-7");
  EXPECT_EQ(grant->category_mask, (1u << v1::CATEGORY_SECURITY_AUDIT) | (1u << v1::CATEGORY_MESSAGE_CONTENT));
  EXPECT_EQ(grant->start, At("2026-03-09T00:00:00Z"));
  EXPECT_EQ(grant->end, At("2026-03-16T00:00:00Z"));
}

TEST(BreakGlassCase, EveryProblemIsNamed) {
  auto compiled = CompileYaml(Policy(kClause));
  ASSERT_TRUE(compiled.ok());
  v1::BreakGlassCase c = ParseCase(kCase);
  c.set_case_id("SEC 7");
  c.set_reason("");
  c.set_policy_id("other");
  c.mutable_end()->set_seconds(c.start().seconds() + 15 * 86400);
  c.add_categories(v1::CATEGORY_EMOTION);   // banned
  c.add_categories(v1::CATEGORY_LOCATION);  // not allowed by the clause
  c.mutable_subjects(1)->set_pseudonym("ABC");
  c.mutable_approvals(0)->set_approver("ceo");
  std::vector<Diagnostic> d;
  EXPECT_FALSE(CheckBreakGlassCase(**compiled, c, &d).ok());
  std::vector<std::string> found;
  for (const Diagnostic& x : d) found.push_back(x.field_path + ": " + x.message);
  EXPECT_THAT(found, ::testing::UnorderedElementsAre(
                         HasSubstr("case_id: a case id of letters"), HasSubstr("reason: a case needs its reason"),
                         HasSubstr("policy_id: the case is for agreement 'other', not 'bg'"),
                         HasSubstr("end: the window of 360h exceeds the maximum of 14d in clause S"),
                         HasSubstr("categories[2]: EMOTION is banned absolutely by clause B"),
                         HasSubstr("categories[3]: clause S does not allow break-glass for LOCATION"),
                         HasSubstr("subjects[1].pseudonym: a pseudonym is 64 lower-case hex digits"),
                         HasSubstr("approvals[0].approver: 'ceo' is not an approver in clause S")));
}

TEST(BreakGlassCase, NoCaseUnderAnAgreementWithoutTheClause) {
  auto compiled = CompileYaml(Policy(""));
  ASSERT_TRUE(compiled.ok());
  std::vector<Diagnostic> d;
  auto grant = CheckBreakGlassCase(**compiled, ParseCase(kCase), &d);
  EXPECT_FALSE(grant.ok());
  EXPECT_THAT(grant.status().message(), HasSubstr("has no break_glass clause"));
}

TEST(BreakGlassCase, TheSignedTextCoversEveryFieldButNotApprovalsOrOrder) {
  const v1::BreakGlassCase c = ParseCase(kCase);
  const std::string text = BreakGlassSignedText(c);
  EXPECT_EQ(text,
            "grens break-glass case v1\n"
            "policy \"bg\"\n"
            "case \"SEC-7\"\n"
            "reason \"exfiltration alert 4711\"\n"
            "start 2026-03-09T00:00:00Z\n"
            "end 2026-03-16T00:00:00Z\n"
            "category MESSAGE_CONTENT\n"
            "category SECURITY_AUDIT\n"
            "subject id \"acme\" \"u-1001\"\n"
            "subject pseudonym \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n");
  v1::BreakGlassCase reordered = c;
  reordered.mutable_categories()->SwapElements(0, 1);
  reordered.mutable_subjects()->SwapElements(0, 1);
  reordered.clear_approvals();
  EXPECT_EQ(BreakGlassSignedText(reordered), text);
  v1::BreakGlassCase longer = c;
  longer.mutable_end()->set_seconds(c.end().seconds() + 1);
  EXPECT_NE(BreakGlassSignedText(longer), text);
  v1::BreakGlassCase tricky = c;
  tricky.set_reason("a\"\nend 2099-01-01T00:00:00Z");  // cannot forge a field
  EXPECT_THAT(BreakGlassSignedText(tricky), HasSubstr("reason \"a\\\"\\nend 2099-01-01T00:00:00Z\"\n"));
}

}  // namespace
}  // namespace grens::policy

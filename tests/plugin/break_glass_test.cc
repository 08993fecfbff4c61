// Break-glass cases in grensd's policy holder, with an injected clock: a case
// takes effect only after its activation is in the decision log, expires by the
// clock, is rejected (and logged) when its approvals or scope are wrong, is
// withdrawn when its file goes or the agreement no longer accepts it, and names
// subjects by pseudonym or id.

#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/log_reader.h"
#include "plugin/policy_holder.h"
#include "plugin/sqlite_decision_log.h"
#include "tests/support/break_glass_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/log_testing.h"

namespace grens::plugin {
namespace {

using ::grens::testing::FakeClock;
using ::grens::testing::MakeCase;
using ::grens::testing::SignedCaseText;
using ::grens::testing::SubjectById;
using ::grens::testing::SubjectByPseudonym;
using ::grens::testing::TempDir;
using ::grens::testing::TestApprover;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::StartsWith;

class BreakGlassHolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    approvers_ = grens::testing::MakeApprovers();
    dir_.Write("nl-agreement.tests.yaml", grens::testing::SourceFile("policy/examples/nl-agreement.tests.yaml"));
    policy_path_ = dir_.Write("policy.yaml", grens::testing::NlPolicyWithApprovers(approvers_));
    ASSERT_EQ(::mkdir((dir_.path() + "/cases").c_str(), 0755), 0);
    SqliteDecisionLogOptions options;
    options.data_dir = dir_.path() + "/data";
    options.clock = &clock_;
    auto log = OpenSqliteDecisionLog(options);
    ASSERT_TRUE(log.ok()) << log.status();
    log_ = *std::move(log);
    PolicyHolderOptions holder_options;
    holder_options.break_glass_path = dir_.path() + "/cases";
    holder_options.pseudonymizer = pseudonymizer_.get();
    holder_ = std::make_unique<PolicyHolder>(policy_path_, log_.get(), &clock_, nullptr, holder_options);
    ASSERT_TRUE(holder_->Reload(v1::POLICY_TRIGGER_STARTUP).activated);
  }
  void TearDown() override { EXPECT_TRUE(log_->Close().ok()); }

  const TestApprover* Approver(int i) const { return &approvers_[i]; }
  v1::BreakGlassCase Case(const std::string& id, absl::Duration from, absl::Duration to) const {
    return MakeCase(id, clock_.Now() + from, clock_.Now() + to,
                    {SubjectByPseudonym(pseudonymizer_->Pseudonym("voorbeeld", "u-1001"))});
  }
  void WriteCase(const std::string& name, const v1::BreakGlassCase& c, std::vector<const TestApprover*> signers) {
    dir_.Write("cases/" + name, SignedCaseText(c, signers));
  }
  // The notes of the break-glass records, in log order.
  std::vector<std::string> Notes() {
    std::vector<std::string> notes;
    auto reader = LogReader::Open(dir_.path() + "/data");
    EXPECT_TRUE(reader.ok());
    v1::RecordFilter filter;
    filter.add_kinds(v1::RECORD_KIND_BREAK_GLASS);
    int64_t next = 0;
    auto records = (*reader)->List(filter, 0, 1000, &next);
    EXPECT_TRUE(records.ok());
    for (const v1::LogRecord& r : *records) notes.push_back(r.note());
    return notes;
  }
  v1::MonitoringEvent Event(const std::string& tenant, const std::string& subject) const {
    v1::MonitoringEvent e;
    e.set_tenant(tenant);
    e.set_platform("teams");
    e.set_collector("security-siem");
    e.set_purpose("incident_investigation");
    e.set_category(v1::CATEGORY_MESSAGE_CONTENT);
    e.mutable_subject()->set_id(subject);
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(clock_.Now()));
    return e;
  }
  v1::Decision Decide(const v1::MonitoringEvent& e) const {
    const std::shared_ptr<const ActivePolicy> active = holder_->Active();
    return active->policy->Evaluate(e, clock_.Now(), active->Grants(e, *pseudonymizer_));
  }
  std::vector<v1::BreakGlassCaseStatus> Status() const {
    v1::StatusResponse s;
    holder_->FillStatus(&s);
    return {s.break_glass_cases().begin(), s.break_glass_cases().end()};
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1773144000)};  // 2026-03-10T12:00:00Z
  std::vector<TestApprover> approvers_;
  std::string policy_path_;
  std::unique_ptr<DecisionLog> log_;
  std::unique_ptr<Pseudonymizer> pseudonymizer_ = Pseudonymizer::FromKey(std::string(32, 'k'));
  std::unique_ptr<PolicyHolder> holder_;
};

TEST_F(BreakGlassHolderTest, AnActiveCaseIsLoggedThenCitedForItsSubjectOnly) {
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
  WriteCase("sec-1.textproto", Case("SEC-1", -absl::Hours(1), absl::Hours(24)), {Approver(0), Approver(2)});
  holder_->ReloadCases();
  const std::vector<std::string> notes = Notes();
  ASSERT_THAT(notes, SizeIs(1));
  EXPECT_THAT(notes[0], StartsWith("activated: case SEC-1, 2026-03-10T11:00:00Z to 2026-03-11T12:00:00Z"));
  EXPECT_THAT(notes[0], HasSubstr("approved by ciso, or-voorzitter"));
  EXPECT_THAT(notes[0], HasSubstr(pseudonymizer_->Pseudonym("voorbeeld", "u-1001")));
  const v1::Decision d = Decide(Event("voorbeeld", "u-1001"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().break_glass_case(), "SEC-1");
  EXPECT_EQ(d.reasons(0).clause_id(), "8.3");
  EXPECT_EQ(Decide(Event("voorbeeld", "u-2002")).effect(), v1::EFFECT_DENY);
  EXPECT_EQ(Decide(Event("other-tenant", "u-1001")).effect(), v1::EFFECT_DENY);
  ASSERT_THAT(Status(), SizeIs(1));
  EXPECT_EQ(Status()[0].state(), v1::BREAK_GLASS_STATE_ACTIVE);
  EXPECT_EQ(Status()[0].case_id(), "SEC-1");
}

TEST_F(BreakGlassHolderTest, ACaseExpiresByTheClockAndTheExpiryIsLogged) {
  WriteCase("sec-2.textproto", Case("SEC-2", -absl::Hours(1), absl::Hours(2)), {Approver(1), Approver(2)});
  holder_->ReloadCases();
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).obligations().break_glass_case(), "SEC-2");
  holder_->TickCases();  // nothing has changed yet
  EXPECT_THAT(Notes(), SizeIs(1));
  clock_.Advance(absl::Hours(2));
  // The engine already refuses at the end, before any tick.
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
  holder_->TickCases();
  const std::vector<std::string> notes = Notes();
  ASSERT_THAT(notes, SizeIs(2));
  EXPECT_THAT(notes[1], StartsWith("expired: case SEC-2"));
  EXPECT_EQ(holder_->Active()->cases, nullptr);
  EXPECT_EQ(Status()[0].state(), v1::BREAK_GLASS_STATE_EXPIRED);
}

TEST_F(BreakGlassHolderTest, AScheduledCaseStartsAtItsStartAndNotBefore) {
  WriteCase("sec-3.textproto", Case("SEC-3", absl::Hours(1), absl::Hours(5)), {Approver(1), Approver(2)});
  holder_->ReloadCases();
  EXPECT_THAT(Notes(), ::testing::ElementsAre(StartsWith("scheduled: case SEC-3")));
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
  clock_.Advance(absl::Hours(1));
  holder_->TickCases();
  EXPECT_THAT(Notes(), ::testing::ElementsAre(StartsWith("scheduled: case SEC-3"), StartsWith("activated: case SEC-3")));
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).obligations().break_glass_case(), "SEC-3");
}

TEST_F(BreakGlassHolderTest, ACaseLoadedAfterItsEndIsLoggedAsNeverInEffect) {
  WriteCase("old.textproto", Case("SEC-OLD", -absl::Hours(48), -absl::Hours(24)), {Approver(0), Approver(2)});
  holder_->ReloadCases();
  EXPECT_THAT(Notes(), ::testing::ElementsAre(StartsWith("expired (never in effect): case SEC-OLD")));
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
}

TEST_F(BreakGlassHolderTest, InvalidCasesAreRejectedLoggedAndNeverInEffect) {
  WriteCase("a-one-approver.textproto", Case("SEC-A", -absl::Hours(1), absl::Hours(2)), {Approver(0)});
  WriteCase("b-same-twice.textproto", Case("SEC-B", -absl::Hours(1), absl::Hours(2)), {Approver(0), Approver(0)});
  v1::BreakGlassCase banned = Case("SEC-C", -absl::Hours(1), absl::Hours(2));
  banned.add_categories(v1::CATEGORY_SCREENSHOT);
  WriteCase("c-banned.textproto", banned, {Approver(1), Approver(2)});
  // Signed, then widened by someone: the signatures no longer cover it.
  std::string altered = SignedCaseText(Case("SEC-D", -absl::Hours(1), absl::Hours(2)), {Approver(1), Approver(2)});
  altered = absl::StrReplaceAll(altered, {{"categories: CATEGORY_SECURITY_AUDIT", "categories: CATEGORY_APP_USAGE"}});
  dir_.Write("cases/d-altered.textproto", altered);
  WriteCase("e-too-long.textproto", Case("SEC-E", -absl::Hours(1), absl::Hours(24 * 15)), {Approver(1), Approver(2)});
  // Two valid signatures, but both of the employer's: the agreement requires
  // the works council among the signers.
  WriteCase("f-employer-only.textproto", Case("SEC-F", -absl::Hours(1), absl::Hours(2)), {Approver(0), Approver(1)});
  holder_->ReloadCases();
  const std::vector<std::string> notes = Notes();
  ASSERT_THAT(notes, SizeIs(6));
  EXPECT_THAT(notes[0], HasSubstr("rejected: case SEC-A: "));
  EXPECT_THAT(notes[0], HasSubstr("needs the signatures of 2 distinct approvers, has 1 (ciso)"));
  EXPECT_THAT(notes[1], HasSubstr("has 1 (ciso)"));
  EXPECT_THAT(notes[2], HasSubstr("SCREENSHOT is banned absolutely by clause 5.1"));
  EXPECT_THAT(notes[3], HasSubstr("the signature of 'hr-director' does not verify"));
  EXPECT_THAT(notes[4], HasSubstr("exceeds the maximum of 14d in clause 8.3"));
  EXPECT_THAT(notes[5], HasSubstr("needs the signature of an approver with role 'works_council'"));
  for (const v1::BreakGlassCaseStatus& s : Status()) {
    EXPECT_EQ(s.state(), v1::BREAK_GLASS_STATE_REJECTED) << s.case_id();
    EXPECT_FALSE(s.problem().empty());
  }
  EXPECT_EQ(holder_->Active()->cases, nullptr);
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
  holder_->ReloadCases();  // the same files again: nothing new to tell
  EXPECT_THAT(Notes(), SizeIs(6));
}

TEST_F(BreakGlassHolderTest, ARemovedCaseIsWithdrawn) {
  WriteCase("sec-5.textproto", Case("SEC-5", -absl::Hours(1), absl::Hours(2)), {Approver(1), Approver(2)});
  holder_->ReloadCases();
  ASSERT_EQ(::unlink((dir_.path() + "/cases/sec-5.textproto").c_str()), 0);
  holder_->ReloadCases();
  const std::vector<std::string> notes = Notes();
  ASSERT_THAT(notes, SizeIs(2));
  EXPECT_THAT(notes[1], StartsWith("withdrawn: case SEC-5: the case file was removed or changed"));
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
  EXPECT_THAT(Status(), IsEmpty());
}

TEST_F(BreakGlassHolderTest, ANewAgreementWithoutTheApproverWithdrawsTheCase) {
  WriteCase("sec-6.textproto", Case("SEC-6", -absl::Hours(1), absl::Hours(2)), {Approver(1), Approver(2)});
  holder_->ReloadCases();
  dir_.Write("policy.yaml", absl::StrReplaceAll(grens::testing::NlPolicyWithApprovers(approvers_),
                                                {{"id: hr-director", "id: hr-directeur"}}));
  ASSERT_TRUE(holder_->Reload(v1::POLICY_TRIGGER_RPC).activated);
  const std::vector<std::string> notes = Notes();
  ASSERT_THAT(notes, SizeIs(2));
  EXPECT_THAT(notes[1], StartsWith("withdrawn: case SEC-6: "));
  EXPECT_THAT(notes[1], HasSubstr("'hr-director' is not an approver in clause 8.3"));
  EXPECT_EQ(Decide(Event("voorbeeld", "u-1001")).effect(), v1::EFFECT_DENY);
}

TEST_F(BreakGlassHolderTest, SubjectsNamedByIdMatchTheirTenant) {
  WriteCase("sec-7.textproto",
            MakeCase("SEC-7", clock_.Now() - absl::Hours(1), clock_.Now() + absl::Hours(2),
                     {SubjectById("voorbeeld", "u-3003")}),
            {Approver(0), Approver(2)});
  holder_->ReloadCases();
  EXPECT_EQ(Decide(Event("voorbeeld", "u-3003")).obligations().break_glass_case(), "SEC-7");
  EXPECT_EQ(Decide(Event("elders", "u-3003")).effect(), v1::EFFECT_DENY);
}

TEST_F(BreakGlassHolderTest, AnExemptSubjectIsNeverUnlocked) {
  WriteCase("sec-8.textproto", Case("SEC-8", -absl::Hours(1), absl::Hours(2)), {Approver(1), Approver(2)});
  holder_->ReloadCases();
  v1::MonitoringEvent e = Event("voorbeeld", "u-1001");
  e.mutable_subject()->add_groups("Ondernemingsraad");
  const v1::Decision d = Decide(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "7.1");
}

}  // namespace
}  // namespace grens::plugin

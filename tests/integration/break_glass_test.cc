// Break-glass through the real binaries: approvers' keys from `grensctl policy
// keygen`, cases written with `grensctl break-glass create` and signed with
// `grensctl break-glass approve`, grensd loading them from break_glass_path at
// start-up, by file watch and by SIGHUP. Windows are set relative to now (a case
// already in effect, one already over, one still to come), never waited for.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "gtest/gtest.h"
#include "plugin/ed25519.h"
#include "plugin/log_reader.h"
#include "plugin/pseudonymizer.h"
#include "policy/break_glass.h"
#include "tests/support/cli_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Rfc3339(absl::Time t) { return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", t, absl::UTCTimeZone()); }

class BreakGlassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string policy = SourceFile("policy/examples/nl-agreement.yaml");
    const std::map<std::string, std::string> example_keys = {
        {"ciso", "G0r23RoSAb9TmftdY7w/4ivcyLF2/b05vutiQ65c4Ds="},
        {"hr-director", "6yFWvtdO1OJgD6XsuM1GsOgK42FB2RxIt+r8vqmqOHg="},
        {"or-voorzitter", "mKvGjjJGFpBox/Mii0CxCNhTJctnuyYuGbjyetpj/iE="}};
    for (const auto& [id, example] : example_keys) {
      std::string out;
      ASSERT_EQ(RunGrensctl(absl::StrCat("policy keygen --out ", dir_.path(), "/", id), &out), 0) << out;
      const std::string key = LineValue(out, "public key (for an agreement's break_glass approvers)");
      ASSERT_EQ(key.size(), 44u) << out;
      policy = absl::StrReplaceAll(policy, {{example, key}});
    }
    dir_.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
    policy_ = dir_.Write("policy.yaml", policy);
    dir_.Write("pseudonym.key", std::string(32, 'p'));
    ASSERT_EQ(::mkdir((dir_.path() + "/cases").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dir_.path() + "/staging").c_str(), 0755), 0);
    pseudonymizer_ = plugin::Pseudonymizer::FromKey(std::string(32, 'p'));
  }

  std::string Config(const std::string& extra = "") const {
    return absl::StrCat("policy_path: ", policy_, "\ndata_dir: ", dir_.path(), "/data\npseudonym_key_file: ",
                        dir_.path(), "/pseudonym.key\nbreak_glass_path: ", dir_.path(), "/cases\n", extra);
  }

  void Start(const std::string& extra = "") {
    auto process = GrensdProcess::Start(dir_, Config(extra));
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = *std::move(process);
    admin_ = v1::PolicyAdmin::NewStub(grensd_->Channel());
    guard_ = v1::Guard::NewStub(grensd_->Channel());
  }

  // Creates a case in staging/ with the CLI, has it approved by `approvers`,
  // and moves it into cases/ in one rename (what an operator should do too,
  // so that grensd never sees a half-approved case).
  void OpenCase(const std::string& id, absl::Duration from, absl::Duration to, const std::string& subject_flags,
                const std::vector<std::string>& approvers) {
    const std::string staged = absl::StrCat(dir_.path(), "/staging/", id, ".yaml");
    const absl::Time now = GrensdClockStart();
    std::string out;
    ASSERT_EQ(RunGrensctl(absl::StrCat("break-glass create --policy ", policy_, " --id ", id,
                                       " --reason 'SIEM alert 17: bulk download' --category SECURITY_AUDIT",
                                       " --category MESSAGE_CONTENT ", subject_flags, " --start ", Rfc3339(now + from),
                                       " --end ", Rfc3339(now + to), " --out ", staged),
                          &out),
              0)
        << out;
    for (const std::string& a : approvers) {
      ASSERT_EQ(RunGrensctl(absl::StrCat("break-glass approve --policy ", policy_, " --approver ", a, " --key ",
                                         dir_.path(), "/", a, ".key ", staged),
                            &out),
                0)
          << out;
    }
    ASSERT_EQ(RunGrensctl(absl::StrCat("break-glass verify --policy ", policy_, " ", staged), &out), 0) << out;
    ASSERT_EQ(std::rename(staged.c_str(), absl::StrCat(dir_.path(), "/cases/", id, ".yaml").c_str()), 0);
  }

  std::string PseudonymFlag(const std::string& subject) const {
    return absl::StrCat("--pseudonym ", pseudonymizer_->Pseudonym("voorbeeld", subject));
  }

  v1::MonitoringEvent Event(const std::string& subject, v1::Category category = v1::CATEGORY_MESSAGE_CONTENT) const {
    v1::MonitoringEvent e;
    e.set_id("bg-1");
    e.set_platform("teams");
    e.set_tenant("voorbeeld");
    e.set_collector("security-siem");
    e.set_category(category);
    e.set_purpose("incident_investigation");
    e.mutable_subject()->set_id(subject);
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(GrensdClockStart()));
    return e;
  }

  v1::Decision Evaluate(const v1::MonitoringEvent& event) {
    v1::Decision decision;
    EXPECT_TRUE(EvaluateEvent(*guard_, event, &decision).ok());
    return decision;
  }

  // case id -> state, from PolicyAdmin.Status.
  std::map<std::string, v1::BreakGlassCaseStatus> Cases() {
    std::map<std::string, v1::BreakGlassCaseStatus> out;
    const v1::StatusResponse status = GetPolicyStatus(*admin_);  // the loop must not outlive it
    for (const v1::BreakGlassCaseStatus& c : status.break_glass_cases()) out[c.case_id()] = c;
    return out;
  }

  std::vector<v1::LogRecord> Records(v1::RecordKind kind) {
    auto reader = plugin::LogReader::Open(dir_.path() + "/data");
    EXPECT_TRUE(reader.ok()) << reader.status();
    v1::RecordFilter filter;
    filter.add_kinds(kind);
    int64_t next = 0;
    auto records = (*reader)->List(filter, 0, 1000, &next);
    EXPECT_TRUE(records.ok());
    return records.ok() ? *records : std::vector<v1::LogRecord>();
  }

  TempDir dir_;
  std::string policy_;
  std::unique_ptr<plugin::Pseudonymizer> pseudonymizer_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::PolicyAdmin::Stub> admin_;
  std::unique_ptr<v1::Guard::Stub> guard_;
};

TEST_F(BreakGlassTest, ACaseInEffectUnlocksItsPseudonymousSubjectAndIsLoggedFirst) {
  OpenCase("SEC-IT-1", -absl::Hours(1), absl::Hours(24), PseudonymFlag("u-1001"), {"ciso", "or-voorzitter"});
  Start();
  EXPECT_EQ(Cases()["SEC-IT-1"].state(), v1::BREAK_GLASS_STATE_ACTIVE);
  const v1::Decision d = Evaluate(Event("u-1001"));
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().break_glass_case(), "SEC-IT-1");
  ASSERT_GE(d.reasons_size(), 2);
  EXPECT_EQ(d.reasons(0).clause_id(), "8.3");
  EXPECT_EQ(d.reasons(1).clause_id(), "9.1");  // the default it overrode
  EXPECT_EQ(Evaluate(Event("u-2002")).effect(), v1::EFFECT_DENY);

  const std::vector<v1::LogRecord> cases = Records(v1::RECORD_KIND_BREAK_GLASS);
  ASSERT_EQ(cases.size(), 1u);
  EXPECT_EQ(cases[0].break_glass_case(), "SEC-IT-1");
  EXPECT_THAT(cases[0].note(), StartsWith("activated: case SEC-IT-1"));
  EXPECT_THAT(cases[0].note(), HasSubstr("approved by ciso, or-voorzitter"));
  const std::vector<v1::LogRecord> decisions = Records(v1::RECORD_KIND_DECISION);
  ASSERT_EQ(decisions.size(), 2u);
  EXPECT_EQ(decisions[0].break_glass_case(), "SEC-IT-1");
  EXPECT_LT(cases[0].index(), decisions[0].index());
  EXPECT_EQ(decisions[1].break_glass_case(), "");
}

TEST_F(BreakGlassTest, CasesOverOrStillToComeUnlockNothingAndAreLogged) {
  OpenCase("SEC-PAST", -absl::Hours(240), -absl::Hours(200), PseudonymFlag("u-1001"), {"ciso", "or-voorzitter"});
  OpenCase("SEC-NEXT", absl::Hours(24), absl::Hours(48), PseudonymFlag("u-1001"), {"hr-director", "or-voorzitter"});
  Start();
  std::map<std::string, v1::BreakGlassCaseStatus> cases = Cases();
  EXPECT_EQ(cases["SEC-PAST"].state(), v1::BREAK_GLASS_STATE_EXPIRED);
  EXPECT_EQ(cases["SEC-NEXT"].state(), v1::BREAK_GLASS_STATE_SCHEDULED);
  const v1::Decision d = Evaluate(Event("u-1001"));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "9.1");
  std::vector<std::string> notes;
  for (const v1::LogRecord& r : Records(v1::RECORD_KIND_BREAK_GLASS)) notes.push_back(r.note());
  EXPECT_THAT(notes, ::testing::UnorderedElementsAre(StartsWith("scheduled: case SEC-NEXT"),
                                                     StartsWith("expired (never in effect): case SEC-PAST")));
}

TEST_F(BreakGlassTest, ACaseForABannedCategoryIsRejectedAndTheBanHolds) {
  // The CLI refuses to write such a case ...
  std::string out;
  EXPECT_EQ(RunGrensctl(absl::StrCat("break-glass create --policy ", policy_,
                                     " --id SEC-BAN --reason x --category SCREENSHOT --subject u-1001",
                                     " --start 2026-03-10T00:00:00Z --duration 1d --out ", dir_.path(), "/ban.yaml"),
                        &out),
            1);
  EXPECT_THAT(out, HasSubstr("SCREENSHOT is banned absolutely by clause 5.1"));
  // ... so it is signed by hand, with two real approvers' keys.
  v1::BreakGlassCase c;
  c.set_case_id("SEC-BAN");
  c.set_policy_id("nl-voorbeeld-2026");
  c.set_reason("screenshots of a suspect's screen");
  c.add_categories(v1::CATEGORY_SCREENSHOT);
  c.mutable_start()->set_seconds(absl::ToUnixSeconds(GrensdClockStart() - absl::Hours(1)));
  c.mutable_end()->set_seconds(absl::ToUnixSeconds(GrensdClockStart() + absl::Hours(24)));
  v1::CaseSubject* s = c.add_subjects();
  s->set_tenant("voorbeeld");
  s->set_id("u-1001");
  for (const char* approver : {"ciso", "or-voorzitter"}) {
    auto key = plugin::Ed25519Key::FromPemFile(absl::StrCat(dir_.path(), "/", approver, ".key"));
    ASSERT_TRUE(key.ok());
    v1::CaseApproval* a = c.add_approvals();
    a->set_approver(approver);
    a->set_signature(absl::Base64Escape(*(*key)->Sign(policy::BreakGlassSignedText(c))));
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(c, &text);
  dir_.Write("cases/ban.textproto", text);
  Start();
  const v1::BreakGlassCaseStatus status = Cases()["SEC-BAN"];
  EXPECT_EQ(status.state(), v1::BREAK_GLASS_STATE_REJECTED);
  EXPECT_THAT(status.problem(), HasSubstr("SCREENSHOT is banned absolutely by clause 5.1"));
  const std::vector<v1::LogRecord> records = Records(v1::RECORD_KIND_BREAK_GLASS);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_THAT(records[0].note(), StartsWith("rejected: case SEC-BAN"));
  const v1::Decision d = Evaluate(Event("u-1001", v1::CATEGORY_SCREENSHOT));
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "5.1");
}

TEST_F(BreakGlassTest, AnExemptSubjectStaysProtected) {
  OpenCase("SEC-OR", -absl::Hours(1), absl::Hours(24), "--subject u-or-1 --tenant voorbeeld", {"ciso", "or-voorzitter"});
  Start();
  EXPECT_EQ(Cases()["SEC-OR"].state(), v1::BREAK_GLASS_STATE_ACTIVE);
  v1::MonitoringEvent e = Event("u-or-1");
  EXPECT_EQ(Evaluate(e).obligations().break_glass_case(), "SEC-OR");
  e.mutable_subject()->add_groups("Ondernemingsraad");
  const v1::Decision d = Evaluate(e);
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "7.1");
}

TEST_F(BreakGlassTest, TheFileWatchLoadsAndWithdrawsCases) {
  Start();
  EXPECT_TRUE(Cases().empty());
  OpenCase("SEC-W", -absl::Hours(1), absl::Hours(24), PseudonymFlag("u-1001"), {"ciso", "or-voorzitter"});
  EXPECT_TRUE(Eventually([&] { return Cases()["SEC-W"].state() == v1::BREAK_GLASS_STATE_ACTIVE; }, absl::Seconds(10)));
  EXPECT_EQ(Evaluate(Event("u-1001")).obligations().break_glass_case(), "SEC-W");
  ASSERT_EQ(::unlink((dir_.path() + "/cases/SEC-W.yaml").c_str()), 0);
  EXPECT_TRUE(Eventually([&] { return Cases().empty(); }, absl::Seconds(10)));
  EXPECT_EQ(Evaluate(Event("u-1001")).effect(), v1::EFFECT_DENY);
  const std::vector<v1::LogRecord> records = Records(v1::RECORD_KIND_BREAK_GLASS);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_THAT(records[1].note(), StartsWith("withdrawn: case SEC-W"));
}

TEST_F(BreakGlassTest, SighupLoadsCases) {
  Start("disable_policy_watch: true\n");
  OpenCase("SEC-H", -absl::Hours(1), absl::Hours(24), PseudonymFlag("u-1001"), {"hr-director", "or-voorzitter"});
  grensd_->Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return Cases()["SEC-H"].state() == v1::BREAK_GLASS_STATE_ACTIVE; }, absl::Seconds(10)));
  EXPECT_EQ(Evaluate(Event("u-1001")).obligations().break_glass_case(), "SEC-H");
}

}  // namespace
}  // namespace grens::testing

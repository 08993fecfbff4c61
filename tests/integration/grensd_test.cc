// grensd through the real binary: decisions on the Dutch example agreement,
// streaming, reloads by RPC, SIGHUP and file watch, bad input, fail-closed
// start-up, and a graceful stop.

#include <signal.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = "policy.yaml";

// A grensd on the Dutch example agreement, copied into a temp dir so tests can
// change it.
class GrensdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_path_ = WriteNlPolicy(dir_);
    auto process = GrensdProcess::Start(dir_, Config());
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    guard_ = v1::Guard::NewStub(grensd_->Channel());
    admin_ = v1::PolicyAdmin::NewStub(grensd_->Channel());
  }

  std::string Config() const {
    return absl::StrCat("policy_path: ", policy_path_, "\ndata_dir: ", dir_.path(), "/data\n");
  }

  grpc::Status Evaluate(const v1::MonitoringEvent& event, v1::Decision* decision) {
    return EvaluateEvent(*guard_, event, decision);
  }
  v1::StatusResponse Status() { return GetPolicyStatus(*admin_); }
  v1::ReloadResponse Reload() { return ReloadPolicy(*admin_); }

  // A changed but still valid agreement: a new title gives a new revision.
  std::string ChangedPolicy(const std::string& title) const {
    return absl::StrReplaceAll(SourceFile("policy/examples/nl-agreement.yaml"),
                               {{"title: \"Regeling digitale monitoring Voorbeeld B.V. 2026-2027\"",
                                 absl::StrCat("title: \"", title, "\"")}});
  }

  TempDir dir_;
  std::string policy_path_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::Guard::Stub> guard_;
  std::unique_ptr<v1::PolicyAdmin::Stub> admin_;
};

TEST_F(GrensdTest, PresenceInWorkingHoursIsAllowedAndLogged) {
  v1::Decision d;
  ASSERT_TRUE(Evaluate(PresenceEvent("e1", "2026-03-10T09:00:00Z"), &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.reasons(0).clause_id(), "1.1");
  EXPECT_EQ(d.event_id(), "e1");
  EXPECT_EQ(d.decision_id().size(), 32u);
  EXPECT_GE(d.log_index(), 1);  // record 0 is the policy activation
  EXPECT_EQ(d.policy_id(), "nl-voorbeeld-2026");
}

TEST_F(GrensdTest, PresenceAt2230LocalTimeIsDeniedCitingTheClause) {
  v1::Decision d;
  ASSERT_TRUE(Evaluate(PresenceEvent("e2", "2026-03-10T21:30:00Z"), &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "6.1");
}

TEST_F(GrensdTest, ScreenshotIsDenied) {
  v1::MonitoringEvent e = PresenceEvent("e3", "2026-03-10T09:00:00Z");
  e.set_category(v1::CATEGORY_SCREENSHOT);
  v1::Decision d;
  ASSERT_TRUE(Evaluate(e, &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).clause_id(), "5.1");
}

TEST_F(GrensdTest, RetentionAboveTheCapIsClamped) {
  v1::MonitoringEvent e = PresenceEvent("e4", "2026-03-11T13:00:00Z");
  e.set_category(v1::CATEGORY_ATTENDANCE);
  e.set_collector("teams-attendance");
  e.set_purpose("meeting_follow_up");
  e.mutable_requested_retention()->set_seconds(90 * 86400);
  v1::Decision d;
  ASSERT_TRUE(Evaluate(e, &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d.obligations().max_retention().seconds(), 30 * 86400);
}

TEST_F(GrensdTest, UnknownCollectorIsDenied) {
  v1::MonitoringEvent e = PresenceEvent("e5", "2026-03-10T09:00:00Z");
  e.set_collector("hubstaff");
  v1::Decision d;
  ASSERT_TRUE(Evaluate(e, &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d.reasons(0).rule_id(), "grens:unregistered-collector");
}

TEST_F(GrensdTest, BadInputNamesTheFieldAndTheServerKeepsServing) {
  v1::Decision d;
  v1::MonitoringEvent no_subject = PresenceEvent("b1", "2026-03-10T09:00:00Z");
  no_subject.clear_subject();
  grpc::Status s = Evaluate(no_subject, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("event.subject.id"));

  v1::MonitoringEvent no_time = PresenceEvent("b2", "2026-03-10T09:00:00Z");
  no_time.clear_occurred_at();
  EXPECT_THAT(Evaluate(no_time, &d).error_message(), HasSubstr("event.occurred_at"));

  v1::MonitoringEvent no_category = PresenceEvent("b3", "2026-03-10T09:00:00Z");
  no_category.set_category(v1::CATEGORY_UNSPECIFIED);
  EXPECT_THAT(Evaluate(no_category, &d).error_message(), HasSubstr("event.category"));

  v1::MonitoringEvent unknown_enum = PresenceEvent("b4", "2026-03-10T09:00:00Z");
  unknown_enum.set_category(static_cast<v1::Category>(99));
  s = Evaluate(unknown_enum, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("unknown value 99"));

  v1::MonitoringEvent huge = PresenceEvent("b5", "2026-03-10T09:00:00Z");
  huge.add_content()->set_text(std::string(5 << 20, 'x'));
  s = Evaluate(huge, &d);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);

  ASSERT_TRUE(Evaluate(PresenceEvent("b6", "2026-03-10T09:00:00Z"), &d).ok());
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
}

TEST_F(GrensdTest, AStreamOfTenThousandEventsIsAnsweredInFullAndInOrder) {
  grpc::ClientContext context;
  auto stream = guard_->EvaluateStream(&context);
  constexpr int kEvents = 10000;
  std::thread writer([&] {
    for (int i = 0; i < kEvents; ++i) {
      v1::EvaluateStreamRequest request;
      *request.mutable_event() = PresenceEvent(absl::StrCat("s", i), i % 2 ? "2026-03-10T09:00:00Z" : "2026-03-10T21:30:00Z");
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::EvaluateStreamResponse response;
  int received = 0;
  int64_t last_index = -1;
  while (stream->Read(&response)) {
    EXPECT_EQ(response.event_id(), absl::StrCat("s", received));
    EXPECT_EQ(response.decision().effect(), received % 2 ? v1::EFFECT_ALLOW_WITH_OBLIGATIONS : v1::EFFECT_DENY);
    EXPECT_GT(response.decision().log_index(), last_index);
    last_index = response.decision().log_index();
    ++received;
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(received, kEvents);
}

TEST_F(GrensdTest, BatchedStreamMessagesAreAnsweredInOneMessageEachInOrder) {
  grpc::ClientContext context;
  auto stream = guard_->EvaluateStream(&context);
  constexpr int kMessages = 50;
  constexpr int kPerMessage = 100;
  std::thread writer([&] {
    for (int m = 0; m < kMessages; ++m) {
      v1::EvaluateStreamRequest request;
      for (int i = 0; i < kPerMessage; ++i) {
        const int n = m * kPerMessage + i;
        *request.add_events() = PresenceEvent(absl::StrCat("b", n), n % 2 ? "2026-03-10T09:00:00Z" : "2026-03-10T21:30:00Z");
      }
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  v1::EvaluateStreamResponse response;
  int messages = 0;
  int decided = 0;
  int64_t last_index = -1;
  while (stream->Read(&response)) {
    ++messages;
    EXPECT_FALSE(response.has_decision());
    ASSERT_EQ(response.decisions_size(), kPerMessage);
    for (const v1::Decision& d : response.decisions()) {
      EXPECT_EQ(d.event_id(), absl::StrCat("b", decided));
      EXPECT_EQ(d.effect(), decided % 2 ? v1::EFFECT_ALLOW_WITH_OBLIGATIONS : v1::EFFECT_DENY);
      EXPECT_GT(d.log_index(), last_index);
      last_index = d.log_index();
      ++decided;
    }
  }
  writer.join();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_EQ(messages, kMessages);
  EXPECT_EQ(decided, kMessages * kPerMessage);
}

TEST_F(GrensdTest, AStreamMessageWithBothFormsIsRefusedNamingThem) {
  grpc::ClientContext context;
  auto stream = guard_->EvaluateStream(&context);
  v1::EvaluateStreamRequest both;
  *both.mutable_event() = PresenceEvent("one", "2026-03-10T09:00:00Z");
  *both.add_events() = PresenceEvent("two", "2026-03-10T09:00:00Z");
  stream->Write(both);
  stream->WritesDone();
  v1::EvaluateStreamResponse response;
  EXPECT_FALSE(stream->Read(&response));
  const grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("either event or events"));
}

TEST_F(GrensdTest, ABadEventEndsAStreamWithAStatusNamingIt) {
  grpc::ClientContext context;
  auto stream = guard_->EvaluateStream(&context);
  v1::EvaluateStreamRequest good;
  *good.mutable_event() = PresenceEvent("ok-1", "2026-03-10T09:00:00Z");
  v1::EvaluateStreamRequest bad;
  *bad.mutable_event() = PresenceEvent("broken-2", "2026-03-10T09:00:00Z");
  bad.mutable_event()->clear_occurred_at();
  ASSERT_TRUE(stream->Write(good));
  v1::EvaluateStreamResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.event_id(), "ok-1");
  stream->Write(bad);
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  const grpc::Status s = stream->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("broken-2"));
  EXPECT_THAT(s.error_message(), HasSubstr("event.occurred_at"));
}

TEST_F(GrensdTest, ABrokenFileKeepsTheOldRevisionAndAGoodOneReplacesIt) {
  const std::string before = Status().revision();
  ASSERT_FALSE(before.empty());
  // Written in place (no watch event for another name): the RPC does the reload.
  dir_.Write(kPolicy, "id: [broken\n");
  const v1::ReloadResponse rejected = Reload();
  EXPECT_FALSE(rejected.activated());
  EXPECT_EQ(rejected.revision(), before);
  ASSERT_FALSE(rejected.diagnostics().empty());
  EXPECT_THAT(rejected.diagnostics(0).message(), HasSubstr("YAML syntax error"));
  v1::StatusResponse status = Status();
  EXPECT_EQ(status.revision(), before);
  EXPECT_THAT(status.last_rejection(), HasSubstr("YAML syntax error"));
  v1::Decision d;
  ASSERT_TRUE(Evaluate(PresenceEvent("r1", "2026-03-10T09:00:00Z"), &d).ok());
  EXPECT_EQ(d.policy_revision(), before);

  dir_.Write(kPolicy, ChangedPolicy("second edition"));
  const v1::ReloadResponse activated = Reload();
  // The file watcher may have activated it first; either way it is active now.
  EXPECT_TRUE(activated.activated() || activated.revision() != before);
  EXPECT_TRUE(Eventually([&] { return Status().revision() != before; }, absl::Seconds(10)));
  ASSERT_TRUE(Evaluate(PresenceEvent("r2", "2026-03-10T09:00:00Z"), &d).ok());
  EXPECT_NE(d.policy_revision(), before);
}

TEST_F(GrensdTest, AFileThatFailsItsOwnTestsIsRejected) {
  const std::string before = Status().revision();
  // Allow screenshots: case "screenshots are banned" of the suite must now fail.
  dir_.Write(kPolicy, absl::StrReplaceAll(SourceFile("policy/examples/nl-agreement.yaml"),
                                          {{"categories: [SCREENSHOT, SCREEN_RECORDING, INPUT, WEBCAM, EMOTION]",
                                            "categories: [SCREEN_RECORDING, INPUT, WEBCAM, EMOTION]"}}));
  const v1::ReloadResponse r = Reload();
  EXPECT_FALSE(r.activated());
  ASSERT_FALSE(r.failed_tests().empty());
  EXPECT_EQ(r.failed_tests(0).name(), "screenshots are banned even in working time");
  EXPECT_EQ(Status().revision(), before);
}

TEST_F(GrensdTest, FileWatchReloadsOnRenameOver) {
  const std::string before = Status().revision();
  dir_.Write(kPolicy, ChangedPolicy("edited by an editor that renames"));  // write temp + rename
  EXPECT_TRUE(Eventually([&] { return Status().revision() != before; }, absl::Seconds(10)));
}

TEST_F(GrensdTest, SighupReloads) {
  const int64_t reloads = Status().reloads();
  grensd_->Signal(SIGHUP);
  EXPECT_TRUE(Eventually([&] { return Status().reloads() > reloads; }, absl::Seconds(10)));
}

TEST_F(GrensdTest, SigtermExitsZero) {
  grensd_->Signal(SIGTERM);
  EXPECT_EQ(grensd_->WaitForExit(absl::Seconds(30)), 0);
  EXPECT_THAT(grensd_->Stderr(), HasSubstr("grensd stopped"));
}

TEST_F(GrensdTest, PolicyAdminAnswers) {
  grpc::ClientContext context;
  v1::GetPolicyResponse policy;
  ASSERT_TRUE(admin_->GetPolicy(&context, v1::GetPolicyRequest(), &policy).ok());
  EXPECT_EQ(policy.policy_id(), "nl-voorbeeld-2026");
  EXPECT_EQ(policy.revision().size(), 64u);
  EXPECT_EQ(policy.source_path(), policy_path_);

  grpc::ClientContext validate_context;
  v1::ValidateRequest request;
  request.set_text("id: x\nclauses: [{id: \"1\"}]\nrulez: []\n");
  request.set_filename("candidate.yaml");
  v1::ValidateResponse response;
  ASSERT_TRUE(admin_->Validate(&validate_context, request, &response).ok());
  EXPECT_FALSE(response.valid());
  ASSERT_EQ(response.diagnostics_size(), 1);
  EXPECT_EQ(response.diagnostics(0).line(), 3);
  EXPECT_EQ(response.diagnostics(0).field_path(), "rulez");
}

TEST(GrensdStartup, ConfigMapSymlinkSwapIsWatched) {
  // Kubernetes mounts a ConfigMap as policy.yaml -> ..data/policy.yaml, with
  // ..data -> ..<timestamp>; an update swaps ..data atomically.
  TempDir dir;
  const std::string base = dir.path();
  ::mkdir((base + "/..v1").c_str(), 0755);
  ::mkdir((base + "/..v2").c_str(), 0755);
  const std::string policy = SourceFile("policy/examples/nl-agreement.yaml");
  dir.Write("..v1/policy.yaml", policy);
  dir.Write("..v1/nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  dir.Write("..v2/policy.yaml", absl::StrReplaceAll(policy, {{"2026-2027\"", "2026-2027, v2\""}}));
  dir.Write("..v2/nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  ASSERT_EQ(::symlink("..v1", (base + "/..data").c_str()), 0);
  ASSERT_EQ(::symlink("..data/policy.yaml", (base + "/policy.yaml").c_str()), 0);
  ASSERT_EQ(::symlink("..data/nl-agreement.tests.yaml", (base + "/nl-agreement.tests.yaml").c_str()), 0);
  auto grensd = GrensdProcess::Start(dir, absl::StrCat("policy_path: ", base, "/policy.yaml\ndata_dir: ", base, "/data\n"));
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  auto admin = v1::PolicyAdmin::NewStub((*grensd)->Channel());
  auto revision = [&] {
    grpc::ClientContext context;
    v1::StatusResponse s;
    admin->Status(&context, v1::StatusRequest(), &s);
    return s.revision();
  };
  const std::string before = revision();
  ASSERT_EQ(::symlink("..v2", (base + "/..data_tmp").c_str()), 0);
  ASSERT_EQ(::rename((base + "/..data_tmp").c_str(), (base + "/..data").c_str()), 0);
  EXPECT_TRUE(Eventually([&] { return revision() != before; }, absl::Seconds(10)));
}

TEST(GrensdStartup, ABadPolicyAtStartupExitsNonZeroNamingTheProblem) {
  TempDir dir;
  const std::string policy = dir.Write("bad.yaml", "id: x\nclauses: [{id: \"1\"}]\nrulez: []\n");
  const auto [code, err] = GrensdProcess::RunToExit(dir, absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\n"));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("bad.yaml:3:1: rulez"));
}

TEST(GrensdStartup, PlaintextOffLoopbackIsRefused) {
  TempDir dir;
  const auto [code, err] = GrensdProcess::RunToExit(
      dir, "policy_path: /nonexistent.yaml\nlisteners: [{address: \"0.0.0.0:0\"}]\n");
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("plaintext is refused"));
}

TEST(GrensdStartup, ServesOnAUnixSocket) {
  TempDir dir;
  dir.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  const std::string policy = dir.Write("p.yaml", SourceFile("policy/examples/nl-agreement.yaml"));
  auto grensd = GrensdProcess::Start(
      dir, absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\nlisteners: [{address: \"unix:",
                        dir.path(), "/grens.sock\", unix_socket_mode: \"0600\"}]\n"));
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  EXPECT_EQ((*grensd)->address(), absl::StrCat("unix:", dir.path(), "/grens.sock"));
  struct stat st;
  ASSERT_EQ(::stat((dir.path() + "/grens.sock").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace grens::testing

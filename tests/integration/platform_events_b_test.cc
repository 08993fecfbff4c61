// Native payloads of Google Workspace, Mattermost, Jitsi/JaaS and Matrix
// through the real grensd (Guard.EvaluatePlatformEvent): each platform's secret
// from its secret_file, collector and purpose from its platforms entry,
// subjects' groups from a directory snapshot, and decisions judged by the Dutch
// example agreement (policy/examples/nl-agreement.yaml, Annex A.8-A.10). The
// payloads are the adapter golden cases' (tests/adapters/testdata), so the
// translation checked there is what is judged here.

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

using ::testing::ElementsAre;

constexpr char kGoogleToken[] = "psh-91c4e7a2f05b";
constexpr char kMattermostToken[] = "hk4xq8w1c3n5p7r9t2v4y6z8ab";
constexpr char kJitsiToken[] = "TOKEN-5d8e2a7c41";
constexpr char kMatrixToken[] = "hs-7f3c9a1e5b";

// A. de Vries is in sales under every platform id; the works-council member
// (ondernemingsraad) must never be monitored (clause 7.1).
constexpr char kDirectory[] = R"(people:
  - ids: ["109876543210987654321", "a.devries@voorbeeld.nl", "emp-0042", "@adevries:example.nl",
          "u7d3f5g7h9j1k3l5m7n9b1v3c5"]
    groups: [sales]
  - ids: ["108888888888888888888", "emp-0099", "@orlid:example.nl"]
    groups: [ondernemingsraad]
)";

std::string Testdata(const std::string& platform, const std::string& file) {
  return SourceFile(absl::StrCat("tests/adapters/testdata/", platform, "/", file));
}

// One delivery as a webhook relay would forward it.
struct Delivery {
  Delivery(std::string platform_name, std::string body)
      : platform(std::move(platform_name)), payload(std::move(body)) {}
  Delivery& Header(const std::string& name, const std::string& value) {
    headers[name] = value;
    return *this;
  }
  Delivery& Query(std::string q) {
    query = std::move(q);
    return *this;
  }
  Delivery& Type(std::string t) {
    content_type = std::move(t);
    return *this;
  }
  Delivery& For(std::string c, std::string p) {
    collector = std::move(c);
    purpose = std::move(p);
    return *this;
  }

  std::string platform;
  std::string payload;
  std::map<std::string, std::string> headers;
  std::string content_type;
  std::string query;
  std::string collector;
  std::string purpose;
};

class PlatformEventsBTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string policy = WriteNlPolicy(*dir_);
    const std::string directory = dir_->Write("directory.yaml", kDirectory);
    std::string config = absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir_->path(),
                                      "/data\ndirectory_file: ", directory, "\nplatforms:\n");
    const std::pair<const char*, const char*> platforms[][2] = {
        {{"google", kGoogleToken}, {"meet-attendance", "meeting_follow_up"}},
        {{"mattermost", kMattermostToken}, {"chat-legal-hold", "legal_hold"}},
        {{"jitsi", kJitsiToken}, {"jitsi-attendance", "meeting_follow_up"}},
        {{"matrix", kMatrixToken}, {"chat-legal-hold", "legal_hold"}},
    };
    for (const auto& p : platforms) {
      // A trailing newline, as editors write it: grensd strips it.
      const std::string secret = dir_->Write(absl::StrCat(p[0].first, ".secret"), absl::StrCat(p[0].second, "\n"));
      absl::StrAppend(&config, "  - platform: ", p[0].first, "\n    secret_file: ", secret,
                      "\n    collector: ", p[1].first, "\n    purpose: ", p[1].second, "\n");
    }
    auto process = GrensdProcess::Start(*dir_, config);
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = process->release();
  }

  static void TearDownTestSuite() {
    delete grensd_;
    grensd_ = nullptr;
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(grensd_, nullptr);
    guard_ = v1::Guard::NewStub(grensd_->Channel());
  }

  grpc::Status Send(const Delivery& d, v1::EvaluatePlatformEventResponse* response) {
    v1::EvaluatePlatformEventRequest request;
    request.set_platform(d.platform);
    request.set_payload(d.payload);
    request.set_content_type(d.content_type);
    request.set_query(d.query);
    request.set_collector(d.collector);
    request.set_purpose(d.purpose);
    request.set_tenant("voorbeeld");
    for (const auto& [name, value] : d.headers) (*request.mutable_headers())[name] = value;
    grpc::ClientContext context;
    return guard_->EvaluatePlatformEvent(&context, request, response);
  }

  // Effects and first clause of each decision, e.g. "ALLOW_WITH_OBLIGATIONS 2.1".
  static std::vector<std::string> Summary(const v1::EvaluatePlatformEventResponse& response) {
    std::vector<std::string> out;
    for (const v1::Decision& d : response.decisions()) {
      const std::string& name = v1::Effect_Name(d.effect());
      out.push_back(absl::StrCat(absl::StripPrefix(name, "EFFECT_"), " ",
                                 d.reasons_size() > 0 ? d.reasons(0).clause_id() : "-"));
    }
    return out;
  }

  static TempDir* dir_;
  static GrensdProcess* grensd_;
  std::unique_ptr<v1::Guard::Stub> guard_;
};

TempDir* PlatformEventsBTest::dir_ = nullptr;
GrensdProcess* PlatformEventsBTest::grensd_ = nullptr;

std::string MeetJoin(const std::string& user, const std::string& time) {
  const std::string data = absl::StrCat(
      R"({"participantSession":{"name":"conferenceRecords/cr-1/participants/p-2/participantSessions/s-3"},)",
      R"("participant":{"name":"conferenceRecords/cr-1/participants/p-2","signedinUser":{"user":"users/)", user,
      R"("}}})");
  return absl::StrCat(R"({"message":{"attributes":{"ce-id":"id-)", user, R"(","ce-source":"//meet.googleapis.com/spaces/s",)",
                      R"("ce-specversion":"1.0","ce-type":"google.workspace.meet.participant.v2.joined","ce-time":")",
                      time, R"("},"data":")", absl::Base64Escape(data), R"(","messageId":"1"},"subscription":"s"})");
}

TEST_F(PlatformEventsBTest, MeetJoinInWorkingTimeIsKeptThirtyDays) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Delivery("google", Testdata("google", "pubsub_participant_joined.json"))
                       .Type("application/json")
                       .Query(absl::StrCat("token=", kGoogleToken)),
                   &response)
                  .ok());
  EXPECT_THAT(Summary(response), ElementsAre("ALLOW_WITH_OBLIGATIONS 2.1"));
  EXPECT_EQ(response.decisions(0).obligations().max_retention().seconds(), 30 * 86400);
  EXPECT_EQ(response.decisions(0).event_id(), "b7c1f0e2-5d3a-4c8e-9f21-6a7b8c9d0e1f");  // the ce-id
}

TEST_F(PlatformEventsBTest, MeetJoinOfAWorksCouncilMemberOrAtNightIsRefused) {
  v1::EvaluatePlatformEventResponse council;
  ASSERT_TRUE(Send(Delivery("meet", MeetJoin("108888888888888888888", "2026-03-10T09:00:00Z"))
                       .Query(absl::StrCat("token=", kGoogleToken)),
                   &council)
                  .ok());
  EXPECT_THAT(Summary(council), ElementsAre("DENY 7.1"));
  v1::EvaluatePlatformEventResponse night;
  ASSERT_TRUE(Send(Delivery("google", MeetJoin("109876543210987654321", "2026-03-10T21:15:00Z"))
                       .Query(absl::StrCat("token=", kGoogleToken)),
                   &night)
                  .ok());
  EXPECT_THAT(Summary(night), ElementsAre("DENY 6.1"));
}

TEST_F(PlatformEventsBTest, ReportsCallEndedForItQosAllowsOnlyTheCallQualityPart) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Delivery("google", Testdata("google", "reports_call_ended.json"))
                       .Header("x-goog-channel-token", kGoogleToken)
                       .For("it-qos", "fault_analysis"),
                   &response)
                  .ok());
  // ATTENDANCE and LOCATION are not agreed for it-qos; CALL_QUALITY is, pseudonymised.
  EXPECT_THAT(Summary(response), ElementsAre("DENY 9.1", "ALLOW_WITH_OBLIGATIONS 3.1", "DENY 9.1"));
  EXPECT_TRUE(response.decisions(1).obligations().pseudonymise());
  EXPECT_NE(response.decisions(1).transformed_event().subject().id(), "109876543210987654321");
}

TEST_F(PlatformEventsBTest, MattermostJsonAndFormWebhooksAreALegalHoldWithTheIbanRedacted) {
  for (const auto& [file, type] : {std::pair<std::string, std::string>{"outgoing_json.json", "application/json"},
                                   {"outgoing_form.form", "application/x-www-form-urlencoded"}}) {
    SCOPED_TRACE(file);
    v1::EvaluatePlatformEventResponse response;
    ASSERT_TRUE(Send(Delivery("mattermost", Testdata("mattermost", file)).Header("Content-Type", type), &response).ok());
    ASSERT_THAT(Summary(response), ElementsAre("ALLOW_WITH_OBLIGATIONS 8.2"));
    const v1::Decision& d = response.decisions(0);
    EXPECT_THAT(d.obligations().redactions_applied(), ElementsAre("iban"));
    ASSERT_EQ(d.transformed_event().content_size(), 1);
    EXPECT_FALSE(absl::StrContains(d.transformed_event().content(0).text(), "NL91ABNA0417164300"));
  }
}

TEST_F(PlatformEventsBTest, JitsiTalkTimeIsRefusedWhileAttendanceIsAllowed) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Delivery("jitsi", Testdata("jitsi", "occupant_left_speaker_stats.json"))
                       .Header("authorization", absl::StrCat("Bearer ", kJitsiToken)),
                   &response)
                  .ok());
  EXPECT_THAT(Summary(response), ElementsAre("ALLOW_WITH_OBLIGATIONS 2.1", "DENY 4.1"));
}

TEST_F(PlatformEventsBTest, JaasThroughItsAliasUsesTheJitsiConfig) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(
      Send(Delivery("jaas", Testdata("jitsi", "jaas_participant_left.json")).Header("Authorization", kJitsiToken),
           &response)
          .ok());
  EXPECT_THAT(Summary(response), ElementsAre("ALLOW_WITH_OBLIGATIONS 2.1"));
  EXPECT_EQ(response.decisions(0).event_id(), "d11f155d-ced5-4a7e-b6d9-aaa135c64f65");  // the idempotencyKey
}

TEST_F(PlatformEventsBTest, MatrixTransactionIsJudgedPerEvent) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Delivery("matrix", Testdata("matrix", "message_encrypted_reaction.json"))
                       .Header("authorization", absl::StrCat("Bearer ", kMatrixToken)),
                   &response)
                  .ok());
  // The message is a legal hold with the phone number redacted; the encrypted
  // message and the reaction are metadata nobody agreed to.
  EXPECT_THAT(Summary(response), ElementsAre("ALLOW_WITH_OBLIGATIONS 8.2", "DENY 9.1", "DENY 9.1"));
  EXPECT_THAT(response.decisions(0).obligations().redactions_applied(), ElementsAre("phone_nl"));
  v1::EvaluatePlatformEventResponse unknown;
  ASSERT_TRUE(Send(Delivery("element", Testdata("matrix", "membership_and_unknown.json"))
                       .Query(absl::StrCat("access_token=", kMatrixToken)),
                   &unknown)
                  .ok());
  ASSERT_EQ(unknown.decisions_size(), 3);
  EXPECT_EQ(unknown.decisions(2).effect(), v1::EFFECT_DENY);  // m.call.invite: UNSPECIFIED
}

TEST_F(PlatformEventsBTest, BadTokensAreRefusedAsUnauthenticatedOnEveryPlatform) {
  const Delivery deliveries[] = {
      Delivery("google", Testdata("google", "pubsub_participant_joined.json")).Query("token=psh-00000000000"),
      Delivery("mattermost", Testdata("mattermost", "wrong_token.json")).Type("application/json"),
      Delivery("jitsi", Testdata("jitsi", "occupant_joined.json")).Header("authorization", "Bearer TOKEN-0000000000"),
      Delivery("jaas", Testdata("jitsi", "jaas_participant_left.json")),  // no Authorization header at all
      Delivery("matrix", Testdata("matrix", "message_encrypted_reaction.json"))
          .Header("authorization", "Bearer hs-guessed"),
  };
  for (const Delivery& d : deliveries) {
    SCOPED_TRACE(d.platform);
    v1::EvaluatePlatformEventResponse response;
    grpc::Status status = Send(d, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << status.error_message();
    EXPECT_EQ(response.decisions_size(), 0);
  }
  // The refusals are logged for the operator, not silently dropped.
  EXPECT_TRUE(Eventually([&] { return absl::StrContains(grensd_->Stderr(), "platform delivery refused"); },
                         absl::Seconds(10)));
}

TEST_F(PlatformEventsBTest, MalformedPayloadsAreInvalidArgumentNamingTheField) {
  v1::EvaluatePlatformEventResponse response;
  grpc::Status status = Send(Delivery("matrix", Testdata("matrix", "missing_sender.json"))
                                 .Header("authorization", absl::StrCat("Bearer ", kMatrixToken)),
                             &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("matrix: events[1].sender: missing"));
  EXPECT_EQ(response.decisions_size(), 0);
}

}  // namespace
}  // namespace grens::testing

// Guard.EvaluatePlatformEvent through the real grensd on the Dutch example
// agreement: native Graph, Zoom, Slack and Webex deliveries (the golden cases'
// own payloads and signatures) become decisions in payload order with their
// log indices; a works-council member from the directory is exempt; handshakes
// are answered without a decision; a bad signature, an unknown platform and a
// payload above limits.max_events_per_payload are refused and nothing of them
// is logged. Graph presence, which carries no event time, is judged at
// grensd's own clock (--clock_start): inside and outside working time.
//
// The golden payloads carry signature timestamps from March 2026, so the
// config gives Slack and Zoom a replay window wide enough for them: the tests
// never read the wall clock, and stale timestamps are the golden tests' job.

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grens/v1/audit_log.grpc.pb.h"
#include "grens/v1/guard.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/adapters/adapter_golden.pb.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// The people the payloads name. Jan Bakker sits on the works council
// (ondernemingsraad), so the agreement never lets him be monitored (clause 7.1).
constexpr char kDirectory[] = R"(people:
  - ids: ["a.devries@example.nl", "5a1e6b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b", "U0WORKER1", "W0WORKER1"]
    groups: [staff, nl-office]
    time_zone: Europe/Amsterdam
  - ids: ["j.bakker@example.nl", "6b2f7c3d-4e5f-4061-9bac-1d2e3f4a5b6c", "U0WORKER2", "W0WORKER2"]
    groups: [ondernemingsraad, staff]
    time_zone: Europe/Amsterdam
  - ids: ["p.jansen@example.nl", "W0WORKER3"]
    groups: [staff]
    time_zone: Europe/Amsterdam
)";

class PlatformEventsTest : public ::testing::Test {
 public:
  // The agreement, directory, limits and platforms of these tests, written
  // into `dir`; the config text.
  static std::string Config(const TempDir& dir) {
    dir.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
    const std::string policy = dir.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml"));
    return absl::StrCat(
        "policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\n",
        "directory_file: ", dir.Write("directory.yaml", kDirectory), "\n",
        "limits:\n  max_events_per_payload: 5\n",
        "platforms:\n",
        Platform(dir, "teams", "graph-client-state-5c1e9d", "teams-attendance", "meeting_follow_up", ""),
        Platform(dir, "zoom", "zoom-golden-secret-token-b7e2", "zoom-reports", "meeting_follow_up", "36500d"),
        Platform(dir, "slack", "slack-golden-secret-8f74", "security-siem", "security_incident_detection", "36500d"),
        Platform(dir, "webex", "webex-golden-webhook-secret-41d0", "webex-meetings", "meeting_follow_up", ""));
  }

 protected:
  void SetUp() override {
    auto process = GrensdProcess::Start(dir_, Config(dir_));
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    guard_ = v1::Guard::NewStub(grensd_->Channel());
  }

  static std::string Platform(const TempDir& dir, const std::string& name, const std::string& secret,
                              const std::string& collector, const std::string& purpose, const std::string& window) {
    std::string entry = absl::StrCat("  - platform: ", name, "\n    secret_file: ",
                                     dir.Write(name + ".secret", secret + "\n"), "\n    collector: ", collector,
                                     "\n    purpose: ", purpose, "\n");
    if (!window.empty()) absl::StrAppend(&entry, "    replay_window: \"", window, "\"\n");
    return entry;
  }

  // The delivery of golden case tests/adapters/testdata/<platform>/<name>:
  // its headers, query and payload, sent as `platform` names it.
  static v1::EvaluatePlatformEventRequest Golden(const std::string& platform, const std::string& name,
                                                 const std::string& extension = ".json") {
    const std::string base = absl::StrCat("tests/adapters/testdata/", platform, "/", name);
    test::AdapterGolden golden;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(SourceFile(base + ".textproto"), &golden)) << base;
    v1::EvaluatePlatformEventRequest request = golden.request();
    request.set_platform(platform);
    request.set_tenant("voorbeeld");
    request.set_payload(SourceFile(base + extension));
    return request;
  }

  grpc::Status Send(const v1::EvaluatePlatformEventRequest& request, v1::EvaluatePlatformEventResponse* response) {
    grpc::ClientContext context;
    return guard_->EvaluatePlatformEvent(&context, request, response);
  }

  // Sends a delivery that must succeed and returns its decisions.
  std::vector<v1::Decision> Decide(const v1::EvaluatePlatformEventRequest& request) {
    v1::EvaluatePlatformEventResponse response;
    const grpc::Status status = Send(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.decisions().begin(), response.decisions().end()};
  }

  static std::vector<std::string> Clauses(const std::vector<v1::Decision>& decisions) {
    std::vector<std::string> out;
    for (const v1::Decision& d : decisions) out.push_back(d.reasons_size() > 0 ? d.reasons(0).clause_id() : "");
    return out;
  }

  TempDir dir_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::Guard::Stub> guard_;
};

TEST_F(PlatformEventsTest, GraphCallRecordIsJudgedPerParticipantInPayloadOrder) {
  const std::vector<v1::Decision> d = Decide(Golden("graph", "call_record"));
  ASSERT_EQ(d.size(), 5u);
  // ATTENDANCE for Anna, Jan (works council), the guest; CALL_QUALITY for Anna, Jan.
  EXPECT_EQ(Clauses(d), (std::vector<std::string>{"2.1", "7.1", "2.1", "9.1", "7.1"}));
  EXPECT_EQ(d[0].effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d[0].obligations().max_retention().seconds(), 30 * 86400);
  EXPECT_EQ(d[1].effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d[3].effect(), v1::EFFECT_DENY);  // an attendance collector gets no call quality
  for (size_t i = 0; i < d.size(); ++i) {
    EXPECT_EQ(d[i].event_id(), "e523d2ed-2966-4b6b-925b-754a88034cc5");
    EXPECT_EQ(d[i].policy_id(), "nl-voorbeeld-2026");
    if (i > 0) {
      EXPECT_EQ(d[i].log_index(), d[i - 1].log_index() + 1) << "decision " << i;
    }
  }
}

TEST_F(PlatformEventsTest, TeamsValidationTokenIsEchoedWithoutADecision) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Golden("graph", "validation_token"), &response).ok());
  EXPECT_EQ(response.decisions_size(), 0);
  EXPECT_EQ(response.handshake().http_status(), 200);
  EXPECT_EQ(response.handshake().content_type(), "text/plain");
  EXPECT_THAT(response.handshake().body(), HasSubstr("Validation: Testing client application reachability"));
}

TEST_F(PlatformEventsTest, ZoomParticipantJoinedIsAllowedForTheOrganisersFollowUp) {
  const std::vector<v1::Decision> d = Decide(Golden("zoom", "participant_joined"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(Clauses(d), std::vector<std::string>{"2.1"});
  EXPECT_GE(d[0].log_index(), 1);
}

TEST_F(PlatformEventsTest, ZoomUrlValidationIsAnswered) {
  v1::EvaluatePlatformEventResponse response;
  ASSERT_TRUE(Send(Golden("zoom", "url_validation"), &response).ok());
  EXPECT_EQ(response.decisions_size(), 0);
  EXPECT_EQ(response.handshake().content_type(), "application/json");
  EXPECT_EQ(response.handshake().body(),
            "{\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\","
            "\"encryptedToken\":\"46b3d583d6d8ce1263cbd40c74daf4e756e69dabbe7525a50bc733aec659696e\"}");
}

TEST_F(PlatformEventsTest, ZoomRecordingAboveTheEventLimitIsRefusedWhole) {
  v1::EvaluatePlatformEventResponse response;
  const grpc::Status status = Send(Golden("zoom", "recording_completed"), &response);  // 6 events, limit 5
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("limits.max_events_per_payload (5)"));
  EXPECT_EQ(response.decisions_size(), 0);
}

TEST_F(PlatformEventsTest, SlackMessageForLegalHoldIsRedacted) {
  v1::EvaluatePlatformEventRequest request = Golden("slack", "message_channel");
  request.set_collector("ediscovery");
  request.set_purpose("legal_hold");
  const std::vector<v1::Decision> d = Decide(request);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(Clauses(d), std::vector<std::string>{"8.2"});
  EXPECT_EQ(d[0].event_id(), "Ev07ABCD1234");
  ASSERT_EQ(d[0].transformed_event().content_size(), 1);
  EXPECT_THAT(d[0].transformed_event().content(0).text(), HasSubstr("Draft is in the shared folder"));
  EXPECT_THAT(d[0].transformed_event().content(0).text(), Not(HasSubstr("12345678")));
}

TEST_F(PlatformEventsTest, SlackAuditPageExemptsTheWorksCouncilMember) {
  const std::vector<v1::Decision> d = Decide(Golden("slack", "audit_logs_page"));
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(Clauses(d), (std::vector<std::string>{"8.1", "7.1", "8.1"}));
  EXPECT_EQ(d[0].effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(d[1].effect(), v1::EFFECT_DENY);
  EXPECT_EQ(d[1].event_id(), "1123a45b-6c7d-8900-e12f-3456789gh0i2");
  EXPECT_EQ(d[2].log_index(), d[0].log_index() + 2);
}

TEST_F(PlatformEventsTest, SlackUnknownEventIsDeniedAsUnclassified) {
  const std::vector<v1::Decision> d = Decide(Golden("slack", "unknown_event"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].effect(), v1::EFFECT_DENY);
}

TEST_F(PlatformEventsTest, WebexAttendanceForAnUnregisteredCollectorIsDenied) {
  const std::vector<v1::Decision> d = Decide(Golden("webex", "participant_joined"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].effect(), v1::EFFECT_DENY);
  EXPECT_EQ(Clauses(d), std::vector<std::string>{"9.2"});  // webex-meetings is not in Annex A
}

TEST_F(PlatformEventsTest, BadSignatureIsRefusedAndNothingIsLogged) {
  const std::vector<v1::Decision> before = Decide(Golden("zoom", "participant_joined"));
  ASSERT_EQ(before.size(), 1u);
  for (const auto& [platform, name] : std::vector<std::pair<std::string, std::string>>{
           {"slack", "bad_signature"}, {"zoom", "bad_signature"}, {"webex", "bad_signature"},
           {"teams", "bad_client_state"}}) {
    v1::EvaluatePlatformEventRequest request = Golden(platform == "teams" ? "graph" : platform, name);
    request.set_platform(platform);
    v1::EvaluatePlatformEventResponse response;
    const grpc::Status status = Send(request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << platform << ": " << status.error_message();
    EXPECT_EQ(response.decisions_size(), 0) << platform;
  }
  const std::vector<v1::Decision> after = Decide(Golden("zoom", "participant_joined"));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].log_index(), before[0].log_index() + 1) << "a refused delivery reached the log";
  EXPECT_TRUE(Eventually([&] { return grensd_->Stderr().find("platform delivery refused") != std::string::npos; },
                         absl::Seconds(10)));
}

TEST_F(PlatformEventsTest, UnknownPlatformIsNotFound) {
  v1::EvaluatePlatformEventRequest request = Golden("slack", "message_channel");
  request.set_platform("hipchat");
  v1::EvaluatePlatformEventResponse response;
  const grpc::Status status = Send(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("hipchat"));
}

TEST_F(PlatformEventsTest, MalformedPayloadNamesTheByte) {
  v1::EvaluatePlatformEventResponse response;
  const grpc::Status status = Send(Golden("webex", "truncated"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("webex: byte 300"));
}

// A Graph presence change notification for Anna de Vries (in the directory:
// staff, Europe/Amsterdam), as the relay forwards it: the decrypted presence
// under decryptedContent. Presence carries no time of its own.
v1::EvaluatePlatformEventRequest GraphPresence(const std::string& availability, const std::string& activity) {
  v1::EvaluatePlatformEventRequest request;
  request.set_platform("teams");
  request.set_content_type("application/json");
  request.set_tenant("voorbeeld");
  request.set_collector("teams-presence");
  request.set_purpose("colleague_availability");
  const std::string id = "5a1e6b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b";
  request.set_payload(absl::StrCat(
      R"({"value":[{"subscriptionId":"7f0c3a2e-5b1d-4c8e-9a6f-1d2e3f4a5b6c","changeType":"updated",)",
      R"("clientState":"graph-client-state-5c1e9d","tenantId":"c0ffee00-1234-4abc-9def-0123456789ab",)",
      R"j("resource":"communications/presences(')j", id, R"j(')",)j",
      R"("resourceData":{"@odata.type":"#microsoft.graph.presence","id":")", id, R"("},)",
      R"("decryptedContent":{"@odata.type":"#microsoft.graph.presence","id":")", id, R"(",)",
      R"("availability":")", availability, R"(","activity":")", activity, R"("}}]})"));
  return request;
}

// What the decision log holds for `decision`, read through the works
// council's service: the event's category, subject zone and time as judged.
v1::LogRecord RecordOf(const GrensdProcess& grensd, const v1::Decision& decision) {
  v1::ListRecordsRequest request;
  request.set_page_size(1000);
  request.mutable_filter()->add_kinds(v1::RECORD_KIND_DECISION);
  grpc::ClientContext context;
  v1::ListRecordsResponse response;
  const grpc::Status status = v1::AuditLog::NewStub(grensd.Channel())->ListRecords(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  for (const v1::LogRecord& r : response.records()) {
    if (r.decision_id() == decision.decision_id()) return r;
  }
  ADD_FAILURE() << "decision " << decision.decision_id() << " is not in the log";
  return {};
}

// The event was judged at grensd's receipt time, which its clock gives
// (--clock_start plus the seconds the test has run), in the subject's zone.
void ExpectJudgedAt(const v1::LogRecord& record, v1::Category category, absl::Time clock_start) {
  EXPECT_EQ(record.category(), category);
  EXPECT_EQ(record.subject_zone(), "Europe/Amsterdam");
  const absl::Time at = absl::FromUnixSeconds(record.occurred_at().seconds());
  EXPECT_GE(at, clock_start - absl::Seconds(1));
  EXPECT_LT(at, clock_start + absl::Minutes(5));
}

TEST_F(PlatformEventsTest, GraphAvailablePresenceIsShownLiveInWorkingTime) {
  // kGrensdClockStart is a Wednesday, 15:00 in Amsterdam.
  const std::vector<v1::Decision> d = Decide(GraphPresence("Available", "Available"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(Clauses(d), std::vector<std::string>{"1.1"});
  EXPECT_TRUE(d[0].obligations().has_max_retention());
  EXPECT_EQ(d[0].obligations().max_retention().seconds(), 0);  // shown live, never stored
  ExpectJudgedAt(RecordOf(*grensd_, d[0]), v1::CATEGORY_PRESENCE, GrensdClockStart());
}

TEST_F(PlatformEventsTest, GraphIdlePresenceIsActivityWhichTheAgreementDoesNotAllow) {
  const std::vector<v1::Decision> d = Decide(GraphPresence("AvailableIdle", "Inactive"));
  ASSERT_EQ(d.size(), 1u);
  // Idle detection is ACTIVITY, not PRESENCE: clause 1.1 does not cover it,
  // so the agreement's default applies ("not agreed is not allowed").
  EXPECT_EQ(d[0].effect(), v1::EFFECT_DENY);
  EXPECT_EQ(Clauses(d), std::vector<std::string>{"9.1"});
  ExpectJudgedAt(RecordOf(*grensd_, d[0]), v1::CATEGORY_ACTIVITY, GrensdClockStart());
}

TEST(PlatformEventsEveningTest, GraphPresenceOutsideWorkingTimeIsDenied) {
  // The same delivery to a grensd whose clock reads 22:00 in Amsterdam: the
  // receipt time, not the payload, decides that it is outside working time.
  TempDir dir;
  const std::string evening = "2026-06-03T20:00:00Z";
  auto grensd = GrensdProcess::Start(dir, PlatformEventsTest::Config(dir), {"--clock_start=" + evening});
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  std::unique_ptr<v1::Guard::Stub> guard = v1::Guard::NewStub((*grensd)->Channel());
  absl::Time start;
  std::string error;
  ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, evening, &start, &error)) << error;
  for (const auto& [availability, activity, category] : std::vector<std::tuple<std::string, std::string, v1::Category>>{
           {"Available", "Available", v1::CATEGORY_PRESENCE}, {"AvailableIdle", "Inactive", v1::CATEGORY_ACTIVITY}}) {
    grpc::ClientContext context;
    v1::EvaluatePlatformEventResponse response;
    const grpc::Status status = guard->EvaluatePlatformEvent(&context, GraphPresence(availability, activity), &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.decisions_size(), 1);
    EXPECT_EQ(response.decisions(0).effect(), v1::EFFECT_DENY) << availability;
    EXPECT_EQ(response.decisions(0).reasons(0).clause_id(), "6.1") << availability;
    ExpectJudgedAt(RecordOf(**grensd, response.decisions(0)), category, start);
  }
}

}  // namespace
}  // namespace grens::testing

// Envoy ext_authz against the real grensd with the Dutch example agreement and
// the example route table: real CheckRequests over gRPC for a denied pull (403,
// JSON naming the clause), allowed pulls (headers, and the decision found in
// the log through the AuditLog service), a call no route describes (the
// agreement's default, recorded), an unregistered collector set by Envoy, and a
// request too incomplete to read (400, not recorded).

#include <regex>
#include <string>

#include "absl/strings/str_cat.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grens/v1/audit_log.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

using envoy::service::auth::v3::Authorization;
using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using ::testing::HasSubstr;

constexpr int64_t kTuesdayTenAmsterdam = 1773133200;  // 2026-03-10T09:00:00Z

class ExtAuthzTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    const std::string policy = WriteNlPolicy(*dir_);
    const std::string routes = dir_->Write("routes.yaml", SourceFile("adapters/ext_authz/examples/routes.yaml"));
    const std::string config =
        absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir_->path(), "/data\n",
                     "ext_authz:\n  route_table_file: ", routes, "\n  tenant: voorbeeld-bv\n",
                     "  collectors_by_principal:\n",
                     "    \"spiffe://cluster.local/ns/shadow/sa/analytics\": shadow-analytics\n");
    absl::StatusOr<std::unique_ptr<GrensdProcess>> grensd = GrensdProcess::Start(*dir_, config);
    ASSERT_TRUE(grensd.ok()) << grensd.status();
    grensd_ = grensd->release();
  }
  static void TearDownTestSuite() {
    delete grensd_;
    delete dir_;
  }
  void SetUp() override {
    ASSERT_NE(grensd_, nullptr);
    authz_ = Authorization::NewStub(grensd_->Channel());
    audit_ = v1::AuditLog::NewStub(grensd_->Channel());
  }

  static CheckRequest Call(const std::string& host, const std::string& path) {
    CheckRequest request;
    auto* r = request.mutable_attributes()->mutable_request();
    r->mutable_time()->set_seconds(kTuesdayTenAmsterdam);
    r->mutable_http()->set_id(absl::StrCat("req-", path.size()));
    r->mutable_http()->set_method("GET");
    r->mutable_http()->set_host(host);
    r->mutable_http()->set_path(path);
    r->mutable_http()->set_scheme("https");
    r->mutable_http()->set_protocol("HTTP/1.1");
    return request;
  }

  CheckResponse Check(const CheckRequest& request) {
    grpc::ClientContext context;
    CheckResponse response;
    const grpc::Status status = authz_->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static google::protobuf::Struct Json(const std::string& body) {
    google::protobuf::Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(body, &s).ok()) << body;
    return s;
  }

  // The value of an upstream header of an allowed answer ("" if absent).
  static std::string Header(const CheckResponse& r, const std::string& key) {
    for (const auto& h : r.ok_response().headers()) {
      if (h.header().key() == key) return h.header().value();
    }
    return "";
  }

  // Every decision record in the log, through the works council's service.
  std::vector<v1::LogRecord> Records() {
    std::vector<v1::LogRecord> records;
    v1::ListRecordsRequest request;
    request.set_page_size(1000);
    request.mutable_filter()->add_kinds(v1::RECORD_KIND_DECISION);
    grpc::ClientContext context;
    v1::ListRecordsResponse response;
    const grpc::Status status = audit_->ListRecords(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.records().begin(), response.records().end()};
  }

  std::optional<v1::LogRecord> Record(const std::string& decision_id) {
    for (const v1::LogRecord& r : Records()) {
      if (r.decision_id() == decision_id) return r;
    }
    return std::nullopt;
  }

  static TempDir* dir_;
  static GrensdProcess* grensd_;
  std::unique_ptr<Authorization::Stub> authz_;
  std::unique_ptr<v1::AuditLog::Stub> audit_;
};

TempDir* ExtAuthzTest::dir_ = nullptr;
GrensdProcess* ExtAuthzTest::grensd_ = nullptr;

TEST_F(ExtAuthzTest, PerPersonUsageReportIsDeniedCitingTheClause) {
  const CheckResponse r =
      Check(Call("graph.microsoft.com", "/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')"));
  EXPECT_EQ(r.status().code(), 7);  // PERMISSION_DENIED
  EXPECT_THAT(r.status().message(), HasSubstr("clause 4.1"));
  ASSERT_TRUE(r.has_denied_response()) << r.DebugString();
  EXPECT_EQ(r.denied_response().status().code(), envoy::type::v3::Forbidden);
  const google::protobuf::Struct body = Json(r.denied_response().body());
  const std::string id = body.fields().at("decision_id").string_value();
  EXPECT_EQ(id.size(), 32u);
  const auto& reason = body.fields().at("reasons").list_value().values(0).struct_value().fields();
  EXPECT_EQ(reason.at("clause").string_value(), "4.1");
  EXPECT_EQ(reason.at("rule").string_value(), "rapportage-per-persoon");
  std::optional<v1::LogRecord> record = Record(id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->effect(), v1::EFFECT_DENY);
  EXPECT_EQ(record->granularity(), v1::GRANULARITY_PSEUDONYMOUS);  // names are concealed (the table's fact)
}

TEST_F(ExtAuthzTest, ParticipantReportIsAllowedWithHeadersAndRecorded) {
  const CheckResponse r = Check(Call("api.zoom.us", "/v2/report/meetings/85512345678/participants?page_size=300"));
  ASSERT_EQ(r.status().code(), 0) << r.DebugString();
  ASSERT_TRUE(r.has_ok_response());
  const std::string id = Header(r, "x-grens-decision-id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
  EXPECT_EQ(Header(r, "x-grens-effect"), "ALLOW_WITH_OBLIGATIONS");
  EXPECT_EQ(Header(r, "x-grens-clauses"), "2.1");
  EXPECT_EQ(Header(r, "x-grens-retain-until"), "2026-04-09T09:00:00Z");  // 30 days (clause 2.1)
  ASSERT_EQ(r.ok_response().response_headers_to_add_size(), r.ok_response().headers_size());  // "both" by default
  std::optional<v1::LogRecord> record = Record(id);
  ASSERT_TRUE(record.has_value()) << "decision " << id << " is not in the log";
  EXPECT_EQ(record->effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  EXPECT_EQ(record->category(), v1::CATEGORY_ATTENDANCE);
  EXPECT_EQ(record->platform(), "zoom");
  EXPECT_EQ(record->collector(), "zoom-reports");
  EXPECT_EQ(record->tenant(), "voorbeeld-bv");
  EXPECT_EQ(record->occurred_at().seconds(), kTuesdayTenAmsterdam);
  EXPECT_EQ(record->granted_retention().seconds(), 30 * 86400);
  EXPECT_THAT(record->clause_ids(), ::testing::ElementsAre("2.1"));
}

TEST_F(ExtAuthzTest, TenantWideCountsAreAllowedWithGroupObligations) {
  const CheckResponse r = Check(Call("graph.microsoft.com", "/v1.0/reports/getTeamsUserActivityCounts(period='D30')"));
  ASSERT_EQ(r.status().code(), 0) << r.DebugString();
  EXPECT_EQ(Header(r, "x-grens-pseudonymise"), "true");
  EXPECT_EQ(Header(r, "x-grens-min-group-size"), "10");
  EXPECT_EQ(Header(r, "x-grens-retain-until"), "2026-06-08T09:00:00Z");  // the 90-day cap of clause 4.1
}

TEST_F(ExtAuthzTest, CallNoRouteDescribesGetsTheAgreementsDefaultAndIsRecorded) {
  CheckRequest request = Call("graph.microsoft.com", "/v1.0/me/messages");
  (*request.mutable_attributes()->mutable_context_extensions())["collector"] = "m365-reports";
  const CheckResponse r = Check(request);
  EXPECT_EQ(r.status().code(), 7);
  ASSERT_TRUE(r.has_denied_response());
  const google::protobuf::Struct body = Json(r.denied_response().body());
  const auto& reason = body.fields().at("reasons").list_value().values(0).struct_value().fields();
  EXPECT_EQ(reason.at("clause").string_value(), "9.1");  // default_clause of the agreement
  std::optional<v1::LogRecord> record = Record(body.fields().at("decision_id").string_value());
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->effect(), v1::EFFECT_DENY);
  EXPECT_EQ(record->category(), v1::CATEGORY_UNSPECIFIED);
  EXPECT_EQ(record->platform(), "graph.microsoft.com");
  EXPECT_EQ(record->collector(), "m365-reports");
  EXPECT_THAT(record->clause_ids(), ::testing::ElementsAre("9.1"));
  EXPECT_TRUE(record->subject_pseudonym().empty());
}

TEST_F(ExtAuthzTest, CollectorSetByEnvoyMustBeRegistered) {
  CheckRequest request = Call("api.slack.com", "/audit/v1/logs?limit=200");
  (*request.mutable_attributes()->mutable_context_extensions())["collector"] = "shadow-analytics";
  const CheckResponse r = Check(request);
  EXPECT_EQ(r.status().code(), 7);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("\"clause\":\"9.2\""));
}

// Under Istio no route sets a collector: the caller's workload identity does.
TEST_F(ExtAuthzTest, CollectorOfTheCallersPrincipalIsJudged) {
  CheckRequest request = Call("api.zoom.us", "/v2/report/meetings/85512345678/participants?page_size=300");
  request.mutable_attributes()->mutable_source()->set_principal("spiffe://cluster.local/ns/shadow/sa/analytics");
  const CheckResponse r = Check(request);
  EXPECT_EQ(r.status().code(), 7);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("\"clause\":\"9.2\""));  // shadow-analytics is not registered
  const google::protobuf::Struct body = Json(r.denied_response().body());
  std::optional<v1::LogRecord> record = Record(body.fields().at("decision_id").string_value());
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->collector(), "shadow-analytics");
}

TEST_F(ExtAuthzTest, IncompleteRequestIsA400DenialAndNotRecorded) {
  const size_t before = Records().size();
  CheckRequest request;
  request.mutable_attributes()->mutable_request()->mutable_time()->set_seconds(kTuesdayTenAmsterdam);
  const CheckResponse r = Check(request);
  EXPECT_EQ(r.status().code(), 3);  // INVALID_ARGUMENT
  ASSERT_TRUE(r.has_denied_response());
  EXPECT_EQ(r.denied_response().status().code(), envoy::type::v3::BadRequest);
  EXPECT_EQ(Json(r.denied_response().body()).fields().at("detail").string_value(),
            "attributes.request.http: missing");
  EXPECT_EQ(Records().size(), before);
}

TEST_F(ExtAuthzTest, ForgedGrensHeadersAreRemovedUpstream) {
  CheckRequest request = Call("api.zoom.us", "/v2/report/meetings/1/participants");
  (*request.mutable_attributes()->mutable_request()->mutable_http()->mutable_headers())["x-grens-pseudonymise"] =
      "false";
  const CheckResponse r = Check(request);
  ASSERT_EQ(r.status().code(), 0);
  EXPECT_THAT(r.ok_response().headers_to_remove(), ::testing::Contains("x-grens-pseudonymise"));
}

}  // namespace
}  // namespace grens::testing

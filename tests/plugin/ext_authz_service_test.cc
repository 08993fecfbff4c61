// The ext_authz service in process, over a real gRPC channel, with a fake
// clock and a decision log that can be told to fail: receipt time when Envoy
// sends none, directory groups (protected persons), and fail-closed answers
// when no decision can be recorded or no policy is active.

#include "plugin/ext_authz_service.h"

#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "plugin/policy_holder.h"
#include "plugin/pseudonymizer.h"
#include "tests/support/grensd_process.h"

namespace grens::plugin {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;
using ::testing::HasSubstr;

class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1773133200); }  // Tue 2026-03-10 10:00 Amsterdam
};

// An in-memory log that answers on the caller's thread and can be told to fail.
class FakeLog final : public DecisionLog {
 public:
  void AppendGroup(Records prepared, CommitCallback done) override {
    absl::StatusOr<int64_t> first;
    {
      absl::MutexLock lock(&mu_);
      first = static_cast<int64_t>(records_.size());
      for (const PreparedRecord& p : prepared) {
        v1::LogRecord record;
        if (fail_) {
          first = absl::UnavailableError("disk full");
        } else if (!record.ParseFromString(p.tail)) {  // the tail is a LogRecord without index and time
          first = absl::InternalError("unparsable record");
        } else {
          record.set_index(static_cast<int64_t>(records_.size()));
          records_.push_back(std::move(record));
        }
      }
    }
    done(first);
  }
  int64_t Size() const override {
    absl::MutexLock lock(&mu_);
    return static_cast<int64_t>(records_.size());
  }
  absl::Status Close() override { return absl::OkStatus(); }

  void Fail() {
    absl::MutexLock lock(&mu_);
    fail_ = true;
  }
  v1::LogRecord Last() const {
    absl::MutexLock lock(&mu_);
    return records_.back();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<v1::LogRecord> records_ ABSL_GUARDED_BY(mu_);
  bool fail_ ABSL_GUARDED_BY(mu_) = false;
};

class ExtAuthzServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("nl-agreement.tests.yaml", testing::SourceFile("policy/examples/nl-agreement.tests.yaml"));
    policies_ = std::make_unique<PolicyHolder>(
        dir_.Write("policy.yaml", testing::SourceFile("policy/examples/nl-agreement.yaml")), &log_, &clock_, nullptr);
    pipeline_ = std::make_unique<DecisionPipeline>(policies_.get(), &log_, pseudonymizer_.get(), &clock_, v1::Limits());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Starts the service (with a directory where one person is in the works council).
  void Start() {
    absl::StatusOr<std::unique_ptr<const adapters::RouteTable>> routes =
        adapters::RouteTable::Load(GRENS_SOURCE_DIR "/adapters/ext_authz/examples/routes.yaml");
    ASSERT_TRUE(routes.ok()) << routes.status();
    v1::Directory people;
    v1::DirectoryEntry* member = people.add_people();
    member->add_ids("u-or");
    member->add_groups("ondernemingsraad");
    absl::StatusOr<std::unique_ptr<const adapters::Directory>> directory =
        adapters::Directory::FromProto(people, "test");
    ASSERT_TRUE(directory.ok()) << directory.status();
    service_ = std::make_unique<ExtAuthzService>(std::move(*routes), std::shared_ptr<const adapters::Directory>(std::move(*directory)),
                                                 adapters::CheckOptions{"voorbeeld-bv", "", {}},
                                                 adapters::AnswerHeaders::kUpstream, pipeline_.get(), &clock_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = envoy::service::auth::v3::Authorization::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  CheckResponse Check(const std::string& host, const std::string& path) {
    CheckRequest request;
    auto* http = request.mutable_attributes()->mutable_request()->mutable_http();
    http->set_method("GET");
    http->set_host(host);
    http->set_path(path);
    grpc::ClientContext context;
    CheckResponse response;
    grpc::Status status = stub_->Check(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();  // every answer is a CheckResponse
    return response;
  }

  std::string Header(const CheckResponse& r, const std::string& key) {
    for (const auto& h : r.ok_response().headers()) {
      if (h.header().key() == key) return h.header().value();
    }
    return "";
  }

  testing::TempDir dir_;
  FixedClock clock_;
  FakeLog log_;
  std::unique_ptr<Pseudonymizer> pseudonymizer_ = Pseudonymizer::FromKey(std::string(32, 'k'));
  std::unique_ptr<PolicyHolder> policies_;
  std::unique_ptr<DecisionPipeline> pipeline_;
  std::unique_ptr<ExtAuthzService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<envoy::service::auth::v3::Authorization::Stub> stub_;
};

TEST_F(ExtAuthzServiceTest, RequestWithoutTimeIsJudgedAtReceiptTime) {
  ASSERT_TRUE(policies_->Reload(v1::POLICY_TRIGGER_STARTUP).activated);
  Start();
  const CheckResponse r = Check("api.zoom.us", "/v2/report/meetings/1/participants");
  ASSERT_EQ(r.status().code(), 0) << r.DebugString();
  EXPECT_EQ(Header(r, "x-grens-retain-until"), "2026-04-09T09:00:00Z");  // receipt time + 30 days
  EXPECT_EQ(Header(r, "x-grens-clauses"), "2.1");
  const v1::LogRecord record = log_.Last();
  EXPECT_EQ(record.decision_id(), Header(r, "x-grens-decision-id"));
  EXPECT_EQ(record.occurred_at().seconds(), 1773133200);
  EXPECT_EQ(record.tenant(), "voorbeeld-bv");
  EXPECT_EQ(record.category(), v1::CATEGORY_ATTENDANCE);
}

TEST_F(ExtAuthzServiceTest, DirectoryGroupsProtectWorksCouncilMembers) {
  ASSERT_TRUE(policies_->Reload(v1::POLICY_TRIGGER_STARTUP).activated);
  Start();
  const CheckResponse member = Check("graph.microsoft.com", "/v1.0/users/u-or/presence");
  EXPECT_EQ(member.status().code(), 7);
  EXPECT_THAT(member.denied_response().body(), HasSubstr("\"clause\":\"7.1\""));
  const CheckResponse colleague = Check("graph.microsoft.com", "/v1.0/users/u-1001/presence");
  EXPECT_EQ(colleague.status().code(), 0);
  EXPECT_EQ(Header(colleague, "x-grens-retain-until"), "2026-03-10T09:00:00Z");  // shown live, not stored
}

TEST_F(ExtAuthzServiceTest, UnrecordableDecisionIsRefused) {
  ASSERT_TRUE(policies_->Reload(v1::POLICY_TRIGGER_STARTUP).activated);
  Start();
  log_.Fail();
  for (const std::string path : {"/v2/report/meetings/1/participants", "/v2/unrouted"}) {
    const CheckResponse r = Check("api.zoom.us", path);
    EXPECT_EQ(r.status().code(), 14) << path;
    EXPECT_EQ(r.denied_response().status().code(), envoy::type::v3::ServiceUnavailable);
    EXPECT_THAT(r.denied_response().body(), HasSubstr("could not be recorded"));
    EXPECT_THAT(r.denied_response().body(), HasSubstr("disk full"));
  }
}

TEST_F(ExtAuthzServiceTest, WithoutActivePolicyEveryCallIsRefused) {
  Start();
  const CheckResponse r = Check("api.zoom.us", "/v2/report/meetings/1/participants");
  EXPECT_EQ(r.status().code(), 14);
  EXPECT_EQ(r.denied_response().status().code(), envoy::type::v3::ServiceUnavailable);
  EXPECT_THAT(r.denied_response().body(), HasSubstr("no policy is active"));
  EXPECT_EQ(log_.Size(), 0);
}


TEST(ExtAuthzConfigTest, PrincipalMapWithAnEmptySideIsRefusedNamingTheEntry) {
  for (const auto& [principal, collector, expected] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"spiffe://voorbeeld/ns/hr/sa/report", "", "[\"spiffe://voorbeeld/ns/hr/sa/report\"]: empty collector"},
           {"", "hr-reports", "[\"\"]: empty principal"}}) {
    v1::SidecarConfig config;
    (*config.mutable_ext_authz()->mutable_collectors_by_principal())[principal] = collector;
    absl::StatusOr<std::unique_ptr<ExtAuthzService>> service =
        NewExtAuthzService(config, nullptr, nullptr, nullptr, nullptr);
    ASSERT_FALSE(service.ok());
    EXPECT_EQ(service.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(service.status().message()),
                HasSubstr("ext_authz.collectors_by_principal" + expected));
  }
}

}  // namespace
}  // namespace grens::plugin

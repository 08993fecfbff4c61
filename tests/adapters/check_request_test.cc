// Reading Envoy CheckRequests: the routed event completed with id, tenant,
// time and Envoy's context extensions; undescribed calls; raw header maps; and
// requests too incomplete to read, each naming the missing field.

#include "adapters/ext_authz/check_request.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "google/protobuf/text_format.h"

namespace grens::adapters {
namespace {

using envoy::service::auth::v3::CheckRequest;
using ::testing::HasSubstr;

constexpr char kExample[] = GRENS_SOURCE_DIR "/adapters/ext_authz/examples/routes.yaml";

CheckRequest Parse(const std::string& text) {
  CheckRequest request;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &request)) << text;
  return request;
}

// A Zoom participant report as Envoy describes it.
constexpr char kZoomReport[] = R"pb(
  attributes {
    source { principal: "spiffe://voorbeeld/ns/monitoring/sa/zoom-reports" }
    request {
      time { seconds: 1773133200 }  # 2026-03-10T09:00:00Z
      http {
        id: "req-1"
        method: "GET"
        host: "api.zoom.us"
        path: "/v2/report/meetings/85512345678/participants?page_size=300"
        headers { key: "x-grens-tenant" value: "voorbeeld-nl" }
        headers { key: "authorization" value: "Bearer secret" }
      }
    }
    context_extensions { key: "collector" value: "zoom-reports-eu" }
  }
)pb";

class CheckRequestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<const RouteTable>> table = RouteTable::Load(kExample);
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = std::move(*table);
  }
  absl::StatusOr<CheckedCall> Read(const CheckRequest& request) {
    return ReadCheckRequest(*table_, request, options_, received_);
  }

  std::unique_ptr<const RouteTable> table_;
  CheckOptions options_{"voorbeeld-bv", "x-grens-tenant", {{"spiffe://voorbeeld/ns/monitoring/sa/zoom-reports", "zoom-reports-nl"}}};
  const absl::Time received_ = absl::FromUnixSeconds(1773136800) + absl::Milliseconds(250);
};

TEST_F(CheckRequestTest, RoutedCallBecomesACompleteEvent) {
  absl::StatusOr<CheckedCall> call = Read(Parse(kZoomReport));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_TRUE(call->routed);
  const v1::MonitoringEvent& e = call->event;
  EXPECT_EQ(e.id(), "req-1");
  EXPECT_EQ(e.tenant(), "voorbeeld-nl");          // the header wins over the config
  EXPECT_EQ(e.collector(), "zoom-reports-eu");    // Envoy's context extension wins over the route
  EXPECT_EQ(e.purpose(), "meeting_follow_up");    // the route's
  EXPECT_EQ(e.category(), v1::CATEGORY_ATTENDANCE);
  EXPECT_EQ(e.occurred_at().seconds(), 1773133200);
  EXPECT_FALSE(e.occurred_at_is_receipt_time());
  EXPECT_EQ(e.subject().id(), "*");
}

TEST_F(CheckRequestTest, WithoutRequestTimeTheReceiptTimeIsUsedAndSaidSo) {
  CheckRequest request = Parse(kZoomReport);
  request.mutable_attributes()->mutable_request()->clear_time();
  request.mutable_attributes()->mutable_request()->mutable_http()->clear_headers();
  request.mutable_attributes()->clear_context_extensions();
  request.mutable_attributes()->clear_source();
  absl::StatusOr<CheckedCall> call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.occurred_at().seconds(), 1773136800);
  EXPECT_EQ(call->event.occurred_at().nanos(), 250000000);
  EXPECT_TRUE(call->event.occurred_at_is_receipt_time());
  EXPECT_EQ(call->event.tenant(), "voorbeeld-bv");      // the config's
  EXPECT_EQ(call->event.collector(), "zoom-reports");   // the route's
}

TEST_F(CheckRequestTest, TenantAndPurposeFromContextExtensions) {
  CheckRequest request = Parse(kZoomReport);
  request.mutable_attributes()->mutable_request()->mutable_http()->mutable_headers()->erase("x-grens-tenant");
  (*request.mutable_attributes()->mutable_context_extensions())["tenant"] = "voorbeeld-de";
  (*request.mutable_attributes()->mutable_context_extensions())["purpose"] = "payroll";
  absl::StatusOr<CheckedCall> call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.tenant(), "voorbeeld-de");
  EXPECT_EQ(call->event.purpose(), "payroll");
}

TEST_F(CheckRequestTest, CollectorFromTheCallersPrincipalWhenTheRouteNamesNone) {
  CheckRequest request = Parse(kZoomReport);
  request.mutable_attributes()->clear_context_extensions();
  absl::StatusOr<CheckedCall> call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.collector(), "zoom-reports-nl");  // mapped from source.principal

  request.mutable_attributes()->mutable_source()->set_principal("spiffe://voorbeeld/ns/other/sa/unknown");
  call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.collector(), "zoom-reports");  // not mapped: the route's
}

TEST_F(CheckRequestTest, RouteTenantWinsOverTheTenantHeader) {
  CheckRequest request = Parse(kZoomReport);  // x-grens-tenant: voorbeeld-nl
  (*request.mutable_attributes()->mutable_context_extensions())["tenant"] = "voorbeeld-de";
  absl::StatusOr<CheckedCall> call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.tenant(), "voorbeeld-de");
}

TEST_F(CheckRequestTest, RawHeaderMapIsReadWhenEnvoyEncodesRawHeaders) {
  CheckRequest request = Parse(R"pb(
    attributes {
      request {
        http {
          method: "GET"
          host: "slack.com"
          path: "/api/users.getPresence?user=U0WORKER1"
          header_map {
            headers { key: "X-Grens-Tenant" raw_value: "voorbeeld-raw" }
          }
        }
      }
    }
  )pb");
  absl::StatusOr<CheckedCall> call = Read(request);
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_EQ(call->event.tenant(), "voorbeeld-raw");
  EXPECT_EQ(call->event.subject().id(), "U0WORKER1");
}

TEST_F(CheckRequestTest, UndescribedCallKeepsWhatIsKnownForTheRecord) {
  absl::StatusOr<CheckedCall> call = Read(Parse(R"pb(
    attributes {
      request { http { id: "req-9" method: "GET" host: "Graph.Microsoft.com:443" path: "/v1.0/me/messages" } }
      context_extensions { key: "collector" value: "m365-reports" }
    }
  )pb"));
  ASSERT_TRUE(call.ok()) << call.status();
  EXPECT_FALSE(call->routed);
  const v1::MonitoringEvent& e = call->event;
  EXPECT_EQ(e.platform(), "graph.microsoft.com");
  EXPECT_EQ(e.category(), v1::CATEGORY_UNSPECIFIED);
  EXPECT_FALSE(e.has_subject());
  EXPECT_EQ(e.collector(), "m365-reports");
  EXPECT_EQ(e.id(), "req-9");
  EXPECT_EQ(e.attributes().at("http.method"), "GET");
  EXPECT_TRUE(e.occurred_at_is_receipt_time());
}

TEST_F(CheckRequestTest, IncompleteRequestsNameTheMissingField) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "attributes: missing"},
      {"attributes {}", "attributes.request: missing"},
      {"attributes { request { time { seconds: 1 } } }", "attributes.request.http: missing"},
      {"attributes { request { http { path: \"/\" } } }", "attributes.request.http.method: missing"},
      {"attributes { request { http { method: \"GET\" } } }", "attributes.request.http.path: missing"},
      {"attributes { request { time { seconds: 1 nanos: -1 } http { method: \"GET\" path: \"/\" } } }",
       "attributes.request.time.nanos: out of range"},
      {"attributes { request { http { method: \"GET\" host: \"api.zoom.us\" path: \"/v2/%\" } } }",
       "path: bad percent-escape at byte 4"},
  };
  for (const auto& [text, message] : cases) {
    absl::StatusOr<CheckedCall> call = Read(Parse(text));
    ASSERT_TRUE(absl::IsInvalidArgument(call.status())) << text << ": " << call.status();
    EXPECT_THAT(call.status().message(), HasSubstr(message)) << text;
  }
}

}  // namespace
}  // namespace grens::adapters

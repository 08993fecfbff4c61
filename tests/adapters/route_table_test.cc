// The ext_authz route table: matching (one RE2::Set pass, first route in file
// order wins, method and host), subject extraction (path group, header, query,
// everyone), path canonicalisation, and load errors with file, line and field.

#include "adapters/ext_authz/route_table.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/yaml_proto.h"
#include "tests/support/grensd_process.h"

namespace grens::adapters {
namespace {

using ::testing::HasSubstr;

constexpr char kExample[] = GRENS_SOURCE_DIR "/adapters/ext_authz/examples/routes.yaml";

class MapHeaders final : public HeaderLookup {
 public:
  explicit MapHeaders(std::map<std::string, std::string> headers) : headers_(std::move(headers)) {}
  std::optional<absl::string_view> Find(absl::string_view lower_name) const override {
    auto it = headers_.find(std::string(lower_name));
    if (it == headers_.end()) return std::nullopt;
    return absl::string_view(it->second);
  }

 private:
  std::map<std::string, std::string> headers_;
};

std::unique_ptr<const RouteTable> FromYaml(const std::string& yaml) {
  v1::RouteTable proto;
  std::vector<policy::Diagnostic> diagnostics;
  absl::Status parsed = policy::YamlToMessage(yaml, "test.yaml", &proto, &diagnostics, nullptr);
  EXPECT_TRUE(parsed.ok()) << parsed;
  absl::StatusOr<std::unique_ptr<const RouteTable>> table = RouteTable::FromProto(proto, "test.yaml");
  EXPECT_TRUE(table.ok()) << table.status();
  return table.ok() ? std::move(*table) : RouteTable::Empty();
}

// The error of loading `yaml` from a file.
std::string LoadError(const std::string& yaml) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<const RouteTable>> table = RouteTable::Load(dir.Write("routes.yaml", yaml));
  EXPECT_FALSE(table.ok());
  return table.ok() ? "" : std::string(table.status().message());
}

class ExampleTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<const RouteTable>> table = RouteTable::Load(kExample);
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = std::move(*table);
  }

  // Describes a call; the status or whether a route matched.
  absl::StatusOr<bool> Describe(absl::string_view method, absl::string_view host, absl::string_view path,
                                const HeaderLookup* headers = nullptr) {
    event_.Clear();
    return table_->Describe({method, host, path, headers}, &event_);
  }
  std::string Route() const {
    auto it = event_.attributes().find("grens.route");
    return it == event_.attributes().end() ? "" : it->second;
  }

  std::unique_ptr<const RouteTable> table_;
  v1::MonitoringEvent event_;
};

TEST_F(ExampleTableTest, PerPersonUsageReportIsAboutEveryonePseudonymousWhenNamesAreConcealed) {
  ASSERT_EQ(Describe("GET", "graph.microsoft.com", "/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "graph-teams-user-activity-detail");
  EXPECT_EQ(event_.platform(), "teams");
  EXPECT_EQ(event_.category(), v1::CATEGORY_USAGE_ANALYTICS);
  EXPECT_EQ(event_.collector(), "m365-reports");
  EXPECT_EQ(event_.purpose(), "capacity_planning");
  EXPECT_EQ(event_.granularity(), v1::GRANULARITY_PSEUDONYMOUS);  // the table's fact holds
  EXPECT_EQ(event_.subject().id(), kEveryoneSubject);
  EXPECT_EQ(event_.group_size(), 0);
  EXPECT_EQ(event_.attributes().at("grens.subject_scope"), "everyone");
  EXPECT_EQ(event_.attributes().at("http.method"), "GET");
  EXPECT_EQ(event_.attributes().at("http.host"), "graph.microsoft.com");
  EXPECT_EQ(event_.attributes().at("report"), "teams_user_activity_detail");
}

TEST_F(ExampleTableTest, GraphPathsMatchWhateverTheCaseAndEscapes) {
  EXPECT_EQ(Describe("GET", "Graph.Microsoft.com:443", "/V1.0/REPORTS/getteamsuseractivityuserdetail(period=%27D7%27)"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "graph-teams-user-activity-detail");
}

TEST_F(ExampleTableTest, TenantWideAggregateGetsTheTenantPopulation) {
  ASSERT_EQ(Describe("GET", "graph.microsoft.com", "/v1.0/reports/getTeamsUserActivityUserCounts(period='D30')?$format=text/csv"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "graph-teams-user-activity-counts");
  EXPECT_EQ(event_.granularity(), v1::GRANULARITY_AGGREGATE);
  EXPECT_EQ(event_.group_size(), 250);
}

TEST_F(ExampleTableTest, ZoomParticipantReportIsAttendanceOfEveryone) {
  ASSERT_EQ(Describe("GET", "api.zoom.us", "/v2/report/meetings/85512345678/participants?page_size=300"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "zoom-meeting-participants-report");
  EXPECT_EQ(event_.category(), v1::CATEGORY_ATTENDANCE);
  EXPECT_EQ(event_.granularity(), v1::GRANULARITY_INDIVIDUAL);
  EXPECT_EQ(event_.subject().id(), "*");
}

TEST_F(ExampleTableTest, SlackAuditLogsAreSecurityAudit) {
  ASSERT_EQ(Describe("GET", "api.slack.com", "/audit/v1/logs?action=user_login&limit=200"), absl::StatusOr<bool>(true));
  EXPECT_EQ(event_.category(), v1::CATEGORY_SECURITY_AUDIT);
  EXPECT_EQ(event_.platform(), "slack");
}

TEST_F(ExampleTableTest, SubjectFromPathGroupIsDecoded) {
  ASSERT_EQ(Describe("GET", "graph.microsoft.com", "/v1.0/users/a.devries%40example.nl/presence"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "graph-user-presence");
  EXPECT_EQ(event_.subject().id(), "a.devries@example.nl");
  EXPECT_FALSE(event_.attributes().contains("grens.subject_scope"));
}

TEST_F(ExampleTableTest, EncodedSlashNeverOpensAPathSegment) {
  ASSERT_EQ(Describe("GET", "api.zoom.us", "/v2/users/a%2fb/presence_status"), absl::StatusOr<bool>(true));
  EXPECT_EQ(event_.subject().id(), "a%2Fb");
}

TEST_F(ExampleTableTest, FirstRouteInFileOrderWins) {
  // "users/all" is everyone; the user route after it also matches the path.
  ASSERT_EQ(Describe("GET", "admin.googleapis.com", "/admin/reports/v1/activity/users/all/applications/meet"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "google-meet-activity-all");
  EXPECT_EQ(event_.subject().id(), "*");
  ASSERT_EQ(Describe("GET", "admin.googleapis.com", "/admin/reports/v1/activity/users/ab@example.nl/applications/meet"),
            absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "google-meet-activity-user");
  EXPECT_EQ(event_.subject().id(), "ab@example.nl");
  ASSERT_EQ(Describe("GET", "api.zoom.us", "/v2/metrics/meetings/77/participants/p-9/qos"), absl::StatusOr<bool>(true));
  EXPECT_EQ(Route(), "zoom-participant-qos");
  EXPECT_EQ(event_.subject().id(), "p-9");
}

TEST_F(ExampleTableTest, SubjectFromQueryParameter) {
  ASSERT_EQ(Describe("GET", "slack.com", "/api/users.getPresence?token=x&user=U0WORKER1"), absl::StatusOr<bool>(true));
  EXPECT_EQ(event_.subject().id(), "U0WORKER1");
  EXPECT_EQ(event_.category(), v1::CATEGORY_PRESENCE);
}

TEST_F(ExampleTableTest, MissingOrAmbiguousSubjectIsAnError) {
  absl::StatusOr<bool> missing = Describe("GET", "slack.com", "/api/users.getPresence");
  ASSERT_TRUE(absl::IsInvalidArgument(missing.status())) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr("query parameter 'user' (the subject) is missing"));
  absl::StatusOr<bool> twice = Describe("GET", "slack.com", "/api/users.getPresence?user=U1&user=U2");
  ASSERT_TRUE(absl::IsInvalidArgument(twice.status())) << twice.status();
  EXPECT_THAT(twice.status().message(), HasSubstr("given more than once"));
  absl::StatusOr<bool> bad = Describe("GET", "slack.com", "/api/users.getPresence?user=U%4");
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("bad percent-escape at byte 29"));
}

TEST_F(ExampleTableTest, MethodAndHostMustMatchToo) {
  EXPECT_EQ(Describe("DELETE", "graph.microsoft.com", "/v1.0/users/u1/presence"), absl::StatusOr<bool>(false));
  EXPECT_EQ(Describe("GET", "graph.example.org", "/v1.0/users/u1/presence"), absl::StatusOr<bool>(false));
  EXPECT_EQ(Describe("GET", "graph.microsoft.com", "/v1.0/me/messages"), absl::StatusOr<bool>(false));
  EXPECT_FALSE(event_.has_subject());  // untouched
}

TEST_F(ExampleTableTest, UnreadablePathsAreErrorsNamingTheByte) {
  absl::StatusOr<bool> escape = Describe("GET", "api.zoom.us", "/v2/report/%zz/participants");
  ASSERT_TRUE(absl::IsInvalidArgument(escape.status()));
  EXPECT_THAT(escape.status().message(), HasSubstr("path: bad percent-escape at byte 11"));
  absl::StatusOr<bool> dots = Describe("GET", "api.zoom.us", "/v2/report/%2e%2e/users");
  ASSERT_TRUE(absl::IsInvalidArgument(dots.status()));
  EXPECT_THAT(dots.status().message(), HasSubstr("'.' or '..' segment at byte 11"));
  EXPECT_FALSE(Describe("GET", "api.zoom.us", "v2/report/daily").ok());
}

TEST(RouteTableTest, HeaderSubjectWildcardHostAnyMethodAndRetention) {
  std::unique_ptr<const RouteTable> table = FromYaml(R"(
routes:
  - id: by-header
    host: "*.zoom.us"
    path: '/v2/x'
    platform: zoom
    category: PRESENCE
    granularity: INDIVIDUAL
    subject: {header: X-Subject}
    requested_retention: "7d"
)");
  MapHeaders headers(std::map<std::string, std::string>{{"x-subject", "u-42"}});
  v1::MonitoringEvent e;
  EXPECT_EQ(table->Describe({"PATCH", "eu01.ZOOM.us", "/v2/x", &headers}, &e), absl::StatusOr<bool>(true));
  EXPECT_EQ(e.subject().id(), "u-42");
  EXPECT_EQ(e.requested_retention().seconds(), 7 * 86400);
  EXPECT_EQ(table->Describe({"GET", "zoom.us", "/v2/x", &headers}, &e), absl::StatusOr<bool>(false));
  MapHeaders none(std::map<std::string, std::string>{});
  absl::StatusOr<bool> missing = table->Describe({"GET", "eu01.zoom.us", "/v2/x", &none}, &e);
  EXPECT_THAT(missing.status().message(), HasSubstr("header 'x-subject' (the subject) is missing"));
}

TEST(RouteTableTest, OverlappingRoutesAreTakenInFileOrder) {
  std::unique_ptr<const RouteTable> table = FromYaml(R"(
facts: {concealed: "no"}
routes:
  - {id: narrow, path: '/r/(?P<who>[a-z]+)', platform: p, category: ATTENDANCE, granularity: INDIVIDUAL,
     subject: {path_group: who}}
  - {id: broad, path: '/r/.*', platform: p, category: ATTENDANCE, granularity: INDIVIDUAL, subject: {everyone: true},
     granularity_if: [{fact: concealed, equals: "yes", granularity: PSEUDONYMOUS}]}
)");
  v1::MonitoringEvent e;
  ASSERT_EQ(table->Describe({"GET", "h", "/r/abc", nullptr}, &e), absl::StatusOr<bool>(true));
  EXPECT_EQ(e.attributes().at("grens.route"), "narrow");
  ASSERT_EQ(table->Describe({"GET", "h", "/r/ABC", nullptr}, &e), absl::StatusOr<bool>(true));
  EXPECT_EQ(e.attributes().at("grens.route"), "broad");
  EXPECT_EQ(e.granularity(), v1::GRANULARITY_INDIVIDUAL);  // the fact does not hold
}

TEST(RouteTableTest, EmptyTableDescribesNothing) {
  v1::MonitoringEvent e;
  EXPECT_EQ(RouteTable::Empty()->Describe({"GET", "h", "/", nullptr}, &e), absl::StatusOr<bool>(false));
}

TEST(RouteTableTest, LoadErrorsNameFileLineAndField) {
  const std::string error = LoadError(R"(routes:
  - id: a
    path: '/x/(unclosed'
    platform: p
    category: PRESENCE
    granularity: INDIVIDUAL
    subject: {everyone: true}
  - id: a
    methods: [get]
    host: "graph.microsoft.com:443"
    path: '/y/(?P<u>[^/]+)'
    platform: p
    granularity: INDIVIDUAL
    subject: {path_group: user}
    requested_retention: "forever"
  - id: c
    path: '/z'
    platform: p
    category: ATTENDANCE
    attributes: {grens.route: spoof}
)");
  EXPECT_THAT(error, HasSubstr("routes.yaml:3:11: routes[0].path: not a valid RE2 pattern: missing )"));
  EXPECT_THAT(error, HasSubstr("routes.yaml:8:9: routes[1].id: 'a' is used by an earlier route"));
  EXPECT_THAT(error, HasSubstr(":9:"));
  EXPECT_THAT(error, HasSubstr("routes[1].methods[0]: 'get' is not an upper-case HTTP method"));
  EXPECT_THAT(error, HasSubstr("routes.yaml:10:11: routes[1].host: 'graph.microsoft.com:443' is not a host name"));
  EXPECT_THAT(error, HasSubstr("routes[1].category: missing"));
  EXPECT_THAT(error, HasSubstr(":14:"));
  EXPECT_THAT(error, HasSubstr("routes[1].subject.path_group: the path pattern has no capture group 'user'"));
  EXPECT_THAT(error, HasSubstr("routes.yaml:15:26: routes[1].requested_retention:"));
  EXPECT_THAT(error, HasSubstr("routes[2].granularity: missing: say INDIVIDUAL, PSEUDONYMOUS or AGGREGATE"));
  EXPECT_THAT(error, HasSubstr("routes[2].subject: missing"));
  EXPECT_THAT(error, HasSubstr("routes[2].attributes.grens.route: keys starting with grens. or http. are reserved"));
}

TEST(RouteTableTest, ParseErrorsNameLineAndField) {
  EXPECT_THAT(LoadError("routes:\n  - id: a\n    paht: '/x'\n"), HasSubstr("routes.yaml:3:"));
  EXPECT_THAT(LoadError("routes:\n  - id: a\n    category: NOT_A_CATEGORY\n"), HasSubstr("NOT_A_CATEGORY"));
}

TEST(RouteTableTest, MissingFileIsAnError) {
  absl::StatusOr<std::unique_ptr<const RouteTable>> table = RouteTable::Load("/nonexistent/routes.yaml");
  EXPECT_FALSE(table.ok());
}

TEST(HttpCallTest, CanonicalHostAndPath) {
  EXPECT_EQ(CanonicalHost("Graph.Microsoft.COM.:443"), "graph.microsoft.com");
  EXPECT_EQ(CanonicalHost("[::1]:8080"), "[::1]");
  EXPECT_EQ(CanonicalPath("/a%20b/%7Euser?x=%zz"), absl::StatusOr<std::string>("/a b/~user"));
  EXPECT_EQ(CanonicalPath("/a%5cb%00"), absl::StatusOr<std::string>("/a%5Cb%00"));
  EXPECT_EQ(CanonicalPath("/a/..."), absl::StatusOr<std::string>("/a/..."));  // not a dot segment
  EXPECT_FALSE(CanonicalPath("/a/.").ok());
  EXPECT_FALSE(CanonicalPath("/a%2").ok());
}

TEST(HttpCallTest, QueryParameters) {
  EXPECT_EQ(*QueryParameter("/p?a=1&b=x+y%21", "b"), std::optional<std::string>("x y!"));
  EXPECT_EQ(*QueryParameter("/p?a=1", "b"), std::nullopt);
  EXPECT_EQ(*QueryParameter("/p", "b"), std::nullopt);
  EXPECT_EQ(*QueryParameter("/p?b", "b"), std::optional<std::string>(""));
  EXPECT_EQ(*QueryParameter("/p?bb=1&b=2", "b"), std::optional<std::string>("2"));
  // Keys match decoded, as the upstream server reads them, so an escaped key
  // cannot hide a subject from a route that reads user_id.
  EXPECT_EQ(*QueryParameter("/p?user%5Fid=alice", "user_id"), std::optional<std::string>("alice"));
  EXPECT_EQ(*QueryParameter("/p?user+id=bob", "user id"), std::optional<std::string>("bob"));
  EXPECT_EQ(*QueryParameter("/p?user%5=x&user_id=carol", "user_id"), std::optional<std::string>("carol"));
  const auto twice = QueryParameter("/p?user_id=alice&user%5Fid=mallory", "user_id");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(std::string(twice.status().message()), HasSubstr("given more than once"));
}

}  // namespace
}  // namespace grens::adapters

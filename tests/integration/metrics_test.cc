// Metrics and health endpoints through the real grensd: /metrics fetched with a
// plain HTTP client moves by exactly the calls made, caller-chosen platforms
// cannot create series, /healthz and /readyz answer (and /readyz is not ready
// before the policy is loaded), the health-only gRPC listener answers
// `grensctl health`, and the process log covers start, reload, rejection and
// shutdown as JSON lines.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/cli_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"
#include "tests/support/http_client.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;
using Series = std::map<std::string, double>;

// "name{labels}" -> value for every sample line; fails the test on a line that
// is not Prometheus text format.
Series ParseExposition(const std::string& text) {
  Series out;
  std::set<std::string> typed;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "# TYPE ")) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() == 4) typed.insert(parts[2]);
      continue;
    }
    if (absl::StartsWith(line, "#")) continue;
    const size_t space = line.rfind(' ');
    double value = 0;
    EXPECT_NE(space, absl::string_view::npos) << line;
    EXPECT_TRUE(absl::SimpleAtod(line.substr(space + 1), &value)) << line;
    const std::string key(line.substr(0, space));
    std::string family = key.substr(0, key.find('{'));
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (!typed.count(family) && absl::EndsWith(family, suffix)) family.resize(family.size() - strlen(suffix));
    }
    EXPECT_TRUE(typed.count(family)) << "no # TYPE before " << line;
    EXPECT_TRUE(out.emplace(key, value).second) << "duplicate series " << key;
  }
  return out;
}

double Get(const Series& s, const std::string& key) {
  auto it = s.find(key);
  return it == s.end() ? 0 : it->second;
}

// The value of `"field":"..."` on the first JSON log line whose msg is `msg`.
std::string LogField(const std::string& log, const std::string& msg, const std::string& field) {
  for (absl::string_view line : absl::StrSplit(log, '\n')) {
    if (!absl::StrContains(line, absl::StrCat("\"msg\":\"", msg, "\""))) continue;
    const std::string key = absl::StrCat("\"", field, "\":\"");
    const size_t at = line.find(key);
    if (at == absl::string_view::npos) return "";
    const size_t start = at + key.size();
    return std::string(line.substr(start, line.find('"', start) - start));
  }
  return "";
}

std::string Cell(const std::string& effect, const std::string& category, const std::string& platform) {
  return absl::StrCat("grens_decisions_total{effect=\"", effect, "\",category=\"", category, "\",platform=\"",
                      platform, "\"}");
}

// grensctl health against `address`: exit code and output.
std::pair<int, std::string> Health(const std::string& address) {
  std::string output;
  const int code = RunGrensctl("health --addr " + address, &output);
  return {code, output};
}

constexpr char kOps[] = "metrics_address: 127.0.0.1:0\nhealth_address: 127.0.0.1:0\n";

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_path_ = WriteNlPolicy(dir_);
    auto process = GrensdProcess::Start(dir_, Config());
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    guard_ = v1::Guard::NewStub(grensd_->Channel());
    metrics_address_ = LogField(grensd_->Stderr(), "metrics serving", "address");
    ASSERT_FALSE(metrics_address_.empty()) << grensd_->Stderr();
  }

  std::string Config() const {
    // No file watch: the reload test counts exactly the reloads it asks for.
    return absl::StrCat("policy_path: ", policy_path_, "\ndata_dir: ", dir_.path(), "/data\ndisable_policy_watch: true\n",
                        kOps);
  }

  Series Scrape() {
    absl::StatusOr<HttpResponse> r = HttpGet(metrics_address_, "/metrics");
    EXPECT_TRUE(r.ok()) << r.status();
    if (!r.ok()) return {};
    EXPECT_EQ(r->status, 200);
    EXPECT_THAT(r->content_type, HasSubstr("text/plain; version=0.0.4"));
    return ParseExposition(r->body);
  }

  static v1::MonitoringEvent Event(const std::string& platform, v1::Category category, const std::string& when) {
    v1::MonitoringEvent e = PresenceEvent("e", when);
    e.set_platform(platform);
    e.set_category(category);
    return e;
  }

  grpc::Status Evaluate(const v1::MonitoringEvent& event, v1::Decision* decision) {
    return EvaluateEvent(*guard_, event, decision);
  }

  TempDir dir_;
  std::string policy_path_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::unique_ptr<v1::Guard::Stub> guard_;
  std::string metrics_address_;
};

TEST_F(MetricsTest, CountersMoveByExactlyTheCallsMade) {
  const Series before = Scrape();
  // 3 allowed presence events, 2 at 22:30 local time (denied), 1 screenshot
  // (denied), 1 with a bad field (refused without a decision).
  std::map<std::string, double> clause_deltas;  // from the answers themselves
  auto call = [&](const v1::MonitoringEvent& e) {
    v1::Decision d;
    ASSERT_TRUE(Evaluate(e, &d).ok());
    std::set<std::string> cited;
    for (const v1::Reason& r : d.reasons()) cited.insert(r.clause_id());
    const std::string effect = absl::AsciiStrToLower(v1::Effect_Name(d.effect()).substr(7));
    for (const std::string& c : cited) {
      clause_deltas[absl::StrCat("grens_clause_decisions_total{clause=\"", c, "\",effect=\"", effect, "\"}")] += 1;
    }
  };
  for (int i = 0; i < 3; ++i) call(Event("teams", v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z"));
  for (int i = 0; i < 2; ++i) call(Event("teams", v1::CATEGORY_PRESENCE, "2026-03-10T21:30:00Z"));
  call(Event("teams", v1::CATEGORY_SCREENSHOT, "2026-03-10T09:00:00Z"));
  v1::MonitoringEvent bad = Event("teams", v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z");
  bad.clear_subject();
  v1::Decision ignored;
  EXPECT_EQ(Evaluate(bad, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const Series after = Scrape();
  auto delta = [&](const std::string& key) { return Get(after, key) - Get(before, key); };
  EXPECT_EQ(delta(Cell("allow_with_obligations", "presence", "teams")), 3);
  EXPECT_EQ(delta(Cell("deny", "presence", "teams")), 2);
  EXPECT_EQ(delta(Cell("deny", "screenshot", "teams")), 1);
  EXPECT_EQ(delta("grens_refused_total{reason=\"invalid_event\"}"), 1);
  EXPECT_EQ(delta("grens_refused_total{reason=\"log_unavailable\"}"), 0);
  EXPECT_EQ(delta("grens_evaluation_duration_seconds_count"), 6);
  EXPECT_EQ(delta("grens_decision_duration_seconds_count"), 6);
  EXPECT_EQ(delta("grens_decision_duration_seconds_bucket{le=\"+Inf\"}"), 6);
  ASSERT_FALSE(clause_deltas.empty());
  EXPECT_EQ(clause_deltas.count("grens_clause_decisions_total{clause=\"6.1\",effect=\"deny\"}"), 1u);
  EXPECT_EQ(clause_deltas.count("grens_clause_decisions_total{clause=\"5.1\",effect=\"deny\"}"), 1u);
  for (const auto& [key, expected] : clause_deltas) EXPECT_EQ(delta(key), expected) << key;
  // Every record (the start-up activation and the six decisions) went through
  // one group commit or another, and none is waiting.
  EXPECT_EQ(Get(after, "grens_log_records"), 7);
  EXPECT_EQ(Get(after, "grens_log_batch_records_sum"), 7);
  EXPECT_EQ(Get(after, "grens_log_queue_depth"), 0);
  EXPECT_EQ(Get(after, "grens_log_commit_failures_total"), 0);
  EXPECT_GE(Get(after, "grens_log_commit_duration_seconds_count"), 1);
}

TEST_F(MetricsTest, RefusalsBeforeAnyDecisionAreCountedByReason) {
  const Series before = Scrape();
  // An unknown platform, a delivery with a bad signature, and an event whose
  // content exceeds limits.max_content_bytes.
  v1::EvaluatePlatformEventRequest unknown;
  unknown.set_platform("carrier-pigeon");
  v1::EvaluatePlatformEventRequest unsigned_delivery;
  unsigned_delivery.set_platform("slack");
  unsigned_delivery.set_payload("{}");
  for (const v1::EvaluatePlatformEventRequest* r : {&unknown, &unsigned_delivery}) {
    grpc::ClientContext context;
    v1::EvaluatePlatformEventResponse response;
    EXPECT_FALSE(guard_->EvaluatePlatformEvent(&context, *r, &response).ok());
  }
  v1::MonitoringEvent big = Event("teams", v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z");
  v1::ContentField* field = big.add_content();
  field->set_name("status");
  field->set_text(std::string(70 * 1024, 'x'));
  v1::Decision ignored;
  EXPECT_EQ(Evaluate(big, &ignored).error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  const Series after = Scrape();
  auto delta = [&](const std::string& reason) {
    const std::string key = absl::StrCat("grens_refused_total{reason=\"", reason, "\"}");
    return Get(after, key) - Get(before, key);
  };
  EXPECT_EQ(delta("unsupported"), 1);
  EXPECT_EQ(delta("unauthenticated"), 1);
  EXPECT_EQ(delta("content_too_large"), 1);
  EXPECT_EQ(delta("invalid_event"), 0);
}

TEST_F(MetricsTest, CallersCannotCreateSeries) {
  const Series before = Scrape();
  for (int i = 0; i < 50; ++i) {
    v1::Decision d;
    ASSERT_TRUE(Evaluate(Event(absl::StrCat("bot-", i), v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z"), &d).ok());
  }
  const Series after = Scrape();
  // All fifty share one "other" series; no platform label names a bot.
  double other = 0;
  for (const auto& [key, value] : after) {
    EXPECT_THAT(key, ::testing::Not(HasSubstr("bot-"))) << key;
    if (absl::StartsWith(key, "grens_decisions_total{") && absl::StrContains(key, "platform=\"other\"")) {
      other += value - Get(before, key);
    }
  }
  EXPECT_EQ(other, 50);
  EXPECT_LE(after.size(), before.size() + 2);
}

TEST_F(MetricsTest, PolicyRevisionAndReloadFailures) {
  auto admin = v1::PolicyAdmin::NewStub(grensd_->Channel());
  grpc::ClientContext status_context;
  v1::StatusResponse status;
  ASSERT_TRUE(admin->Status(&status_context, v1::StatusRequest(), &status).ok());
  const std::string info = absl::StrCat("grens_policy_info{policy_id=\"nl-voorbeeld-2026\",revision=\"",
                                        status.revision(), "\"}");
  Series s = Scrape();
  EXPECT_EQ(Get(s, info), 1);
  EXPECT_EQ(Get(s, "grens_policy_reload_failures_total"), 0);
  EXPECT_EQ(Get(s, "grens_policy_activated_timestamp_seconds"), status.loaded_at().seconds());

  dir_.Write("policy.yaml", "id: [broken\n");
  grpc::ClientContext reload_context;
  v1::ReloadResponse reload;
  ASSERT_TRUE(admin->Reload(&reload_context, v1::ReloadRequest(), &reload).ok());
  ASSERT_FALSE(reload.activated());
  s = Scrape();
  EXPECT_EQ(Get(s, "grens_policy_reload_failures_total"), 1);
  EXPECT_EQ(Get(s, info), 1) << "the old revision stays active";
  EXPECT_THAT(grensd_->Stderr(), HasSubstr("\"msg\":\"policy rejected; the active policy stays\""));
}

TEST_F(MetricsTest, HealthAndReadiness) {
  absl::StatusOr<HttpResponse> healthz = HttpGet(metrics_address_, "/healthz");
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  absl::StatusOr<HttpResponse> readyz = HttpGet(metrics_address_, "/readyz");
  ASSERT_TRUE(readyz.ok()) << readyz.status();
  EXPECT_EQ(readyz->status, 200);
  EXPECT_EQ(readyz->body, "ready\n");
  absl::StatusOr<HttpResponse> missing = HttpGet(metrics_address_, "/nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);

  const std::string health_address = LogField(grensd_->Stderr(), "health listener serving", "address");
  ASSERT_FALSE(health_address.empty());
  auto [code, output] = Health(health_address);
  EXPECT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("SERVING"));
}

TEST_F(MetricsTest, ProcessLogCoversStartReloadAndShutdownAsJsonLines) {
  grensd_->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return absl::StrContains(grensd_->Stderr(), "policy unchanged"); }, absl::Seconds(10)));
  grensd_->Signal(SIGTERM);
  ASSERT_EQ(grensd_->WaitForExit(absl::Seconds(30)), 0);
  const std::string log = grensd_->Stderr();
  for (const char* msg : {"metrics serving", "health listener serving", "policy activated", "grensd serving",
                          "SIGHUP: reloading the policy", "policy unchanged", "stopping", "grensd stopped"}) {
    EXPECT_THAT(log, HasSubstr(absl::StrCat("\"msg\":\"", msg, "\""))) << msg;
  }
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"time\":\"") && absl::EndsWith(line, "}")) << line;
  }
}

TEST(MetricsLogLevelTest, WarnHidesInfoLines) {
  TempDir dir;
  const std::string policy = WriteNlPolicy(dir);
  auto grensd = GrensdProcess::Start(
      dir, absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\n"), {"--log_level=warn"});
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  dir.Write("policy.yaml", "id: [broken\n");
  (*grensd)->Signal(SIGHUP);
  ASSERT_TRUE(Eventually([&] { return absl::StrContains((*grensd)->Stderr(), "policy rejected"); }, absl::Seconds(10)));
  EXPECT_THAT((*grensd)->Stderr(), ::testing::Not(HasSubstr("\"level\":\"info\"")));
  EXPECT_THAT((*grensd)->Stderr(), HasSubstr("\"level\":\"error\""));
}

TEST(MetricsConfigTest, ABadAddressIsRefusedNamingTheField) {
  TempDir dir;
  const auto [code, err] = GrensdProcess::RunToExit(
      dir, absl::StrCat("policy_path: /nonexistent.yaml\ndata_dir: ", dir.path(), "/data\nmetrics_address: \"9090\"\n"));
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("metrics_address: '9090' is not host:port"));
}

// A policy file that is a FIFO keeps grensd in its start-up load until the
// test writes the agreement into it: meanwhile the endpoints are up and say
// "alive, not ready".
TEST(MetricsStartupTest, NotReadyUntilThePolicyIsLoaded) {
  TempDir dir;
  dir.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  const std::string fifo = dir.path() + "/policy.yaml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string config = absl::StrCat("policy_path: ", fifo, "\ndata_dir: ", dir.path(),
                                          "/data\ndisable_policy_watch: true\n", kOps);
  absl::StatusOr<std::unique_ptr<GrensdProcess>> grensd = absl::UnavailableError("not started");
  std::thread starting([&] { grensd = GrensdProcess::Start(dir, config); });
  std::string metrics, health;
  const auto log = [&] {
    std::ifstream in(dir.path() + "/grensd.stderr");
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const bool up = Eventually(
      [&] {
        metrics = LogField(log(), "metrics serving", "address");
        health = LogField(log(), "health listener serving", "address");
        return !metrics.empty() && !health.empty();
      },
      absl::Seconds(30));
  absl::StatusOr<HttpResponse> readyz = up ? HttpGet(metrics, "/readyz") : absl::UnavailableError("no address");
  absl::StatusOr<HttpResponse> healthz = up ? HttpGet(metrics, "/healthz") : absl::UnavailableError("no address");
  const std::pair<int, std::string> grpc_health = up ? Health(health) : std::make_pair(-1, std::string());
  // Release the start-up load whatever happened above, so the thread ends. A
  // non-blocking open succeeds once grensd has the FIFO open for reading; if
  // grensd never gets there, Start gives up by itself.
  int fd = -1;
  Eventually([&] { return (fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK)) >= 0; }, absl::Seconds(30));
  if (fd >= 0) {
    ::fcntl(fd, F_SETFL, 0);
    const std::string text = SourceFile("policy/examples/nl-agreement.yaml");
    EXPECT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
    ::close(fd);
  }
  starting.join();
  ASSERT_TRUE(up) << log();
  ASSERT_TRUE(readyz.ok()) << readyz.status();
  EXPECT_EQ(readyz->status, 503);
  EXPECT_EQ(readyz->body, "not ready: no policy is active\n");
  ASSERT_TRUE(healthz.ok()) << healthz.status();
  EXPECT_EQ(healthz->status, 200);
  EXPECT_EQ(grpc_health.first, 1) << grpc_health.second;
  EXPECT_THAT(grpc_health.second, HasSubstr("NOT_SERVING"));

  ASSERT_TRUE(grensd.ok()) << grensd.status();
  readyz = HttpGet(metrics, "/readyz");
  ASSERT_TRUE(readyz.ok());
  EXPECT_EQ(readyz->status, 200);
  EXPECT_EQ(Health(health).first, 0);
}

}  // namespace
}  // namespace grens::testing

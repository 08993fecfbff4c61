// The metrics building blocks through their public interfaces: histogram
// buckets and exact sums, bounded label slots, label escaping, and the
// registry's decision, clause and refusal counters as rendered text.

#include "plugin/metrics.h"

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/metric_types.h"
#include "plugin/metrics_http_server.h"
#include "tests/support/policy_testing.h"

namespace grens::plugin {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(FormatFixedTest, PrintsExactDecimalsWithoutTrailingZeros) {
  EXPECT_EQ(FormatFixed(1500, 9), "0.0000015");
  EXPECT_EQ(FormatFixed(2'500'000'000, 9), "2.5");
  EXPECT_EQ(FormatFixed(1'000'000'000, 9), "1");
  EXPECT_EQ(FormatFixed(0, 9), "0");
  EXPECT_EQ(FormatFixed(-250, 3), "-0.25");
  EXPECT_EQ(FormatFixed(42, 0), "42");
}

TEST(SplitHostPortTest, AcceptsHostsAndBracketedV6AndNamesTheProblemOtherwise) {
  EXPECT_EQ(*SplitHostPort("127.0.0.1:9090"), std::make_pair(std::string("127.0.0.1"), 9090));
  EXPECT_EQ(*SplitHostPort("[::]:0"), std::make_pair(std::string("::"), 0));
  EXPECT_EQ(*SplitHostPort("localhost:80"), std::make_pair(std::string("localhost"), 80));
  EXPECT_THAT(SplitHostPort("9090").status().message(), HasSubstr("not host:port"));
  EXPECT_THAT(SplitHostPort("host:http").status().message(), HasSubstr("port"));
  EXPECT_THAT(SplitHostPort("host:70000").status().message(), HasSubstr("0 to 65535"));
  EXPECT_THAT(SplitHostPort("[::1:80").status().message(), HasSubstr("unclosed"));
}

TEST(HistogramTest, BucketsAreCumulativeAndTheCountIsTheirTotal) {
  Histogram h({10, 100}, 0);
  for (int64_t v : {1, 10, 11, 100, 1000}) h.Observe(v);
  std::string out;
  h.Render("x", "", &out);
  EXPECT_EQ(out,
            "x_bucket{le=\"10\"} 2\n"
            "x_bucket{le=\"100\"} 4\n"
            "x_bucket{le=\"+Inf\"} 5\n"
            "x_sum 1122\n"
            "x_count 5\n");
}

TEST(HistogramTest, LabelsPrecedeLe) {
  Histogram h({1'000}, 9);
  h.Observe(500);
  std::string out;
  h.Render("t_seconds", "a=\"b\"", &out);
  EXPECT_THAT(out, HasSubstr("t_seconds_bucket{a=\"b\",le=\"0.000001\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("t_seconds_sum{a=\"b\"} 0.0000005\n"));
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h({5}, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) h.Observe(i % 10);
    });
  }
  for (auto& t : threads) t.join();
  std::string out;
  h.Render("c", "", &out);
  EXPECT_THAT(out, HasSubstr("c_count 40000\n"));
  EXPECT_THAT(out, HasSubstr("c_bucket{le=\"5\"} 24000\n"));
  EXPECT_THAT(out, HasSubstr("c_sum 180000\n"));
}

TEST(LabelSlotsTest, ValuesBeyondTheCapacityShareTheOverflowSlot) {
  LabelSlots slots(2, "other");
  slots.Add({"a", "b", "c"});
  EXPECT_EQ(slots.Find("a"), 0);
  EXPECT_EQ(slots.Find("b"), 1);
  EXPECT_EQ(slots.Find("c"), slots.overflow_slot());
  EXPECT_EQ(slots.Find("never-added"), slots.overflow_slot());
  slots.Add({"b", "a"});  // idempotent
  EXPECT_EQ(slots.Find("b"), 1);
  EXPECT_EQ(slots.Labels(), (std::vector<std::string>{"a", "b", "other"}));
}

TEST(LabelValueTest, EscapesBackslashQuoteAndNewline) {
  std::string out;
  AppendLabelValue("a\\b\"c\nd", &out);
  EXPECT_EQ(out, "a\\\\b\\\"c\\nd");
}

constexpr char kPolicy[] = R"(
id: m
default_clause: "9"
clauses: [{id: "1"}, {id: "9"}, {id: "x\"y"}]
collectors: [{id: c}]
rules:
  - {id: r1, clause: "1", effect: ALLOW, match: {categories: [PRESENCE], platforms: [acme-chat]}}
  - {id: r2, clause: "x\"y", effect: DENY, match: {categories: [SCREENSHOT]}}
)";

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto compiled = testing::CompileYaml(kPolicy);
    ASSERT_TRUE(compiled.ok()) << compiled.status();
    policy_ = std::move(*compiled);
  }

  // Evaluates and counts one event as the pipeline does.
  void Decide(v1::Category category, const std::string& platform) {
    v1::MonitoringEvent e = testing::Event(category, "2026-03-10T09:00:00Z");
    e.set_platform(platform);
    const v1::Decision d = policy_->Evaluate(e, testing::At("2026-03-10T09:00:00Z"));
    metrics_.CountDecision(metrics_.Sample(policy_, e, d), std::chrono::milliseconds(1));
  }

  std::string Render() { return metrics_.Render(v1::StatusResponse()); }

  std::shared_ptr<const policy::CompiledPolicy> policy_;
  Metrics metrics_;
};

TEST_F(MetricsTest, DecisionsAreCountedByEffectCategoryPlatformAndClause) {
  Decide(v1::CATEGORY_PRESENCE, "acme-chat");  // a platform the policy names
  Decide(v1::CATEGORY_PRESENCE, "acme-chat");
  Decide(v1::CATEGORY_SCREENSHOT, "teams");
  Decide(v1::CATEGORY_LOCATION, "");
  const std::string out = Render();
  EXPECT_THAT(out, HasSubstr("grens_decisions_total{effect=\"allow\",category=\"presence\",platform=\"acme-chat\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("grens_decisions_total{effect=\"deny\",category=\"screenshot\",platform=\"teams\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("grens_decisions_total{effect=\"deny\",category=\"location\",platform=\"unspecified\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("grens_clause_decisions_total{clause=\"1\",effect=\"allow\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("grens_clause_decisions_total{clause=\"x\\\"y\",effect=\"deny\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("grens_clause_decisions_total{clause=\"9\",effect=\"deny\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("grens_decision_duration_seconds_count 4\n"));
  EXPECT_THAT(out, HasSubstr("grens_decision_duration_seconds_sum 0.004\n"));
}

TEST_F(MetricsTest, UnknownPlatformsCountAsOther) {
  for (int i = 0; i < 100; ++i) Decide(v1::CATEGORY_PRESENCE, absl::StrCat("caller-", i));
  const std::string out = Render();
  EXPECT_THAT(out, HasSubstr("platform=\"other\"} 100\n"));
  EXPECT_THAT(out, Not(HasSubstr("caller-")));
}

TEST_F(MetricsTest, EveryRefusalReasonIsExportedFromZero) {
  metrics_.CountRefused(RefusalReason::kUnauthenticated);
  metrics_.CountRefused(RefusalReason::kUnauthenticated);
  const std::string out = Render();
  EXPECT_THAT(out, HasSubstr("grens_refused_total{reason=\"unauthenticated\"} 2\n"));
  EXPECT_THAT(out, HasSubstr("grens_refused_total{reason=\"too_many_in_flight\"} 0\n"));
  EXPECT_THAT(out, HasSubstr("grens_refused_total{reason=\"unsupported\"} 0\n"));
}

TEST_F(MetricsTest, PolicyInfoComesFromTheStatus) {
  v1::StatusResponse status;
  status.set_policy_id("nl");
  status.set_revision("abc");
  status.set_rejected_reloads(3);
  status.set_log_size(17);
  const std::string out = metrics_.Render(status);
  EXPECT_THAT(out, HasSubstr("grens_policy_info{policy_id=\"nl\",revision=\"abc\"} 1\n"));
  EXPECT_THAT(out, HasSubstr("grens_policy_reload_failures_total 3\n"));
  EXPECT_THAT(out, HasSubstr("grens_log_records 17\n"));
  EXPECT_THAT(out, HasSubstr("# TYPE grens_decisions_total counter\n"));
}

}  // namespace
}  // namespace grens::plugin

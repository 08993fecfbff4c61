// Golden tests for every platform adapter: each
// tests/adapters/testdata/<platform>/<case>.textproto (a grens.test.AdapterGolden)
// names the delivery's headers, query and receipt time, and the expected
// canonical events, handshake or error; the payload is <case>.json (or .form)
// beside it. GRENS_UPDATE_GOLDENS=1 rewrites the expectations from what the
// adapters produce now (review the diff before committing; comments in the
// rewritten files are lost).

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "adapters/adapter.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/adapters/adapter_golden.pb.h"
#include "tests/support/adapter_goldens.h"

namespace grens::adapters {
namespace {

using ::grens::testing::AllGoldenCases;
using ::grens::testing::GoldenCase;
using ::grens::testing::GoldenDelivery;
using ::grens::testing::PrepareGoldenDelivery;
using ::grens::testing::ReadGolden;

class AdapterGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

// Runs the case's delivery through a fresh AdapterSet configured as the case says.
absl::StatusOr<Translation> Translate(const test::AdapterGolden& golden, const GoldenCase& c) {
  absl::StatusOr<GoldenDelivery> d = PrepareGoldenDelivery(golden, c);
  if (!d.ok()) return d.status();
  return d->adapter->Translate(d->request, d->received_at);
}

// The golden file with its expectations replaced by `actual`.
std::string Rewritten(test::AdapterGolden golden, const absl::StatusOr<Translation>& actual) {
  golden.clear_events();
  golden.clear_handshake();
  golden.clear_error_code();
  golden.clear_error_contains();
  if (!actual.ok()) {
    golden.set_error_code(absl::StatusCodeToString(actual.status().code()));
    golden.set_error_contains(std::string(actual.status().message()));
  } else {
    for (const v1::MonitoringEvent& e : actual->events) *golden.add_events() = e;
    if (actual->handshake.has_value()) *golden.mutable_handshake() = *actual->handshake;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(golden, &text);
  return text;
}

TEST_P(AdapterGoldenTest, MatchesTheGoldenFile) {
  const GoldenCase& c = GetParam();
  ASSERT_FALSE(c.payload_path.empty()) << c.golden_path << ": no payload file <case>.json/.form beside it";
  test::AdapterGolden golden;
  ASSERT_TRUE(ReadGolden(c, &golden)) << c.golden_path;
  const absl::StatusOr<Translation> actual = Translate(golden, c);
  if (std::getenv("GRENS_UPDATE_GOLDENS") != nullptr) {
    std::ofstream(c.golden_path) << Rewritten(golden, actual);
    GTEST_SKIP() << "rewrote " << c.golden_path;
  }
  if (!golden.error_code().empty()) {
    ASSERT_FALSE(actual.ok()) << c.golden_path << ": expected " << golden.error_code() << ", got events";
    EXPECT_EQ(absl::StatusCodeToString(actual.status().code()), golden.error_code()) << actual.status();
    EXPECT_TRUE(absl::StrContains(actual.status().message(), golden.error_contains()))
        << "message: " << actual.status().message() << "\nexpected to contain: " << golden.error_contains();
    return;
  }
  ASSERT_TRUE(actual.ok()) << c.golden_path << ": " << actual.status();
  EXPECT_EQ(actual->handshake.has_value(), golden.has_handshake());
  if (golden.has_handshake() && actual->handshake.has_value()) {
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*actual->handshake, golden.handshake()))
        << actual->handshake->DebugString();
  }
  ASSERT_EQ(actual->events.size(), static_cast<size_t>(golden.events_size())) << Rewritten(golden, actual);
  for (size_t i = 0; i < actual->events.size(); ++i) {
    google::protobuf::util::MessageDifferencer differ;
    std::string diff;
    differ.ReportDifferencesToString(&diff);
    EXPECT_TRUE(differ.Compare(golden.events(static_cast<int>(i)), actual->events[i]))
        << c.golden_path << " events[" << i << "]:\n" << diff;
  }
}

std::string CaseName(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.platform + "_" + info.param.name;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Platforms, AdapterGoldenTest, ::testing::ValuesIn(AllGoldenCases()), CaseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AdapterGoldenTest);

}  // namespace
}  // namespace grens::adapters

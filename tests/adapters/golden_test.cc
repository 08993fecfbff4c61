// Golden tests for every platform adapter: each
// tests/adapters/testdata/<platform>/<case>.textproto (a grens.test.AdapterGolden)
// names the delivery's headers, query and receipt time, and the expected
// canonical events, handshake or error; the payload is <case>.json (or .form)
// beside it. GRENS_UPDATE_GOLDENS=1 rewrites the expectations from what the
// adapters produce now (review the diff before committing; comments in the
// rewritten files are lost).

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "adapters/adapter_set.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "policy/durations.h"
#include "tests/adapters/adapter_golden.pb.h"

namespace grens::adapters {
namespace {

const std::string kTestdata = std::string(GRENS_SOURCE_DIR) + "/tests/adapters/testdata";

std::vector<std::string> List(const std::string& dir, bool directories) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if ((e->d_type == DT_DIR) == directories) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Case {
  std::string platform;
  std::string name;
  std::string golden_path;
  std::string payload_path;
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const std::string& platform : List(kTestdata, true)) {
    const std::string dir = kTestdata + "/" + platform;
    const std::vector<std::string> files = List(dir, false);
    for (const std::string& file : files) {
      if (!absl::EndsWith(file, ".textproto")) continue;
      Case c{platform, file.substr(0, file.size() - 10), dir + "/" + file, ""};
      for (const std::string& other : files) {
        if (absl::StartsWith(other, c.name + ".") && other != file) c.payload_path = dir + "/" + other;
      }
      cases.push_back(c);
    }
  }
  return cases;
}

class AdapterGoldenTest : public ::testing::TestWithParam<Case> {};

// Runs the case's delivery through a fresh AdapterSet configured as the case says.
absl::StatusOr<Translation> Translate(const test::AdapterGolden& golden, const Case& c) {
  AdapterConfig config;
  config.secret = golden.secret();
  config.skip_signature_check = golden.skip_signature_check();
  if (!golden.replay_window().empty()) config.replay_window = *policy::ParseAgreementDuration(golden.replay_window());
  absl::flat_hash_map<std::string, AdapterConfig> configs;
  configs[c.platform] = config;
  absl::StatusOr<std::unique_ptr<const AdapterSet>> set = AdapterSet::Create(configs);
  if (!set.ok()) return set.status();
  v1::EvaluatePlatformEventRequest request = golden.request();
  if (request.platform().empty()) request.set_platform(c.platform);
  request.set_payload(Read(c.payload_path));
  absl::Time received_at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, golden.received_at(), &received_at, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("bad received_at in the golden file: ", golden.received_at()));
  }
  absl::StatusOr<const Adapter*> adapter = (*set)->Find(request.platform());
  if (!adapter.ok()) return adapter.status();
  return (*adapter)->Translate(request, received_at);
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
  const Case& c = GetParam();
  ASSERT_FALSE(c.payload_path.empty()) << c.golden_path << ": no payload file <case>.json/.form beside it";
  test::AdapterGolden golden;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(Read(c.golden_path), &golden)) << c.golden_path;
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

std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.platform + "_" + info.param.name;
  for (char& ch : name) {
    if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Platforms, AdapterGoldenTest, ::testing::ValuesIn(AllCases()), CaseName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(AdapterGoldenTest);

}  // namespace
}  // namespace grens::adapters

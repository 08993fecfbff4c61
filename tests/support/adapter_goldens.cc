#include "tests/support/adapter_goldens.h"

#include <dirent.h>

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"
#include "policy/durations.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {
namespace {

const std::string kTestdata = std::string(GRENS_SOURCE_DIR) + "/tests/adapters/testdata";

// The names of the subdirectories (or else the other entries) of `dir`, sorted.
std::vector<std::string> List(const std::string& dir, bool directories) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && (e->d_type == DT_DIR) == directories) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::vector<GoldenCase> AllGoldenCases() {
  std::vector<GoldenCase> cases;
  for (const std::string& platform : List(kTestdata, true)) {
    const std::string dir = kTestdata + "/" + platform;
    const std::vector<std::string> files = List(dir, false);
    for (const std::string& file : files) {
      if (!absl::EndsWith(file, ".textproto")) continue;
      GoldenCase c{platform, file.substr(0, file.size() - 10), dir + "/" + file, ""};
      for (const std::string& other : files) {
        if (absl::StartsWith(other, c.name + ".") && !absl::EndsWith(other, ".textproto")) {
          c.payload_path = dir + "/" + other;
        }
      }
      cases.push_back(std::move(c));
    }
  }
  return cases;
}

bool ReadGolden(const GoldenCase& c, test::AdapterGolden* golden) {
  return google::protobuf::TextFormat::ParseFromString(ReadAll(c.golden_path), golden);
}

absl::StatusOr<GoldenDelivery> PrepareGoldenDelivery(const test::AdapterGolden& golden, const GoldenCase& c) {
  adapters::AdapterConfig config;
  config.secret = golden.secret();
  config.skip_signature_check = golden.skip_signature_check();
  if (!golden.replay_window().empty()) {
    absl::StatusOr<absl::Duration> window = policy::ParseAgreementDuration(golden.replay_window());
    if (!window.ok()) return window.status();
    config.replay_window = *window;
  }
  absl::flat_hash_map<std::string, adapters::AdapterConfig> configs;
  configs[c.platform] = config;
  GoldenDelivery d;
  absl::StatusOr<std::unique_ptr<const adapters::AdapterSet>> set = adapters::AdapterSet::Create(configs);
  if (!set.ok()) return set.status();
  d.adapters = *std::move(set);
  d.request = golden.request();
  if (d.request.platform().empty()) d.request.set_platform(c.platform);
  d.request.set_payload(ReadAll(c.payload_path));
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, golden.received_at(), &d.received_at, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("bad received_at in the golden file: ", golden.received_at()));
  }
  absl::StatusOr<const adapters::Adapter*> adapter = d.adapters->Find(d.request.platform());
  if (!adapter.ok()) return adapter.status();
  d.adapter = *adapter;
  return d;
}

}  // namespace grens::testing

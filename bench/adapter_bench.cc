// Translation cost per platform: Adapter::Translate on one representative
// golden case of every platform folder in tests/adapters/testdata, with its
// signature check, JSON parse and field reads, as grensd runs it per delivery.
// Representative = the median-sized payload among the platform's cases that
// translate to events (no error, no handshake), so a platform added by another
// adapter appears here without touching this file. The benchmark name says
// which case ran; counters give the payload bytes and the events it yields.

#include <dirent.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "adapters/adapter_set.h"
#include "benchmark/benchmark.h"
#include "google/protobuf/text_format.h"
#include "policy/durations.h"
#include "tests/adapters/adapter_golden.pb.h"

namespace {

namespace adapters = grens::adapters;

const std::string kTestdata = std::string(GRENS_SOURCE_DIR) + "/tests/adapters/testdata";

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

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// One golden delivery, ready to translate again and again.
struct Case {
  std::string platform;
  std::string name;
  grens::v1::EvaluatePlatformEventRequest request;
  absl::Time received_at;
  std::unique_ptr<const adapters::AdapterSet> adapters;
  const adapters::Adapter* adapter = nullptr;
};

// The case `stem` of `platform` when it is a usable success case; nullptr otherwise.
std::unique_ptr<Case> LoadCase(const std::string& platform, const std::string& stem,
                               const std::vector<std::string>& files) {
  const std::string dir = kTestdata + "/" + platform + "/";
  grens::test::AdapterGolden golden;
  if (!google::protobuf::TextFormat::ParseFromString(Read(dir + stem + ".textproto"), &golden)) return nullptr;
  if (!golden.error_code().empty() || golden.has_handshake() || golden.events_size() == 0) return nullptr;
  auto c = std::make_unique<Case>();
  c->platform = platform;
  c->name = stem;
  c->request = golden.request();
  if (c->request.platform().empty()) c->request.set_platform(platform);
  for (const std::string& f : files) {
    if (absl::StartsWith(f, stem + ".") && !absl::EndsWith(f, ".textproto")) c->request.set_payload(Read(dir + f));
  }
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, golden.received_at(), &c->received_at, &error)) return nullptr;
  adapters::AdapterConfig config;
  config.secret = golden.secret();
  config.skip_signature_check = golden.skip_signature_check();
  if (!golden.replay_window().empty()) {
    absl::StatusOr<absl::Duration> window = grens::policy::ParseAgreementDuration(golden.replay_window());
    if (!window.ok()) return nullptr;
    config.replay_window = *window;
  }
  absl::flat_hash_map<std::string, adapters::AdapterConfig> configs;
  configs[platform] = config;
  absl::StatusOr<std::unique_ptr<const adapters::AdapterSet>> set = adapters::AdapterSet::Create(configs);
  if (!set.ok()) return nullptr;
  c->adapters = std::move(*set);
  absl::StatusOr<const adapters::Adapter*> adapter = c->adapters->Find(c->request.platform());
  if (!adapter.ok()) return nullptr;
  c->adapter = *adapter;
  return c;
}

// Each platform's median-sized success case.
std::vector<std::unique_ptr<Case>> RepresentativeCases() {
  std::vector<std::unique_ptr<Case>> out;
  for (const std::string& platform : List(kTestdata, true)) {
    const std::vector<std::string> files = List(kTestdata + "/" + platform, false);
    std::vector<std::unique_ptr<Case>> usable;
    for (const std::string& f : files) {
      if (!absl::EndsWith(f, ".textproto")) continue;
      std::unique_ptr<Case> c = LoadCase(platform, f.substr(0, f.size() - 10), files);
      if (c != nullptr) usable.push_back(std::move(c));
    }
    if (usable.empty()) continue;
    std::sort(usable.begin(), usable.end(), [](const auto& a, const auto& b) {
      return a->request.payload().size() < b->request.payload().size();
    });
    out.push_back(std::move(usable[usable.size() / 2]));
  }
  return out;
}

void BM_Translate(benchmark::State& state, const Case* c) {
  size_t events = 0;
  for (auto _ : state) {
    absl::StatusOr<adapters::Translation> t = c->adapter->Translate(c->request, c->received_at);
    if (!t.ok()) {
      state.SkipWithError(std::string(t.status().message()).c_str());
      return;
    }
    events = t->events.size();
    benchmark::DoNotOptimize(t);
  }
  state.counters["payload_bytes"] = static_cast<double>(c->request.payload().size());
  state.counters["events"] = static_cast<double>(events);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // Kept alive until the benchmarks have run.
  const std::vector<std::unique_ptr<Case>> cases = RepresentativeCases();
  for (const std::unique_ptr<Case>& c : cases) {
    benchmark::RegisterBenchmark(("BM_Translate/" + c->platform + "/" + c->name).c_str(), BM_Translate, c.get());
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

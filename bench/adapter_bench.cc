// Translation cost per platform: Adapter::Translate on one representative
// golden case of every platform folder in tests/adapters/testdata, with its
// signature check, JSON parse and field reads, as grensd runs it per delivery.
// Representative = the median-sized payload among the platform's cases that
// translate to events (no error, no handshake), so a platform added by another
// adapter appears here without touching this file. The benchmark name says
// which case ran; counters give the payload bytes and the events it yields.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter_set.h"
#include "benchmark/benchmark.h"
#include "tests/adapters/adapter_golden.pb.h"
#include "tests/support/adapter_goldens.h"

namespace {

namespace adapters = grens::adapters;

using ::grens::testing::GoldenCase;
using ::grens::testing::GoldenDelivery;

// One golden delivery, ready to translate again and again.
struct Case {
  std::string platform;
  std::string name;
  GoldenDelivery delivery;
};

// The case `g` when it is a usable success case; nullptr otherwise.
std::unique_ptr<Case> LoadCase(const GoldenCase& g) {
  grens::test::AdapterGolden golden;
  if (!grens::testing::ReadGolden(g, &golden)) return nullptr;
  if (!golden.error_code().empty() || golden.has_handshake() || golden.events_size() == 0) return nullptr;
  absl::StatusOr<GoldenDelivery> delivery = grens::testing::PrepareGoldenDelivery(golden, g);
  if (!delivery.ok()) return nullptr;
  return std::make_unique<Case>(Case{g.platform, g.name, *std::move(delivery)});
}

// Each platform's median-sized success case.
std::vector<std::unique_ptr<Case>> RepresentativeCases() {
  std::map<std::string, std::vector<std::unique_ptr<Case>>> usable;  // by platform, each in name order
  for (const GoldenCase& g : grens::testing::AllGoldenCases()) {
    std::unique_ptr<Case> c = LoadCase(g);
    if (c != nullptr) usable[g.platform].push_back(std::move(c));
  }
  std::vector<std::unique_ptr<Case>> out;
  for (auto& [platform, cases] : usable) {
    std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) {
      return a->delivery.request.payload().size() < b->delivery.request.payload().size();
    });
    out.push_back(std::move(cases[cases.size() / 2]));
  }
  return out;
}

void BM_Translate(benchmark::State& state, const Case* c) {
  size_t events = 0;
  const GoldenDelivery& d = c->delivery;
  for (auto _ : state) {
    absl::StatusOr<adapters::Translation> t = d.adapter->Translate(d.request, d.received_at);
    if (!t.ok()) {
      state.SkipWithError(std::string(t.status().message()).c_str());
      return;
    }
    events = t->events.size();
    benchmark::DoNotOptimize(t);
  }
  state.counters["payload_bytes"] = static_cast<double>(d.request.payload().size());
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

// Policy evaluation in process: the cost of CompiledPolicy::Evaluate for each
// example agreement over the mix of events in its own test suite (presence,
// attendance, bans, exemptions, redaction, aggregates ...), with the decision
// object reused as the sidecar does. Target (DESIGN.md): median under 1 us.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/policy.pb.h"
#include "policy/compiled_policy.h"
#include "policy/policy_loader.h"

namespace {

struct Workload {
  std::shared_ptr<const grens::policy::CompiledPolicy> policy;
  std::vector<std::pair<grens::v1::MonitoringEvent, absl::Time>> events;
};

absl::Time CaseTime(const grens::v1::PolicyTestCase& c) {
  absl::Time at = absl::FromUnixSeconds(c.event().occurred_at().seconds());
  if (!c.at().empty()) {
    std::string error;
    absl::ParseTime(absl::RFC3339_full, c.at(), &at, &error);
  }
  return at;
}

// Loads an example agreement and the events of its test suite; empty on error.
Workload LoadWorkload(const std::string& name) {
  const std::string dir = std::string(GRENS_SOURCE_DIR) + "/policy/examples/";
  Workload w;
  grens::policy::LoadedPolicy loaded = grens::policy::LoadPolicyFile(dir + name + ".yaml");
  std::vector<grens::policy::Diagnostic> diagnostics;
  auto suite = grens::policy::LoadTestSuite(dir + name + ".tests.yaml", &diagnostics);
  if (loaded.policy == nullptr || !suite.ok()) return w;
  w.policy = loaded.policy;
  for (const grens::v1::PolicyTestCase& c : suite->cases()) {
    w.events.emplace_back(c.event(), CaseTime(c));
  }
  return w;
}

void BM_Evaluate(benchmark::State& state, const std::string& name) {
  const Workload w = LoadWorkload(name);
  if (w.policy == nullptr || w.events.empty()) {
    state.SkipWithError(("cannot load example " + name).c_str());
    return;
  }
  grens::v1::Decision decision;
  size_t i = 0;
  for (auto _ : state) {
    const auto& [event, at] = w.events[i];
    w.policy->Evaluate(event, at, &decision);
    benchmark::DoNotOptimize(decision);
    if (++i == w.events.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["events_in_mix"] = static_cast<double>(w.events.size());
}

BENCHMARK_CAPTURE(BM_Evaluate, nl_agreement, std::string("nl-agreement"));
BENCHMARK_CAPTURE(BM_Evaluate, de_agreement, std::string("de-agreement"));

}  // namespace

BENCHMARK_MAIN();

// Policy evaluation of events as they arrive over gRPC (Guard.Evaluate and
// EvaluateStream): the input is a binary grens.v1.MonitoringEvent, so enum
// values, times, sizes and texts are whatever a client sends, not what the YAML
// reader lets through. Each event is checked as DecisionPipeline::Validate
// checks it; the events it accepts are judged and explained against both
// example agreements (loaded once) at the event's own time and at a fixed
// instant, as the pipeline would. Property: every decision has an effect and
// cites at least one clause. Seeds: events like those of the example suites,
// and a few a hostile client might send.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "plugin/decision_pipeline.h"
#include "policy/policy_loader.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::Check;

const std::vector<std::shared_ptr<const grens::policy::CompiledPolicy>>& Policies() {
  static const auto* policies = [] {
    auto* out = new std::vector<std::shared_ptr<const grens::policy::CompiledPolicy>>();
    for (const char* name : {"nl-agreement", "de-agreement"}) {
      grens::policy::LoadedPolicy loaded = grens::policy::LoadPolicyFile(
          std::string(GRENS_SOURCE_DIR) + "/policy/examples/" + name + ".yaml");
      Check(loaded.policy != nullptr, "an example agreement does not load");
      out->push_back(loaded.policy);
    }
    return out;
  }();
  return *policies;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  grens::v1::MonitoringEvent event;
  if (!event.ParseFromArray(data, static_cast<int>(size))) return 0;
  grens::v1::Limits limits;
  limits.set_max_content_bytes(64 << 10);
  // Validate reads only the limits; the pipeline's other parts stay unset.
  const grens::plugin::DecisionPipeline pipeline(nullptr, nullptr, nullptr, nullptr, limits);
  if (!pipeline.Validate(event, {}).ok() && !pipeline.Validate(event, {/*allow_unspecified_category=*/true}).ok()) {
    return 0;
  }
  const absl::Time own = absl::FromUnixSeconds(event.occurred_at().seconds()) +
                         absl::Nanoseconds(event.occurred_at().nanos());
  for (const auto& policy : Policies()) {
    for (absl::Time now : {own, absl::FromUnixSeconds(1773133200)}) {
      const grens::v1::Decision decision = policy->Evaluate(event, now);
      Check(decision.effect() != grens::v1::EFFECT_UNSPECIFIED, "a decision without an effect");
      Check(decision.reasons_size() > 0, "a decision that cites no clause");
      Check(!policy->Explain(event, now).empty(), "an explanation without a trace");
    }
  }
  return 0;
}

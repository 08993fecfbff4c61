// Placeholder until the Graph adapter is written: refuses every delivery, so
// nothing from graph is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingGraphAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "graph"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("graph: this build has no Graph adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewGraphAdapter(const AdapterConfig&) { return std::make_unique<PendingGraphAdapter>(); }

}  // namespace grens::adapters

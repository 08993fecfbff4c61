// Placeholder until the Slack adapter is written: refuses every delivery, so
// nothing from slack is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingSlackAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "slack"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("slack: this build has no Slack adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewSlackAdapter(const AdapterConfig&) { return std::make_unique<PendingSlackAdapter>(); }

}  // namespace grens::adapters

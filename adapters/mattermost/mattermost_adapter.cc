// Placeholder until the Mattermost adapter is written: refuses every delivery, so
// nothing from mattermost is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingMattermostAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "mattermost"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("mattermost: this build has no Mattermost adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewMattermostAdapter(const AdapterConfig&) { return std::make_unique<PendingMattermostAdapter>(); }

}  // namespace grens::adapters

// Placeholder until the Zoom adapter is written: refuses every delivery, so
// nothing from zoom is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingZoomAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "zoom"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("zoom: this build has no Zoom adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewZoomAdapter(const AdapterConfig&) { return std::make_unique<PendingZoomAdapter>(); }

}  // namespace grens::adapters

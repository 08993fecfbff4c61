// Placeholder until the Jitsi adapter is written: refuses every delivery, so
// nothing from jitsi is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingJitsiAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "jitsi"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("jitsi: this build has no Jitsi adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewJitsiAdapter(const AdapterConfig&) { return std::make_unique<PendingJitsiAdapter>(); }

}  // namespace grens::adapters

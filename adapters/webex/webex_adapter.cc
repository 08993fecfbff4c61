// Placeholder until the Webex adapter is written: refuses every delivery, so
// nothing from webex is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingWebexAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "webex"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("webex: this build has no Webex adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewWebexAdapter(const AdapterConfig&) { return std::make_unique<PendingWebexAdapter>(); }

}  // namespace grens::adapters

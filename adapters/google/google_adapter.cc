// Placeholder until the Google adapter is written: refuses every delivery, so
// nothing from google is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingGoogleAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "google"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("google: this build has no Google adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewGoogleAdapter(const AdapterConfig&) { return std::make_unique<PendingGoogleAdapter>(); }

}  // namespace grens::adapters

// Placeholder until the Matrix adapter is written: refuses every delivery, so
// nothing from matrix is judged on a guess.
#include "absl/strings/str_cat.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

class PendingMatrixAdapter final : public Adapter {
 public:
  absl::string_view name() const override { return "matrix"; }
  absl::StatusOr<Translation> Translate(const v1::EvaluatePlatformEventRequest&, absl::Time) const override {
    return absl::UnimplementedError("matrix: this build has no Matrix adapter yet");
  }
};

}  // namespace

std::unique_ptr<Adapter> NewMatrixAdapter(const AdapterConfig&) { return std::make_unique<PendingMatrixAdapter>(); }

}  // namespace grens::adapters

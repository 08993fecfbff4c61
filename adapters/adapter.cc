#include "adapters/adapter.h"

#include "absl/strings/match.h"

namespace grens::adapters {

absl::string_view HeaderValue(const v1::EvaluatePlatformEventRequest& request, absl::string_view lower_name) {
  auto exact = request.headers().find(std::string(lower_name));
  if (exact != request.headers().end()) return exact->second;
  for (const auto& [name, value] : request.headers()) {
    if (absl::EqualsIgnoreCase(name, lower_name)) return value;
  }
  return "";
}

}  // namespace grens::adapters

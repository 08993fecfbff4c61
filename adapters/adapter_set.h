#ifndef GRENS_ADAPTERS_ADAPTER_SET_H_
#define GRENS_ADAPTERS_ADAPTER_SET_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "adapters/adapter.h"

namespace grens::adapters {

// Every platform adapter grensd knows, built once from the config and looked up
// by platform name or alias per delivery. Immutable, so safe for concurrent use.
class AdapterSet {
 public:
  // `configs` maps platform names (or aliases) to their config; platforms it
  // does not name get a default AdapterConfig (no secret: deliveries refused).
  // InvalidArgument naming an unknown platform.
  static absl::StatusOr<std::unique_ptr<const AdapterSet>> Create(
      const absl::flat_hash_map<std::string, AdapterConfig>& configs);

  AdapterSet(const AdapterSet&) = delete;
  AdapterSet& operator=(const AdapterSet&) = delete;

  // The adapter for `platform` ("slack", "teams", "graph", ...; case-insensitive).
  // NotFound listing the known names otherwise.
  absl::StatusOr<const Adapter*> Find(absl::string_view platform) const;

  // Canonical names of all platforms, sorted.
  std::vector<std::string> names() const;

  // The canonical name for a platform name or alias, or "" if unknown.
  static std::string CanonicalName(absl::string_view platform);

 private:
  AdapterSet() = default;

  absl::flat_hash_map<std::string, std::unique_ptr<Adapter>> adapters_;
};

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_ADAPTER_SET_H_

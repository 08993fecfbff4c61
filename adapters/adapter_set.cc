#include "adapters/adapter_set.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/platforms.h"

namespace grens::adapters {
namespace {

using Factory = std::unique_ptr<Adapter> (*)(const AdapterConfig&);

struct Platform {
  const char* name;
  Factory factory;
};

constexpr Platform kPlatforms[] = {
    {"google", &NewGoogleAdapter}, {"graph", &NewGraphAdapter},   {"jitsi", &NewJitsiAdapter},
    {"matrix", &NewMatrixAdapter}, {"mattermost", &NewMattermostAdapter}, {"slack", &NewSlackAdapter},
    {"webex", &NewWebexAdapter},   {"zoom", &NewZoomAdapter},
};

// Other names callers use for a platform.
constexpr std::pair<const char*, const char*> kAliases[] = {
    {"teams", "graph"}, {"msgraph", "graph"}, {"microsoft", "graph"}, {"jaas", "jitsi"},
    {"google-workspace", "google"}, {"meet", "google"}, {"element", "matrix"},
};

std::vector<std::string> KnownNames() {
  std::vector<std::string> out;
  for (const Platform& p : kPlatforms) out.push_back(p.name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::string AdapterSet::CanonicalName(absl::string_view platform) {
  const std::string lower = absl::AsciiStrToLower(platform);
  for (const Platform& p : kPlatforms) {
    if (lower == p.name) return lower;
  }
  for (const auto& [alias, name] : kAliases) {
    if (lower == alias) return name;
  }
  return "";
}

absl::StatusOr<std::unique_ptr<const AdapterSet>> AdapterSet::Create(
    const absl::flat_hash_map<std::string, AdapterConfig>& configs) {
  absl::flat_hash_map<std::string, const AdapterConfig*> by_name;
  for (const auto& [platform, config] : configs) {
    const std::string name = CanonicalName(platform);
    if (name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("platforms: unknown platform '", platform, "' (known: ",
                                                     absl::StrJoin(KnownNames(), ", "), ")"));
    }
    if (!by_name.emplace(name, &config).second) {
      return absl::InvalidArgumentError(absl::StrCat("platforms: '", platform, "' is configured twice"));
    }
  }
  std::unique_ptr<AdapterSet> set(new AdapterSet());
  const AdapterConfig none;
  for (const Platform& p : kPlatforms) {
    auto it = by_name.find(p.name);
    set->adapters_[p.name] = p.factory(it == by_name.end() ? none : *it->second);
  }
  return std::unique_ptr<const AdapterSet>(std::move(set));
}

absl::StatusOr<const Adapter*> AdapterSet::Find(absl::string_view platform) const {
  auto it = adapters_.find(CanonicalName(platform));
  if (it == adapters_.end()) {
    return absl::NotFoundError(
        absl::StrCat("platform: unknown platform '", platform, "' (known: ", absl::StrJoin(names(), ", "), ")"));
  }
  return it->second.get();
}

std::vector<std::string> AdapterSet::names() const { return KnownNames(); }

}  // namespace grens::adapters

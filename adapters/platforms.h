#ifndef GRENS_ADAPTERS_PLATFORMS_H_
#define GRENS_ADAPTERS_PLATFORMS_H_

#include <memory>

#include "adapters/adapter.h"

namespace grens::adapters {

// One factory per platform, each in its own folder (adapters/<platform>/).
// AdapterSet is the only caller; adapters/README.md says how to add one.
std::unique_ptr<Adapter> NewGraphAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewZoomAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewSlackAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewGoogleAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewMattermostAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewJitsiAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewWebexAdapter(const AdapterConfig& config);
std::unique_ptr<Adapter> NewMatrixAdapter(const AdapterConfig& config);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_PLATFORMS_H_

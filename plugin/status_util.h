#ifndef GRENS_PLUGIN_STATUS_UTIL_H_
#define GRENS_PLUGIN_STATUS_UTIL_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace grens::plugin {

// The one place an absl::Status becomes a grpc::Status (STYLE.md 1.4): same
// code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_STATUS_UTIL_H_

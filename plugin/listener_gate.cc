#include "plugin/listener_gate.h"

#include <string>
#include <utility>

#include "plugin/process_log.h"
#include "plugin/status_util.h"

namespace grens::plugin {
namespace {

absl::string_view View(const grpc::string_ref& ref) { return absl::string_view(ref.data(), ref.size()); }

}  // namespace

ListenerGate::ListenerGate(std::shared_ptr<AccessPolicy> policy, int listener)
    : policy_(std::move(policy)), listener_(listener) {}

grpc::Status ListenerGate::Process(const InputMetadata& metadata, grpc::AuthContext* context, OutputMetadata*,
                                   OutputMetadata*) {
  CallCredentials call;
  call.auth_context = context;
  const auto path = metadata.find(":path");
  if (path != metadata.end()) call.path = View(path->second);
  const auto authorization = metadata.find("authorization");
  if (authorization != metadata.end()) call.authorization = View(authorization->second);
  const absl::Status status = policy_->Authorize(listener_, call);
  if (!status.ok()) {
    Log(LogLevel::kDebug, "call refused",
        {{"method", std::string(call.path)}, {"listener", std::to_string(listener_)},
         {"error", std::string(status.message())}});
  }
  return ToGrpcStatus(status);
}

}  // namespace grens::plugin

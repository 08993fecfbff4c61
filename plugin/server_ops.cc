// The sidecar's operations endpoints: /metrics, /healthz and /readyz over HTTP
// (config metrics_address), and a plaintext listener that serves only the gRPC
// health service (config health_address), for kubelet's grpc probes, which
// reach the pod IP without TLS while the Guard listener stays on loopback.

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "plugin/process_log.h"
#include "plugin/server.h"

namespace grens::plugin {

std::string Sidecar::NotReadyReason() const {
  if (stopping_.load()) return "shutting down";
  if (policies_ == nullptr || policies_->Active() == nullptr) return "no policy is active";
  if (!metrics_->log()->last_commit_ok()) return "the last decision log commit failed";
  if (::access(config_.data_dir().c_str(), W_OK) != 0) {
    return absl::StrCat("the data directory ", config_.data_dir(), " is not writable");
  }
  return "";
}

std::vector<std::pair<RefusalReason, int64_t>> Sidecar::RefusalsCountedElsewhere() const {
  std::vector<std::pair<RefusalReason, int64_t>> out;
  for (const auto& [name, count] : RefusalCounts()) {
    if (name == "no_credentials" || name == "bad_token") {
      out.emplace_back(RefusalReason::kUnauthenticated, count);
    } else if (name == "limits.max_in_flight_per_client") {
      out.emplace_back(RefusalReason::kTooManyInFlight, count);
    } else if (name == "limits.max_stream_messages") {
      out.emplace_back(RefusalReason::kStreamTooLong, count);
    } else {  // unmapped_identity, wrong_role, unknown_method
      out.emplace_back(RefusalReason::kPermissionDenied, count);
    }
  }
  return out;
}

absl::Status Sidecar::StartOpsEndpoints() {
  if (!config_.health_address().empty()) {
    // No services registered: the builder adds the default health service
    // (enabled in BuildServer), so this port answers grpc.health.v1 only.
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort(config_.health_address(), grpc::InsecureServerCredentials(), &port);
    health_server_ = builder.BuildAndStart();
    if (health_server_ == nullptr || port == 0) {
      return absl::UnavailableError(absl::StrCat("health_address: cannot listen on ", config_.health_address()));
    }
    health_server_->GetHealthCheckService()->SetServingStatus(false);
    const size_t colon = config_.health_address().rfind(':');
    Log(LogLevel::kInfo, "health listener serving",
        {{"address", absl::StrCat(config_.health_address().substr(0, colon), ":", port)}});
  }
  if (!config_.metrics_address().empty()) {
    MetricsHttpServer::Handlers handlers;
    handlers.metrics = [this] {
      v1::StatusResponse status;
      policies_->FillStatus(&status);
      return metrics_->Render(status, RefusalsCountedElsewhere());
    };
    handlers.not_ready = [this] { return NotReadyReason(); };
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(config_.metrics_address(), std::move(handlers));
    if (!http.ok()) return absl::Status(http.status().code(), absl::StrCat("metrics_address: ", http.status().message()));
    metrics_http_ = std::move(*http);
    Log(LogLevel::kInfo, "metrics serving", {{"address", metrics_http_->address()}});
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

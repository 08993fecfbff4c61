#ifndef GRENS_PLUGIN_SERVER_H_
#define GRENS_PLUGIN_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/config.pb.h"
#include "grpcpp/server.h"
#include "plugin/access_policy.h"
#include "plugin/admin_service.h"
#include "plugin/audit_service.h"
#include "plugin/call_limiter.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "plugin/decision_pipeline.h"
#include "plugin/ext_authz_service.h"
#include "plugin/guard_service.h"
#include "plugin/metrics.h"
#include "plugin/metrics_http_server.h"
#include "plugin/platform_events.h"
#include "plugin/policy_holder.h"
#include "plugin/policy_watcher.h"
#include "plugin/pseudonymizer.h"
#include "plugin/task_queue.h"
#include "plugin/ticker.h"

namespace grens::plugin {

// The running sidecar: listeners, services, the active policy with its reload
// triggers, and the decision log. Safe for concurrent use.
class Sidecar {
 public:
  // Opens the log, starts listening (health NOT_SERVING), loads the policy and
  // turns health SERVING. A policy that does not load is an error: there is
  // nothing good to fall back to. `config` must be finalized
  // (FinalizeSidecarConfig); `clock` must outlive the sidecar.
  static absl::StatusOr<std::unique_ptr<Sidecar>> Start(const v1::SidecarConfig& config, const Clock* clock);
  ~Sidecar();
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  // Addresses actually bound, with ephemeral ports resolved.
  const std::vector<std::string>& addresses() const { return addresses_; }

  // The metrics every component reports to (CountRefused for refusals).
  Metrics* metrics() { return metrics_.get(); }

  // "" when the sidecar can decide (a policy is active, the decision log
  // commits and its directory is writable, not shutting down); else why not.
  std::string NotReadyReason() const;

  // Re-reads the policy on the control thread (SIGHUP, file watch).
  void RequestReload(v1::PolicyTrigger trigger);

  // Health NOT_SERVING, stop accepting, let in-flight calls finish within
  // `grace` (then cancel them), close the log with a final checkpoint.
  absl::Status Shutdown(absl::Duration grace);

  // Blocks until Shutdown has stopped the server.
  void Wait();

  // Calls refused so far, by reason: the access reasons of
  // AccessPolicy::RefusalCounts, then "limits.max_in_flight_per_client" and
  // "limits.max_stream_messages". For the metrics endpoint; safe to call from
  // any thread while the sidecar runs.
  std::vector<std::pair<std::string, int64_t>> RefusalCounts() const;
  // The same, as the metrics endpoint's reasons.
  std::vector<std::pair<RefusalReason, int64_t>> RefusalsCountedElsewhere() const;

 private:
  Sidecar(const v1::SidecarConfig& config, const Clock* clock);
  absl::Status Init();
  absl::Status BuildServer();
  // The metrics/health HTTP endpoint and the health-only gRPC listener, if
  // configured (server_ops.cc).
  absl::Status StartOpsEndpoints();
  absl::Status StartBreakGlass();
  void SetServing(bool serving);

  const v1::SidecarConfig config_;
  const Clock* const clock_;
  const absl::Time started_at_;
  // Before the log: its writer reports here until it is closed.
  const std::unique_ptr<Metrics> metrics_ = std::make_unique<Metrics>();
  std::unique_ptr<DecisionLog> log_;
  std::unique_ptr<Pseudonymizer> pseudonymizer_;
  // Shared with the listeners' gates (ListenerGate), which gRPC owns.
  std::shared_ptr<AccessPolicy> access_;
  std::unique_ptr<CallLimiter> limiter_;
  std::unique_ptr<TaskQueue> control_;
  std::unique_ptr<PolicyHolder> policies_;
  std::unique_ptr<DecisionPipeline> pipeline_;
  std::unique_ptr<PlatformEvents> platform_events_;
  std::unique_ptr<GuardService> guard_;
  std::unique_ptr<ExtAuthzService> ext_authz_;
  std::unique_ptr<PolicyAdminService> admin_;
  std::unique_ptr<AuditLogService> audit_;
  std::unique_ptr<grpc::Server> server_;
  // Plaintext, grpc.health.v1 only (config health_address): for kubelet's grpc probes.
  std::unique_ptr<grpc::Server> health_server_;
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  std::unique_ptr<PolicyWatcher> watcher_;
  // Break-glass: the case files' watcher, and the ticker that lets cases start and expire.
  std::unique_ptr<PolicyWatcher> case_watcher_;
  std::unique_ptr<Ticker> case_ticker_;
  std::vector<std::string> addresses_;
  bool shut_down_ = false;
  // Set when Shutdown starts; atomic because /readyz reads it from HTTP threads.
  std::atomic<bool> stopping_{false};
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_SERVER_H_

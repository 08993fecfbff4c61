#ifndef GRENS_PLUGIN_EXT_AUTHZ_SERVICE_H_
#define GRENS_PLUGIN_EXT_AUTHZ_SERVICE_H_

#include <memory>

#include "absl/status/statusor.h"
#include "adapters/directory.h"
#include "adapters/ext_authz/check_request.h"
#include "adapters/ext_authz/check_response.h"
#include "adapters/ext_authz/route_table.h"
#include "envoy/service/auth/v3/external_auth.grpc.pb.h"
#include "grens/v1/config.pb.h"
#include "plugin/clock.h"
#include "plugin/arena_messages.h"
#include "plugin/call_limiter.h"
#include "plugin/decision_pipeline.h"

namespace grens::plugin {

// Envoy's external authorization API (envoy.service.auth.v3.Authorization/Check)
// on gRPC's callback API. Each Check is read into a monitoring event through
// the route table (a call no route describes gets the policy's default), judged
// and recorded by the decision pipeline, and answered from the log's commit
// callback, so no reactor callback ever blocks. Every answer is a CheckResponse
// with status OK on the gRPC level, denials included (see
// adapters/ext_authz/check_response.h). Safe for concurrent use.
class ExtAuthzService final : public envoy::service::auth::v3::Authorization::CallbackService {
 public:
  // `pipeline` and `clock` are borrowed and must outlive the service;
  // `directory` may be null (subjects then have no groups or time zone).
  // `limiter` may be null (no per-client limit).
  ExtAuthzService(std::unique_ptr<const adapters::RouteTable> routes,
                  std::shared_ptr<const adapters::Directory> directory, adapters::CheckOptions options,
                  adapters::AnswerHeaders answer_headers, DecisionPipeline* pipeline, const Clock* clock,
                  CallLimiter* limiter = nullptr);
  ExtAuthzService(const ExtAuthzService&) = delete;
  ExtAuthzService& operator=(const ExtAuthzService&) = delete;

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const envoy::service::auth::v3::CheckRequest* request,
                                  envoy::service::auth::v3::CheckResponse* response) override;

 private:
  const std::unique_ptr<const adapters::RouteTable> routes_;
  const std::shared_ptr<const adapters::Directory> directory_;
  const adapters::CheckOptions options_;
  const adapters::AnswerHeaders answer_headers_;
  DecisionPipeline* const pipeline_;
  const Clock* const clock_;
  CallLimiter* const limiter_;
  ArenaMessageAllocator<envoy::service::auth::v3::CheckRequest, envoy::service::auth::v3::CheckResponse> messages_;
};

// Builds the service from a finalized config: the route table of
// ext_authz.route_table_file (none: an empty table, so every call gets the
// policy's default), tenant and answer headers; `directory` (may be null) gives
// named subjects their groups and zone. InvalidArgument naming the field (and,
// for the table, its file, line and field) otherwise.
absl::StatusOr<std::unique_ptr<ExtAuthzService>> NewExtAuthzService(
    const v1::SidecarConfig& config, std::shared_ptr<const adapters::Directory> directory,
    DecisionPipeline* pipeline, const Clock* clock, CallLimiter* limiter);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_EXT_AUTHZ_SERVICE_H_

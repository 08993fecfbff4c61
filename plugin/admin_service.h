#ifndef GRENS_PLUGIN_ADMIN_SERVICE_H_
#define GRENS_PLUGIN_ADMIN_SERVICE_H_

#include "absl/time/time.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "plugin/call_limiter.h"
#include "plugin/policy_holder.h"
#include "plugin/task_queue.h"

namespace grens::plugin {

// grens.v1.PolicyAdmin (admin role). Validation and reloads read files and wait
// for the log, so they run on the control thread, never in a reactor callback.
// Safe for concurrent use.
class PolicyAdminService final : public v1::PolicyAdmin::CallbackService {
 public:
  // All pointers are borrowed and must outlive the service. `in_flight`
  // bounds each client's queued validations and reloads; null for no limit.
  PolicyAdminService(PolicyHolder* policies, TaskQueue* control, absl::Time started_at,
                     CallLimiter* in_flight = nullptr);

  grpc::ServerUnaryReactor* GetPolicy(grpc::CallbackServerContext* context, const v1::GetPolicyRequest* request,
                                      v1::GetPolicyResponse* response) override;
  grpc::ServerUnaryReactor* Validate(grpc::CallbackServerContext* context, const v1::ValidateRequest* request,
                                     v1::ValidateResponse* response) override;
  grpc::ServerUnaryReactor* Reload(grpc::CallbackServerContext* context, const v1::ReloadRequest* request,
                                   v1::ReloadResponse* response) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context, const v1::StatusRequest* request,
                                   v1::StatusResponse* response) override;

 private:
  PolicyHolder* const policies_;
  TaskQueue* const control_;
  const absl::Time started_at_;
  CallLimiter* const in_flight_;
};

// Copies diagnostics into their wire form.
void ToProto(const std::vector<policy::Diagnostic>& diagnostics,
             google::protobuf::RepeatedPtrField<v1::PolicyDiagnostic>* out);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_ADMIN_SERVICE_H_

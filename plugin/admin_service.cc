#include "plugin/admin_service.h"

#include "absl/strings/match.h"
#include "plugin/status_util.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {

void ToProto(const std::vector<policy::Diagnostic>& diagnostics,
             google::protobuf::RepeatedPtrField<v1::PolicyDiagnostic>* out) {
  for (const policy::Diagnostic& d : diagnostics) {
    v1::PolicyDiagnostic* p = out->Add();
    p->set_file(d.file);
    p->set_line(d.line);
    p->set_column(d.column);
    p->set_field_path(d.field_path);
    p->set_message(d.message);
  }
}

PolicyAdminService::PolicyAdminService(PolicyHolder* policies, TaskQueue* control, absl::Time started_at,
                                       CallLimiter* in_flight)
    : policies_(policies), control_(control), started_at_(started_at), in_flight_(in_flight) {}

grpc::ServerUnaryReactor* PolicyAdminService::GetPolicy(grpc::CallbackServerContext* context,
                                                        const v1::GetPolicyRequest*, v1::GetPolicyResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const std::shared_ptr<const ActivePolicy> active = policies_->Active();
  if (active == nullptr) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "no policy is active"));
    return reactor;
  }
  response->set_policy_id(active->policy->policy().id());
  response->set_revision(active->revision);
  response->set_source_path(active->source_path);
  response->mutable_loaded_at()->set_seconds(absl::ToUnixSeconds(active->loaded_at));
  *response->mutable_policy() = active->policy->policy();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* PolicyAdminService::Validate(grpc::CallbackServerContext* context,
                                                       const v1::ValidateRequest* request,
                                                       v1::ValidateResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(in_flight_, *context);
  if (!ticket.ok()) {
    reactor->Finish(ToGrpcStatus(ticket.status()));
    return reactor;
  }
  control_->Post([request, response, reactor, ticket = *std::move(ticket)]() mutable {
    const std::string filename = request->filename().empty() ? "policy" : request->filename();
    const policy::FileFormat format = absl::StartsWith(request->format(), "text") ? policy::FileFormat::kTextProto
                                                                                  : policy::FileFormat::kYaml;
    const policy::LoadedPolicy loaded = policy::LoadPolicyText(request->text(), format, filename, "");
    response->set_valid(loaded.policy != nullptr);
    response->set_revision(loaded.revision);
    ToProto(loaded.diagnostics, response->mutable_diagnostics());
    for (const policy::TestCaseResult& t : loaded.tests) {
      v1::PolicyTestResult* r = response->add_tests();
      r->set_name(t.name);
      r->set_passed(t.passed);
      r->set_failure(t.failure);
    }
    ticket.Release();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* PolicyAdminService::Reload(grpc::CallbackServerContext* context, const v1::ReloadRequest*,
                                                     v1::ReloadResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(in_flight_, *context);
  if (!ticket.ok()) {
    reactor->Finish(ToGrpcStatus(ticket.status()));
    return reactor;
  }
  control_->Post([this, response, reactor, ticket = *std::move(ticket)]() mutable {
    const ReloadOutcome outcome = policies_->Reload(v1::POLICY_TRIGGER_RPC);
    response->set_activated(outcome.activated);
    response->set_revision(outcome.activated || outcome.unchanged ? outcome.revision : outcome.previous_revision);
    response->set_previous_revision(outcome.previous_revision);
    ToProto(outcome.loaded.diagnostics, response->mutable_diagnostics());
    for (const policy::TestCaseResult& t : outcome.loaded.tests) {
      if (t.passed) continue;
      v1::PolicyTestResult* r = response->add_failed_tests();
      r->set_name(t.name);
      r->set_failure(t.failure);
    }
    ticket.Release();
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

grpc::ServerUnaryReactor* PolicyAdminService::Status(grpc::CallbackServerContext* context, const v1::StatusRequest*,
                                                     v1::StatusResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  policies_->FillStatus(response);
  response->mutable_started_at()->set_seconds(absl::ToUnixSeconds(started_at_));
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace grens::plugin

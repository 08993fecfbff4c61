#include "tests/support/guard_testing.h"

#include "absl/time/time.h"
#include "grpcpp/client_context.h"
#include "gtest/gtest.h"
#include "tests/support/policy_testing.h"

namespace grens::testing {

std::string WriteNlPolicy(const TempDir& dir) {
  dir.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  return dir.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml"));
}

v1::MonitoringEvent PresenceEvent(const std::string& id, const std::string& when) {
  v1::MonitoringEvent e;
  e.set_id(id);
  e.set_platform("teams");
  e.set_collector("teams-presence");
  e.set_category(v1::CATEGORY_PRESENCE);
  e.set_purpose("colleague_availability");
  e.mutable_subject()->set_id("u-1001");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(At(when)));
  return e;
}

grpc::Status EvaluateEvent(v1::Guard::StubInterface& guard, const v1::MonitoringEvent& event,
                           v1::Decision* decision) {
  grpc::ClientContext context;
  v1::EvaluateRequest request;
  *request.mutable_event() = event;
  v1::EvaluateResponse response;
  grpc::Status status = guard.Evaluate(&context, request, &response);
  *decision = response.decision();
  return status;
}

v1::StatusResponse GetPolicyStatus(v1::PolicyAdmin::StubInterface& admin) {
  grpc::ClientContext context;
  v1::StatusResponse response;
  EXPECT_TRUE(admin.Status(&context, v1::StatusRequest(), &response).ok());
  return response;
}

v1::ReloadResponse ReloadPolicy(v1::PolicyAdmin::StubInterface& admin) {
  grpc::ClientContext context;
  v1::ReloadResponse response;
  EXPECT_TRUE(admin.Reload(&context, v1::ReloadRequest(), &response).ok());
  return response;
}

}  // namespace grens::testing

#ifndef GRENS_TESTS_SUPPORT_GUARD_TESTING_H_
#define GRENS_TESTS_SUPPORT_GUARD_TESTING_H_

// For end-to-end tests against a running grensd: the Dutch example agreement
// in a test directory, a presence event it judges, and the Guard and
// PolicyAdmin calls those tests make, one line each.

#include <string>

#include "grens/v1/event.pb.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "grpcpp/support/status.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {

// Copies the Dutch example agreement (policy/examples/nl-agreement.yaml) to
// dir/policy.yaml with its test suite beside it, which grensd runs before it
// activates the policy; returns the policy's path.
std::string WriteNlPolicy(const TempDir& dir);

// A Teams presence event `id` about u-1001, for colleague availability, that
// occurred at `when` (RFC 3339): the Dutch agreement allows it in working hours
// and denies it outside them.
v1::MonitoringEvent PresenceEvent(const std::string& id, const std::string& when);

// Guard.Evaluate of `event`: the call's status, and its decision (empty when
// the call failed) in `decision`.
grpc::Status EvaluateEvent(v1::Guard::StubInterface& guard, const v1::MonitoringEvent& event,
                           v1::Decision* decision);

// PolicyAdmin.Status and PolicyAdmin.Reload. A failed call fails the current
// test and returns an empty response.
v1::StatusResponse GetPolicyStatus(v1::PolicyAdmin::StubInterface& admin);
v1::ReloadResponse ReloadPolicy(v1::PolicyAdmin::StubInterface& admin);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_GUARD_TESTING_H_

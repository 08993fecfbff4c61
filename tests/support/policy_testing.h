#ifndef GRENS_TESTS_SUPPORT_POLICY_TESTING_H_
#define GRENS_TESTS_SUPPORT_POLICY_TESTING_H_

// Helpers for tests that compile small policies written inline.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/event.pb.h"
#include "policy/compiled_policy.h"
#include "policy/diagnostic.h"

namespace grens::testing {

// Parses YAML policy text (named "test.yaml" in diagnostics) and compiles it.
// Every problem found is appended to `diagnostics` when it is not null.
absl::StatusOr<std::unique_ptr<const policy::CompiledPolicy>> CompileYaml(
    const std::string& yaml, std::vector<policy::Diagnostic>* diagnostics = nullptr);

// The diagnostics of a policy that is expected not to compile.
std::vector<policy::Diagnostic> DiagnosticsFor(const std::string& yaml);

// An RFC 3339 time; aborts the test binary on a typo in the test itself.
absl::Time At(const std::string& rfc3339);

// A minimal event: category, collector, purpose and subject at `when`.
v1::MonitoringEvent Event(v1::Category category, const std::string& when,
                          const std::string& collector = "c", const std::string& purpose = "p");

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_POLICY_TESTING_H_

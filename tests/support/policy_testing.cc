#include "tests/support/policy_testing.h"

#include <cstdlib>

#include "policy/yaml_proto.h"

namespace grens::testing {

absl::StatusOr<std::unique_ptr<const policy::CompiledPolicy>> CompileYaml(
    const std::string& yaml, std::vector<policy::Diagnostic>* diagnostics) {
  std::vector<policy::Diagnostic> local;
  if (diagnostics == nullptr) diagnostics = &local;
  v1::Policy proto;
  policy::SourceMap positions;
  absl::Status parsed = policy::YamlToMessage(yaml, "test.yaml", &proto, diagnostics, &positions);
  if (!parsed.ok()) return parsed;
  return policy::CompiledPolicy::Compile(proto, "test-revision", &positions, "test.yaml", diagnostics);
}

std::vector<policy::Diagnostic> DiagnosticsFor(const std::string& yaml) {
  std::vector<policy::Diagnostic> diagnostics;
  (void)CompileYaml(yaml, &diagnostics);
  return diagnostics;
}

absl::Time At(const std::string& rfc3339) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, rfc3339, &t, &error)) std::abort();
  return t;
}

v1::MonitoringEvent Event(v1::Category category, const std::string& when, const std::string& collector,
                          const std::string& purpose) {
  v1::MonitoringEvent e;
  e.set_id("e");
  e.set_platform("teams");
  e.set_collector(collector);
  e.set_purpose(purpose);
  e.set_category(category);
  e.mutable_subject()->set_id("subject-1");
  const absl::Time t = At(when);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
  return e;
}

}  // namespace grens::testing

#ifndef GRENS_POLICY_POLICY_LOADER_H_
#define GRENS_POLICY_POLICY_LOADER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "policy/compiled_policy.h"
#include "policy/diagnostic.h"
#include "policy/yaml_proto.h"

namespace grens::policy {

struct TestCaseResult {
  std::string name;
  bool passed = false;
  // What differed ("effect: want DENY, got ALLOW"); empty when passed.
  std::string failure;
};

// The outcome of loading a policy file: the compiled policy when it parsed,
// validated and passed its own tests; otherwise the diagnostics and test results
// that explain the rejection. A plain value.
struct LoadedPolicy {
  // Null when the file was rejected.
  std::shared_ptr<const CompiledPolicy> policy;
  std::string source_path;
  // sha256 hex of the file's bytes, also when rejected.
  std::string revision;
  std::vector<Diagnostic> diagnostics;
  // Embedded tests and those of `test_files`, in order.
  std::vector<TestCaseResult> tests;

  // A one-paragraph, personal-data-free reason for a rejection (for the process
  // log and the decision log); empty when the policy was accepted.
  std::string RejectionSummary() const;
};

// Reads, parses (format by extension), validates, compiles and tests a policy
// file; `tests` runs the embedded cases and the files named in `test_files`
// (paths relative to the policy file). Never throws away diagnostics: every
// problem found is in the result. Reading the file is the only I/O.
LoadedPolicy LoadPolicyFile(const std::string& path);

// Same for policy text that is not (yet) a file, as PolicyAdmin.Validate gets it;
// `base_dir` resolves test_files ("" = none are read).
LoadedPolicy LoadPolicyText(absl::string_view text, FileFormat format, absl::string_view filename,
                            absl::string_view base_dir);

// Reads a TestSuite file (YAML or text proto by extension).
absl::StatusOr<v1::TestSuite> LoadTestSuite(const std::string& path,
                                            std::vector<Diagnostic>* diagnostics);

// Runs every case: evaluates the event at the case's frozen clock and compares
// effect, cited clauses and the expected obligations.
std::vector<TestCaseResult> RunTestCases(const CompiledPolicy& policy,
                                         const google::protobuf::RepeatedPtrField<v1::PolicyTestCase>& cases);

}  // namespace grens::policy

#endif  // GRENS_POLICY_POLICY_LOADER_H_

#ifndef GRENS_POLICY_DIAGNOSTIC_H_
#define GRENS_POLICY_DIAGNOSTIC_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace grens::policy {

// One problem found in a policy, test suite or config file: where it is (file,
// 1-based line and column when known, field path) and what is wrong. A plain
// value, so safe to copy and share.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  // "rules[3].match.categories[0]"; empty for file-level problems.
  std::string field_path;
  std::string message;

  // "file:line:col: field_path: message", leaving out the parts that are unknown.
  std::string ToString() const;
};

// InvalidArgument whose message lists every diagnostic, one per line; OK when
// `diagnostics` is empty.
absl::Status DiagnosticsToStatus(const std::vector<Diagnostic>& diagnostics);

}  // namespace grens::policy

#endif  // GRENS_POLICY_DIAGNOSTIC_H_

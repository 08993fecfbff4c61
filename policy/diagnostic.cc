#include "policy/diagnostic.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace grens::policy {

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) {
    absl::StrAppend(&out, ":", line);
    if (column > 0) absl::StrAppend(&out, ":", column);
  }
  if (!out.empty()) out += ": ";
  if (!field_path.empty()) absl::StrAppend(&out, field_path, ": ");
  out += message;
  return out;
}

absl::Status DiagnosticsToStatus(const std::vector<Diagnostic>& diagnostics) {
  if (diagnostics.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(
      diagnostics, "\n",
      [](std::string* out, const Diagnostic& d) { out->append(d.ToString()); }));
}

}  // namespace grens::policy

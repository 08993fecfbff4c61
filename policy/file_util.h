#ifndef GRENS_POLICY_FILE_UTIL_H_
#define GRENS_POLICY_FILE_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::policy {

// Reads a whole file; NotFound / PermissionDenied / Internal naming the path.
absl::StatusOr<std::string> ReadFileToString(const std::string& path);

// Lower-case hex SHA-256 of `bytes` (policy revisions).
std::string Sha256Hex(absl::string_view bytes);

// The directory part of `path` ("." when it has none): where a policy's
// relative includes (calendars, tests) are found.
std::string DirName(absl::string_view path);

}  // namespace grens::policy

#endif  // GRENS_POLICY_FILE_UTIL_H_

#ifndef GRENS_ADAPTERS_URL_ENCODING_H_
#define GRENS_ADAPTERS_URL_ENCODING_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::adapters {

// Decodes application/x-www-form-urlencoded text: a query string without '?'
// (Graph's validationToken) or a form body (Mattermost, Slack slash commands).
// Pairs come back in order, names and values unescaped ('+' is a space, %XX a
// byte). InvalidArgument naming the byte of a bad escape ("byte 12: '%4' is not
// a percent escape").
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseUrlEncoded(absl::string_view text);

// The first value of `name` in `pairs`, or nullopt.
std::optional<std::string> FindUrlEncoded(const std::vector<std::pair<std::string, std::string>>& pairs,
                                          absl::string_view name);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_URL_ENCODING_H_

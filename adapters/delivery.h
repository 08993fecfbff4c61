#ifndef GRENS_ADAPTERS_DELIVERY_H_
#define GRENS_ADAPTERS_DELIVERY_H_

// Helpers that several adapters need around one delivery (events are built
// with adapters/event_util.h): parsing the JSON body, the body's media type, percent-decoding, query parameters,
// form-encoded bodies and bearer tokens. Free functions without state, so safe to call from any thread.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/event_util.h"
#include "adapters/json.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/guard.pb.h"

namespace grens::adapters {

// Parses a JSON payload; InvalidArgument "<platform>: byte 17: ..." when it is
// not JSON (a truncated body names the byte where it ends).
absl::StatusOr<Json> ParsePayload(absl::string_view platform, absl::string_view payload);

// As ParsePayload, for a body that must be a JSON object, as every platform's
// webhook envelope is; InvalidArgument as FieldReader::Object names it
// ("<platform>: (payload): expected an object, found an array (byte 0)";
// "... (payload): missing" for a JSON null) when it is not one.
absl::StatusOr<Json> ParseObjectPayload(absl::string_view platform, absl::string_view payload);

// The delivery's media type, lower case and without parameters
// ("application/json"): the request's content_type, else its content-type
// header; "" when neither is given.
std::string MediaType(const v1::EvaluatePlatformEventRequest& request);

// What PercentDecode does besides decoding %XX escapes. Each caller keeps
// its own wording of errors, so a malformed escape is reported by position.
struct PercentDecoding {
  // '+' is a space, as in query strings and form bodies (never in a path).
  bool plus_is_space = false;
  // A '%' without two hex digits after it is kept as written instead of
  // failing the decode (lookups where the value only has to match).
  bool keep_malformed = false;
  // Bytes whose escapes stay escaped, in upper-case hex: a path's "%2F" must
  // not become a separator.
  absl::string_view keep_escaped;
};

// Decodes the %XX escapes of `text` as `how` says into `*out` (replacing what
// it held) and returns true. At a malformed escape that `how` does not keep,
// returns false with `*malformed_at` set to the escape's index in `text` and
// `*out` incomplete; `*malformed_at` is untouched on success. Decoded bytes are
// not checked for UTF-8. `out` rather than a returned optional, so that short
// strings are not copied once more on their way into the caller's result.
bool PercentDecode(absl::string_view text, const PercentDecoding& how, std::string* out, size_t* malformed_at);

// The percent-decoded value of parameter `name` in a query string
// ("a=1&access_token=x"), or nullopt when absent. A malformed escape is kept
// as written, so a token that uses one simply does not match.
std::optional<std::string> QueryParam(absl::string_view query, absl::string_view name);

// The name/value pairs of an application/x-www-form-urlencoded body, decoded
// ('+' is a space, %XX a byte), in body order. InvalidArgument naming the byte
// of a malformed escape ("byte 17: '%4' is not a percent escape").
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseForm(absl::string_view body);

// The credentials of an "Authorization: Bearer <token>" header value (scheme
// matched case-insensitively), or "" when the header uses another scheme.
absl::string_view BearerToken(absl::string_view authorization);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_DELIVERY_H_

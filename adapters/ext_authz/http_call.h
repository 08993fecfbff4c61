#ifndef GRENS_ADAPTERS_EXT_AUTHZ_HTTP_CALL_H_
#define GRENS_ADAPTERS_EXT_AUTHZ_HTTP_CALL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::adapters {

// Looks up request headers by lower-case name, whatever form the caller holds
// them in (Envoy's header map, raw headers, a test's table). Implementations
// are used by one thread at a time.
class HeaderLookup {
 public:
  virtual ~HeaderLookup() = default;
  // The header's value, or nullopt when the request has none.
  virtual std::optional<absl::string_view> Find(absl::string_view lower_name) const = 0;
};

// One HTTP call as a proxy saw it. Views only: the caller keeps the strings
// and `headers` alive while the call is used.
struct HttpCall {
  absl::string_view method;
  // Host or :authority, possibly with a port.
  absl::string_view host;
  // Path and query string, not decoded (as Envoy sends them).
  absl::string_view path;
  // May be null: no headers.
  const HeaderLookup* headers = nullptr;
};

// The path part of `path_and_query` in the form routes match: percent-escapes
// decoded, except %2F, %5C and %00, which stay escaped (in upper case) so that
// an encoded slash can never open a new path segment. InvalidArgument naming
// the byte for a path that does not start with '/', a bad escape, or a "." or
// ".." segment (Envoy's normalize_path removes those; grens refuses to guess).
absl::StatusOr<std::string> CanonicalPath(absl::string_view path_and_query);

// The decoded value of query parameter `name` in `path_and_query` ('+' is a
// space; keys are matched decoded too), or nullopt when there is none.
// InvalidArgument for a bad escape in the value, and for a parameter given
// more than once (servers disagree on which value counts).
absl::StatusOr<std::optional<std::string>> QueryParameter(absl::string_view path_and_query, absl::string_view name);

// `host` lower-cased, without port and trailing dot ("Graph.Microsoft.com:443"
// -> "graph.microsoft.com", "[::1]:8080" -> "[::1]").
std::string CanonicalHost(absl::string_view host);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_EXT_AUTHZ_HTTP_CALL_H_

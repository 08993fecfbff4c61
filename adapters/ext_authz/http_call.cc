#include "adapters/ext_authz/http_call.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "adapters/delivery.h"
#include "policy/status_macros.h"

namespace grens::adapters {
namespace {

// A path decodes no '+', and an escaped separator or NUL stays escaped so it
// can never open a new segment.
constexpr PercentDecoding kPathDecoding{/*plus_is_space=*/false, /*keep_malformed=*/false,
                                        absl::string_view("/\\\0", 3)};
constexpr PercentDecoding kQueryDecoding{/*plus_is_space=*/true, /*keep_malformed=*/false, absl::string_view()};
// A key only has to match: a malformed escape stays as written and matches nothing.
constexpr PercentDecoding kQueryKeyDecoding{/*plus_is_space=*/true, /*keep_malformed=*/true, absl::string_view()};

// Whether the (still encoded) key `raw` decodes to `name`; `scratch` holds the
// decoded key when it has escapes.
bool KeyIs(absl::string_view raw, absl::string_view name, std::string* scratch) {
  if (raw.find_first_of("%+") == absl::string_view::npos) return raw == name;
  size_t malformed_at = 0;
  PercentDecode(raw, kQueryKeyDecoding, scratch, &malformed_at);
  return *scratch == name;
}

absl::Status BadEscape(absl::string_view where, size_t byte) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": bad percent-escape at byte ", byte));
}

// Whether `path` (decoded) has a "." or ".." segment; sets `byte` to its start.
bool HasDotSegment(absl::string_view path, size_t* byte) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '/') continue;
    size_t end = path.find('/', i + 1);
    if (end == absl::string_view::npos) end = path.size();
    const absl::string_view segment = path.substr(i + 1, end - i - 1);
    if (segment == "." || segment == "..") {
      *byte = i + 1;
      return true;
    }
  }
  return false;
}

// A query value with '+' as space and escapes decoded; `offset` is its byte in
// the path, for errors.
absl::StatusOr<std::string> DecodeQueryValue(absl::string_view value, absl::string_view name, size_t offset) {
  std::string out;
  size_t malformed_at = 0;
  if (!PercentDecode(value, kQueryDecoding, &out, &malformed_at)) {
    return BadEscape(absl::StrCat("query parameter '", name, "'"), offset + malformed_at);
  }
  return out;
}

}  // namespace

absl::StatusOr<std::string> CanonicalPath(absl::string_view path_and_query) {
  const absl::string_view raw = path_and_query.substr(0, path_and_query.find('?'));
  if (raw.empty() || raw[0] != '/') {
    return absl::InvalidArgumentError("path: does not start with '/'");
  }
  std::string out;
  size_t malformed_at = 0;
  if (!PercentDecode(raw, kPathDecoding, &out, &malformed_at)) return BadEscape("path", malformed_at);
  size_t byte = 0;
  if (HasDotSegment(out, &byte)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "path: '.' or '..' segment at byte ", byte, "; let Envoy normalise paths (normalize_path: true)"));
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> QueryParameter(absl::string_view path_and_query, absl::string_view name) {
  const size_t question = path_and_query.find('?');
  std::optional<std::string> found;
  if (question == absl::string_view::npos) return found;
  std::string key;
  const absl::string_view query = path_and_query.substr(question + 1);
  for (size_t start = 0; start <= query.size();) {
    size_t end = query.find('&', start);
    if (end == absl::string_view::npos) end = query.size();
    const absl::string_view pair = query.substr(start, end - start);
    const size_t equals = pair.find('=');
    // Keys are compared decoded, as the server behind Envoy reads them: "user%5Fid"
    // is "user_id" there, and must not slip past a route that reads user_id.
    if (KeyIs(pair.substr(0, equals), name, &key)) {
      // Servers disagree on which of two values counts; a subject must be unambiguous.
      if (found.has_value()) {
        return absl::InvalidArgumentError(absl::StrCat("query parameter '", name, "': given more than once"));
      }
      const bool has_value = equals != absl::string_view::npos;
      GRENS_ASSIGN_OR_RETURN(found, DecodeQueryValue(has_value ? pair.substr(equals + 1) : absl::string_view(), name,
                                                     question + 1 + start + (has_value ? equals + 1 : 0)));
    }
    start = end + 1;
  }
  return found;
}

std::string CanonicalHost(absl::string_view host) {
  absl::string_view h = host;
  if (!h.empty() && h[0] == '[') {
    const size_t close = h.find(']');
    if (close != absl::string_view::npos) h = h.substr(0, close + 1);
  } else {
    h = h.substr(0, h.find(':'));
  }
  if (!h.empty() && h.back() == '.') h.remove_suffix(1);
  return absl::AsciiStrToLower(h);
}

}  // namespace grens::adapters

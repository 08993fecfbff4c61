#include "adapters/delivery.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/adapter.h"

namespace grens::adapters {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes one form or query component that starts at byte `offset` of the
// body. `strict`: a malformed escape is an error naming its byte; otherwise it
// is kept as written.
absl::StatusOr<std::string> Unescape(absl::string_view text, size_t offset, bool strict) {
  PercentDecoding how;
  how.plus_is_space = true;
  how.keep_malformed = !strict;
  std::string out;
  size_t malformed_at = 0;
  if (!PercentDecode(text, how, &out, &malformed_at)) {
    return absl::InvalidArgumentError(absl::StrCat("byte ", offset + malformed_at, ": '",
                                                   text.substr(malformed_at, 3), "' is not a percent escape"));
  }
  // A form field becomes event text, which must be UTF-8: raw bytes and
  // escapes such as %FF are refused, naming the byte (strict) or kept out of
  // the result (lenient lookups, where the value only has to match).
  const size_t valid = ValidUtf8Prefix(out);
  if (valid != out.size()) {
    if (!strict) return absl::InvalidArgumentError("not UTF-8");
    return absl::InvalidArgumentError(
        absl::StrCat("byte ", offset, ": the field is not UTF-8 once decoded (at its byte ", valid, ")"));
  }
  return out;
}

}  // namespace

bool PercentDecode(absl::string_view text, const PercentDecoding& how, std::string* out, size_t* malformed_at) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  // Decoding never lengthens the text (an escape that stays escaped keeps its
  // three bytes), so bytes go straight into a buffer as long as the input,
  // cut to size at the end, instead of one push_back each.
  out->resize(text.size());
  char* const dst = out->data();
  size_t n = 0;
  // Read once: a byte stored through `dst` might alias `how` as far as the
  // compiler knows, which would reload it for every byte.
  const bool plus_is_space = how.plus_is_space;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      dst[n++] = ' ';
      continue;
    }
    if (c != '%') {
      dst[n++] = c;
      continue;
    }
    const int high = i + 1 < text.size() ? HexDigit(text[i + 1]) : -1;
    const int low = i + 2 < text.size() ? HexDigit(text[i + 2]) : -1;
    if (high < 0 || low < 0) {
      if (!how.keep_malformed) {
        *malformed_at = i;
        out->resize(n);
        return false;
      }
      dst[n++] = c;
      continue;
    }
    const char byte = static_cast<char>(high * 16 + low);
    if (how.keep_escaped.find(byte) == absl::string_view::npos) {
      dst[n++] = byte;
    } else {
      dst[n++] = '%';
      dst[n++] = kUpperHex[high];
      dst[n++] = kUpperHex[low];
    }
    i += 2;
  }
  out->resize(n);
  return true;
}

absl::StatusOr<Json> ParsePayload(absl::string_view platform, absl::string_view payload) {
  absl::StatusOr<Json> json = ParseJson(payload);
  if (!json.ok()) return absl::InvalidArgumentError(absl::StrCat(platform, ": ", json.status().message()));
  return json;
}

absl::StatusOr<Json> ParseObjectPayload(absl::string_view platform, absl::string_view payload) {
  absl::StatusOr<Json> json = ParsePayload(platform, payload);
  if (!json.ok()) return json;
  const absl::Status object = FieldReader(platform, &*json).Object("").status();
  if (!object.ok()) return object;
  return json;
}

std::string MediaType(const v1::EvaluatePlatformEventRequest& request) {
  absl::string_view type = request.content_type();
  if (type.empty()) type = HeaderValue(request, "content-type");
  type = type.substr(0, type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(type));
}

std::optional<std::string> QueryParam(absl::string_view query, absl::string_view name) {
  for (absl::string_view pair : absl::StrSplit(query, '&')) {
    const size_t eq = pair.find('=');
    absl::StatusOr<std::string> key = Unescape(pair.substr(0, eq), 0, false);
    if (!key.ok() || *key != name) continue;
    if (eq == absl::string_view::npos) return std::string();
    absl::StatusOr<std::string> value = Unescape(pair.substr(eq + 1), 0, false);
    if (value.ok()) return *value;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseForm(absl::string_view body) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t offset = 0;
  for (absl::string_view pair : absl::StrSplit(body, '&')) {
    const size_t start = offset;
    offset += pair.size() + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    absl::StatusOr<std::string> key = Unescape(pair.substr(0, eq), start, true);
    if (!key.ok()) return key.status();
    std::string value;
    if (eq != absl::string_view::npos) {
      absl::StatusOr<std::string> v = Unescape(pair.substr(eq + 1), start + eq + 1, true);
      if (!v.ok()) return v.status();
      value = *std::move(v);
    }
    out.emplace_back(*std::move(key), std::move(value));
  }
  return out;
}

absl::string_view BearerToken(absl::string_view authorization) {
  authorization = absl::StripAsciiWhitespace(authorization);
  if (authorization.size() < 7 || !absl::StartsWithIgnoreCase(authorization, "bearer ")) return "";
  return absl::StripLeadingAsciiWhitespace(authorization.substr(7));
}

}  // namespace grens::adapters

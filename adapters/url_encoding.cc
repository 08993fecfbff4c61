#include "adapters/url_encoding.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace grens::adapters {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Unescapes one name or value starting at byte `offset` of the whole text.
absl::StatusOr<std::string> Unescape(absl::string_view part, size_t offset) {
  std::string out;
  out.reserve(part.size());
  for (size_t i = 0; i < part.size(); ++i) {
    const char c = part[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int hi = i + 1 < part.size() ? HexDigit(part[i + 1]) : -1;
      const int lo = i + 2 < part.size() ? HexDigit(part[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(absl::StrCat("byte ", offset + i, ": '", part.substr(i, 3),
                                                       "' is not a percent escape"));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseUrlEncoded(absl::string_view text) {
  std::vector<std::pair<std::string, std::string>> pairs;
  size_t offset = 0;
  for (absl::string_view pair : absl::StrSplit(text, '&')) {
    const size_t start = offset;
    offset += pair.size() + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    absl::StatusOr<std::string> name = Unescape(pair.substr(0, eq), start);
    if (!name.ok()) return name.status();
    std::string value;
    if (eq != absl::string_view::npos) {
      absl::StatusOr<std::string> v = Unescape(pair.substr(eq + 1), start + eq + 1);
      if (!v.ok()) return v.status();
      value = std::move(*v);
    }
    pairs.emplace_back(std::move(*name), std::move(value));
  }
  return pairs;
}

std::optional<std::string> FindUrlEncoded(const std::vector<std::pair<std::string, std::string>>& pairs,
                                          absl::string_view name) {
  for (const auto& [n, v] : pairs) {
    if (n == name) return v;
  }
  return std::nullopt;
}

}  // namespace grens::adapters

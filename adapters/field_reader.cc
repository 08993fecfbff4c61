#include "adapters/field_reader.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace grens::adapters {
namespace {

// Event times outside this range are unit mistakes, not events.
const absl::Time kEarliest = absl::FromCivil(absl::CivilSecond(2000, 1, 1), absl::UTCTimeZone());
const absl::Time kLatest = absl::FromCivil(absl::CivilSecond(2100, 1, 1), absl::UTCTimeZone());

absl::StatusOr<absl::Time> InRange(absl::Time t, absl::string_view text, absl::string_view unit) {
  if (t < kEarliest || t >= kLatest) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a time between 2000 and 2100 in ", unit));
  }
  return t;
}

// "1773133200" or "1773133200.000200" (Slack's ts): seconds with up to
// nanosecond digits, kept exact rather than through a double.
absl::StatusOr<absl::Time> ParseSecondsText(absl::string_view text) {
  const size_t dot = text.find('.');
  int64_t seconds = 0;
  if (!absl::SimpleAtoi(text.substr(0, dot), &seconds)) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not unix seconds"));
  }
  int64_t nanos = 0;
  if (dot != absl::string_view::npos) {
    absl::string_view frac = text.substr(dot + 1);
    if (frac.empty() || frac.size() > 9 || !absl::SimpleAtoi(frac, &nanos) || frac[0] == '-' || frac[0] == '+') {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not unix seconds"));
    }
    for (size_t i = frac.size(); i < 9; ++i) nanos *= 10;
  }
  return InRange(absl::FromUnixSeconds(seconds) + absl::Nanoseconds(nanos), text, "unix seconds");
}

}  // namespace

absl::StatusOr<absl::Time> ParseEventTime(absl::string_view text, TimeFormat format) {
  switch (format) {
    case TimeFormat::kRfc3339: {
      absl::Time t;
      std::string error;
      if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &t, &error)) {
        return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not an RFC 3339 time"));
      }
      return InRange(t, text, "RFC 3339");
    }
    case TimeFormat::kUnixSeconds:
      return ParseSecondsText(text);
    case TimeFormat::kUnixMillis: {
      int64_t millis = 0;
      if (!absl::SimpleAtoi(text, &millis)) {
        return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not unix milliseconds"));
      }
      return InRange(absl::FromUnixMillis(millis), text, "unix milliseconds");
    }
  }
  return absl::InvalidArgumentError("unknown time format");
}

FieldReader::FieldReader(absl::string_view platform, const Json* root, std::string prefix)
    : platform_(platform), root_(root), prefix_(std::move(prefix)) {}

std::string FieldReader::PathOf(absl::string_view path) const {
  if (prefix_.empty()) return path.empty() ? "(payload)" : std::string(path);
  if (path.empty()) return prefix_;
  return absl::StrCat(prefix_, ".", path);
}

absl::Status FieldReader::Error(absl::string_view path, absl::string_view problem) const {
  return absl::InvalidArgumentError(absl::StrCat(platform_, ": ", PathOf(path), ": ", problem));
}

const Json* FieldReader::Find(absl::string_view path) const {
  const Json* node = path.empty() ? root_ : root_->At(path);
  return node == nullptr || node->is_null() ? nullptr : node;
}

absl::StatusOr<const Json*> FieldReader::Typed(absl::string_view path, Json::Type type) const {
  const Json* node = Find(path);
  if (node == nullptr) return Error(path, "missing");
  if (node->type() != type) {
    return Error(path, absl::StrCat("expected ", Json::TypeName(type), ", found ", Json::TypeName(node->type()),
                                    " (byte ", node->offset(), ")"));
  }
  return node;
}

absl::StatusOr<const Json*> FieldReader::Object(absl::string_view path) const { return Typed(path, Json::Type::kObject); }

absl::StatusOr<const Json*> FieldReader::Array(absl::string_view path) const { return Typed(path, Json::Type::kArray); }

absl::StatusOr<std::string> FieldReader::String(absl::string_view path) const {
  absl::StatusOr<const Json*> node = Typed(path, Json::Type::kString);
  if (!node.ok()) return node.status();
  if ((*node)->text().empty()) return Error(path, "empty");
  return (*node)->text();
}

absl::StatusOr<std::string> FieldReader::OptionalString(absl::string_view path, absl::string_view fallback) const {
  const Json* node = Find(path);
  if (node == nullptr) return std::string(fallback);
  if (!node->is_string()) {
    return Error(path, absl::StrCat("expected a string, found ", Json::TypeName(node->type()), " (byte ",
                                    node->offset(), ")"));
  }
  return node->text();
}

absl::StatusOr<int64_t> FieldReader::Int64(absl::string_view path) const {
  const Json* node = Find(path);
  if (node == nullptr) return Error(path, "missing");
  std::optional<int64_t> value = node->AsInt64();
  if (!value.has_value()) {
    return Error(path, absl::StrCat("expected an integer, found ", Json::TypeName(node->type()), " '", node->text(),
                                    "' (byte ", node->offset(), ")"));
  }
  return *value;
}

absl::StatusOr<int64_t> FieldReader::OptionalInt64(absl::string_view path, int64_t fallback) const {
  if (Find(path) == nullptr) return fallback;
  return Int64(path);
}

absl::StatusOr<bool> FieldReader::OptionalBool(absl::string_view path, bool fallback) const {
  if (Find(path) == nullptr) return fallback;
  return Bool(path);
}

absl::StatusOr<bool> FieldReader::Bool(absl::string_view path) const {
  absl::StatusOr<const Json*> node = Typed(path, Json::Type::kBool);
  if (!node.ok()) return node.status();
  return (*node)->boolean();
}

absl::StatusOr<absl::Time> FieldReader::Time(absl::string_view path, TimeFormat format) const {
  const Json* node = Find(path);
  if (node == nullptr) return Error(path, "missing");
  if (!node->is_string() && !node->is_number()) {
    return Error(path, absl::StrCat("expected a time, found ", Json::TypeName(node->type()), " (byte ",
                                    node->offset(), ")"));
  }
  absl::StatusOr<absl::Time> t = ParseEventTime(node->text(), format);
  if (!t.ok()) return Error(path, absl::StrCat(t.status().message(), " (byte ", node->offset(), ")"));
  return t;
}

absl::StatusOr<FieldReader> FieldReader::Sub(absl::string_view path) const {
  const Json* node = Find(path);
  if (node == nullptr) return Error(path, "missing");
  if (!node->is_object() && !node->is_array()) {
    return Error(path, absl::StrCat("expected an object, found ", Json::TypeName(node->type()), " (byte ",
                                    node->offset(), ")"));
  }
  return FieldReader(platform_, node, PathOf(path));
}

FieldReader FieldReader::Item(absl::string_view array_path, size_t i) const {
  const Json* array = Find(array_path);
  static const Json* const kNull = new Json();
  const Json* item = array != nullptr && i < array->items().size() ? &array->items()[i] : kNull;
  std::string path = array_path.empty() ? prefix_ : PathOf(array_path);
  return FieldReader(platform_, item, absl::StrCat(path, "[", i, "]"));
}

}  // namespace grens::adapters

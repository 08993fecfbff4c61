#ifndef GRENS_ADAPTERS_JSON_H_
#define GRENS_ADAPTERS_JSON_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::adapters {

// A parsed JSON document: an immutable tree of values that remembers where in
// the payload each value started, so that a translation error can name the byte.
// Written for webhook payloads (RFC 8259, UTF-8): numbers keep their literal
// text, so 64-bit ids and millisecond times survive exactly, which a double
// would not promise. Immutable after parsing, so safe to share between threads.
class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool is_bool() const { return type_ == Type::kBool; }
  bool is_number() const { return type_ == Type::kNumber; }
  bool is_string() const { return type_ == Type::kString; }
  bool is_array() const { return type_ == Type::kArray; }
  bool is_object() const { return type_ == Type::kObject; }

  // A string's unescaped text, or a number's literal as written ("1.5e3").
  // Empty for other types.
  const std::string& text() const { return text_; }
  bool boolean() const { return bool_; }
  // An array's items; empty for other types.
  const std::vector<Json>& items() const { return values_; }
  // An object's keys and values, in document order (values_[i] belongs to keys_[i]).
  const std::vector<std::string>& keys() const { return keys_; }
  const std::vector<Json>& values() const { return values_; }

  // The member named `key` (the first, if a payload repeats it), or null when
  // this is not an object or has no such member. Linear: webhook objects are small.
  const Json* Find(absl::string_view key) const;

  // Follows a dotted path of member names ("payload.object.participant");
  // null as soon as one step is missing. Keys that contain dots cannot be
  // reached this way: use Find.
  const Json* At(absl::string_view path) const;

  // A number whose literal is an integer in range, or a string holding one
  // ("1712345678901"); nullopt otherwise.
  std::optional<int64_t> AsInt64() const;
  // A number, or a string holding one; nullopt otherwise.
  std::optional<double> AsDouble() const;

  // Byte offset of the value's first character in the parsed text.
  size_t offset() const { return offset_; }

  // "a string", "a number", ... for error messages.
  static absl::string_view TypeName(Type type);

 private:
  friend class JsonParser;

  Type type_ = Type::kNull;
  bool bool_ = false;
  size_t offset_ = 0;
  std::string text_;
  std::vector<std::string> keys_;
  std::vector<Json> values_;
};

// Length of the longest prefix of `text` that is valid UTF-8 (overlong forms,
// surrogates and code points above U+10FFFF are invalid): text.size() when
// all of it is. Protobuf string fields must hold valid UTF-8, so every text an
// adapter takes from a payload passes this check before it reaches an event.
size_t ValidUtf8Prefix(absl::string_view text);

// Parses `text` as one JSON value with nothing but whitespace after it.
// InvalidArgument naming the byte offset and what was expected there
// ("byte 17: expected ':' after an object key"); nesting deeper than
// `max_depth` is refused the same way, so a hostile payload cannot exhaust the
// stack.
absl::StatusOr<Json> ParseJson(absl::string_view text, int max_depth = 64);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_JSON_H_

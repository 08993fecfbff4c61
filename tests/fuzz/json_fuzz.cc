// The adapters' JSON reader (adapters/json.h) and the field reader over what it
// parsed (adapters/field_reader.h): every value is read back through every
// typed accessor and every time format, as adapters do with webhook payloads.
// Properties checked besides "no crash": offsets lie inside the input, strings
// and keys are valid UTF-8 (they end up in protobuf strings), and nesting never
// exceeds the depth bound. Seeds: the JSON test cases and adapter payloads.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "adapters/field_reader.h"
#include "adapters/json.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::adapters::FieldReader;
using grens::adapters::Json;
using grens::adapters::TimeFormat;
using grens::fuzzing::Check;

constexpr int kMaxDepth = 16;
constexpr int kMaxVisits = 2000;  // bounds the work of one input, not the parser

void ReadAllWays(const FieldReader& reader, const std::string& path) {
  (void)reader.Find(path);
  (void)reader.Object(path);
  (void)reader.Array(path);
  (void)reader.String(path);
  (void)reader.Int64(path);
  (void)reader.Bool(path);
  (void)reader.OptionalString(path, "fallback");
  (void)reader.OptionalInt64(path, 7);
  for (TimeFormat format : {TimeFormat::kRfc3339, TimeFormat::kUnixSeconds, TimeFormat::kUnixMillis}) {
    (void)reader.Time(path, format);
  }
  (void)reader.Error(path, "problem");
}

// Visits `node` (at dotted `path` below the reader's root) and its children.
void Visit(const Json& node, const FieldReader& reader, const std::string& path, size_t size, int depth,
           int* visits) {
  if (++*visits > kMaxVisits) return;
  Check(depth <= kMaxDepth, "nesting deeper than the bound was accepted");
  Check(node.offset() < size, "a value's offset lies outside the input");
  if (node.is_string()) Check(grens::fuzzing::IsValidUtf8(node.text()), "a string is not valid UTF-8");
  (void)node.AsInt64();
  (void)node.AsDouble();
  ReadAllWays(reader, path);
  if (node.is_object()) {
    Check(node.keys().size() == node.values().size(), "an object with keys and values out of step");
    for (size_t i = 0; i < node.keys().size(); ++i) {
      const std::string& key = node.keys()[i];
      Check(grens::fuzzing::IsValidUtf8(key), "a key is not valid UTF-8");
      Check(node.Find(key) != nullptr, "a key that Find does not find");
      const std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
      Visit(node.values()[i], reader, child, size, depth + 1, visits);
    }
  } else if (node.is_array()) {
    for (size_t i = 0; i < node.items().size(); ++i) {
      const FieldReader item = reader.Item(path, i);
      Visit(node.items()[i], item, "", size, depth + 1, visits);
    }
    (void)reader.Item(path, node.items().size());  // one past the end: a null item
  }
  if (node.is_object() || node.is_array()) {
    absl::StatusOr<FieldReader> sub = reader.Sub(path);
    if (sub.ok()) ReadAllWays(*sub, "");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = grens::fuzzing::AsText(data, size);
  absl::StatusOr<Json> json = grens::adapters::ParseJson(text, kMaxDepth);
  if (!json.ok()) {
    Check(json.status().code() == absl::StatusCode::kInvalidArgument, "a JSON error that is not InvalidArgument");
    return 0;
  }
  const FieldReader reader("fuzz", &*json);
  int visits = 0;
  Visit(*json, reader, "", size, 0, &visits);
  // Times as adapters read them from header values and form fields.
  for (TimeFormat format : {TimeFormat::kRfc3339, TimeFormat::kUnixSeconds, TimeFormat::kUnixMillis}) {
    (void)grens::adapters::ParseEventTime(text.substr(0, 64), format);
  }
  return 0;
}

#ifndef GRENS_ADAPTERS_FIELD_READER_H_
#define GRENS_ADAPTERS_FIELD_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "adapters/json.h"

namespace grens::adapters {

// How a platform writes an event time (domain.md section 1.9).
enum class TimeFormat {
  kRfc3339,      // "2026-03-10T09:00:00Z", "2026-03-10T10:00:00.123+01:00"
  kUnixSeconds,  // 1773133200, "1773133200", or Slack's "1773133200.000200"
  kUnixMillis,   // 1773133200000 (Zoom event_ts, Matrix origin_server_ts, Mattermost JSON)
};

// Reads the fields of one platform payload and names the platform and the
// field's path in every error, so the admin of a webhook relay sees
// "zoom: payload.object.participant.user_id: missing" rather than a generic
// parse failure. A reader can be re-rooted at an array item or sub-object
// (Item, Sub) and keeps the full path in its errors.
// Borrows the tree it reads: `root` must outlive the reader. Immutable, so
// safe to share.
class FieldReader {
 public:
  // `platform` prefixes errors; `prefix` is the path of `root` inside the
  // payload ("" for the document itself).
  FieldReader(absl::string_view platform, const Json* root, std::string prefix = "");

  // The value at a dotted path below the root, or null when it is absent or
  // JSON null ("" names the root itself).
  const Json* Find(absl::string_view path) const;

  // Required values: InvalidArgument "platform: path: missing" or
  // "platform: path: expected a string, found a number (byte 42)".
  absl::StatusOr<const Json*> Object(absl::string_view path) const;
  absl::StatusOr<const Json*> Array(absl::string_view path) const;
  // A non-empty string.
  absl::StatusOr<std::string> String(absl::string_view path) const;
  // A number, or a string that holds an integer.
  absl::StatusOr<int64_t> Int64(absl::string_view path) const;
  absl::StatusOr<bool> Bool(absl::string_view path) const;

  // Optional values: the fallback when absent or null, an error only when the
  // value is there but has the wrong type.
  absl::StatusOr<std::string> OptionalString(absl::string_view path, absl::string_view fallback = "") const;
  absl::StatusOr<int64_t> OptionalInt64(absl::string_view path, int64_t fallback) const;
  absl::StatusOr<bool> OptionalBool(absl::string_view path, bool fallback) const;

  // An event time in `format`. Times before 2000 or after 2100 are refused,
  // which catches seconds sent where milliseconds belong and vice versa.
  absl::StatusOr<absl::Time> Time(absl::string_view path, TimeFormat format) const;

  // A reader rooted at the object or array at `path` (which must exist).
  absl::StatusOr<FieldReader> Sub(absl::string_view path) const;
  // A reader rooted at item `i` of the array at `array_path` ("value[3]").
  FieldReader Item(absl::string_view array_path, size_t i) const;

  // "platform: <full path>: <problem>" as InvalidArgument.
  absl::Status Error(absl::string_view path, absl::string_view problem) const;
  // Full path of `path` below the root, for messages.
  std::string PathOf(absl::string_view path) const;

  const Json& root() const { return *root_; }

 private:
  absl::StatusOr<const Json*> Typed(absl::string_view path, Json::Type type) const;

  std::string platform_;
  const Json* root_;
  std::string prefix_;
};

// Parses an event time given as text in `format` (see TimeFormat); the same
// range check as FieldReader::Time. InvalidArgument without a field name: the
// caller adds it.
absl::StatusOr<absl::Time> ParseEventTime(absl::string_view text, TimeFormat format);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_FIELD_READER_H_

#ifndef GRENS_ADAPTERS_EVENT_UTIL_H_
#define GRENS_ADAPTERS_EVENT_UTIL_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "adapters/field_reader.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters {

// Small building blocks shared by the platform adapters: starting an event,
// attributes and content that skip empty values, and the "first identifier
// the payload has" lookups that platforms with several optional id fields need.

// An event of `platform` and `category` about `subject_id` at `occurred_at`
// (an instant, stored as UTC). `receipt_time` marks an occurred_at that is the
// receipt time because the payload had no event time.
v1::MonitoringEvent NewEvent(absl::string_view platform, v1::Category category, absl::string_view subject_id,
                             absl::Time occurred_at, bool receipt_time = false);

// Sets `event`'s occurred_at (and the receipt-time flag) as NewEvent does.
void SetOccurredAt(absl::Time occurred_at, bool receipt_time, v1::MonitoringEvent* event);

// The same for a payload without an event time: occurred_at is `received_at`
// and occurred_at_is_receipt_time is set.
v1::MonitoringEvent NewEventAtReceipt(absl::string_view platform, v1::Category category, absl::string_view subject_id,
                                      absl::Time received_at);

// Sets attribute `key` unless `value` is empty (absent facts stay absent).
void SetAttribute(absl::string_view key, absl::string_view value, v1::MonitoringEvent* event);

// Adds a content field (message text, status text: what redaction applies to)
// unless `text` is empty.
void AddContent(absl::string_view name, absl::string_view text, v1::MonitoringEvent* event);

// A string or number at `path` as text (ids that platforms send either way,
// such as Zoom's meeting id); "" when absent or null. InvalidArgument naming the
// field when it is an object, array or boolean.
absl::StatusOr<std::string> OptionalScalar(const FieldReader& reader, absl::string_view path);

// The time at `path` in `format`, or nullopt when absent or null; errors as
// FieldReader::Time for a value that is there but is not a time.
absl::StatusOr<std::optional<absl::Time>> OptionalTime(const FieldReader& reader, absl::string_view path,
                                                       TimeFormat format);

// When an event occurred, and whether that is only when grensd received it
// (the payload had no time): what NewEvent's last two arguments take.
struct EventTime {
  absl::Time at;
  bool receipt = false;  // `at` is the receipt time
};

// The time at `path` in `format`; `received_at`, marked as the receipt time,
// when `path` is absent or null. Errors as FieldReader::Time for a value that
// is there but is not a time.
absl::StatusOr<EventTime> TimeOrReceipt(const FieldReader& reader, absl::string_view path, TimeFormat format,
                                        absl::Time received_at);

// One identifier found in a payload and where.
struct FoundId {
  std::string path;   // relative to the reader's root ("participant_user_id")
  std::string value;
};

// The first of `paths` that holds a non-empty string or a number, in the order
// given (most stable identifier first); nullopt when none does. InvalidArgument
// when one of them holds an object, array or boolean.
absl::StatusOr<std::optional<FoundId>> FirstId(const FieldReader& reader, absl::Span<const absl::string_view> paths);

// As FirstId, but InvalidArgument "platform: <root>: no <what> (none of a, b, c
// is set)" when none is: the payload names nobody the policy could judge.
absl::StatusOr<FoundId> RequireFirstId(const FieldReader& reader, absl::Span<const absl::string_view> paths,
                                       absl::string_view what);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_EVENT_UTIL_H_

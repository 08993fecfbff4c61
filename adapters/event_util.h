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

// One place an event time may be, for TimeOrReceipt: the first of `paths`
// below `reader` that holds a time in `format`, or a time read before (an
// envelope's), which may be absent. Borrows `reader` and `paths`: build
// candidates in TimeOrReceipt's argument list, where they outlive the call.
// Immutable, so safe to share.
class TimeCandidate {
 public:
  // Implicit, so that an envelope's optional time stands in a candidate list as it is.
  TimeCandidate(std::optional<absl::Time> time) : time_(time) {}
  TimeCandidate(const FieldReader& reader, absl::Span<const absl::string_view> paths, TimeFormat format)
      : reader_(&reader), paths_(paths), format_(format) {}

 private:
  friend absl::StatusOr<EventTime> TimeOrReceipt(absl::Span<const TimeCandidate> candidates,
                                                 absl::Time received_at);

  std::optional<absl::Time> time_;
  const FieldReader* reader_ = nullptr;  // null: the candidate is time_
  absl::Span<const absl::string_view> paths_;
  TimeFormat format_ = TimeFormat::kRfc3339;
};

// The first of `candidates` that holds a time, in the order given (the
// payload's own time before the envelope's); `received_at`, marked as the
// receipt time, when none does. A field is read only when every candidate
// before it is absent, so a bad value behind a time that was found is no
// error. Errors as FieldReader::Time for a field that is read and is there
// but is not a time.
absl::StatusOr<EventTime> TimeOrReceipt(absl::Span<const TimeCandidate> candidates, absl::Time received_at);

// The one-field form: the time at `path` in `format`, else `received_at`
// (flagged); errors as above.
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

#include "adapters/event_util.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace grens::adapters {

v1::MonitoringEvent NewEvent(absl::string_view platform, v1::Category category, absl::string_view subject_id,
                             absl::Time occurred_at, bool receipt_time) {
  v1::MonitoringEvent event;
  event.set_platform(std::string(platform));
  event.set_category(category);
  event.mutable_subject()->set_id(std::string(subject_id));
  SetOccurredAt(occurred_at, receipt_time, &event);
  return event;
}

void SetOccurredAt(absl::Time occurred_at, bool receipt_time, v1::MonitoringEvent* event) {
  const int64_t seconds = absl::ToUnixSeconds(occurred_at);  // floors, so nanos are never negative
  event->mutable_occurred_at()->set_seconds(seconds);
  event->mutable_occurred_at()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(occurred_at - absl::FromUnixSeconds(seconds))));
  event->set_occurred_at_is_receipt_time(receipt_time);
}

void SetAttribute(absl::string_view key, absl::string_view value, v1::MonitoringEvent* event) {
  if (!value.empty()) (*event->mutable_attributes())[std::string(key)] = std::string(value);
}

void AddContent(absl::string_view name, absl::string_view text, v1::MonitoringEvent* event) {
  if (text.empty()) return;
  v1::ContentField* field = event->add_content();
  field->set_name(std::string(name));
  field->set_text(std::string(text));
}

absl::StatusOr<std::string> OptionalScalar(const FieldReader& reader, absl::string_view path) {
  const Json* node = reader.Find(path);
  if (node == nullptr) return std::string();
  if (!node->is_string() && !node->is_number()) {
    return reader.Error(path, absl::StrCat("expected a string or a number, found ", Json::TypeName(node->type()),
                                           " (byte ", node->offset(), ")"));
  }
  return node->text();
}

absl::StatusOr<std::optional<absl::Time>> OptionalTime(const FieldReader& reader, absl::string_view path,
                                                       TimeFormat format) {
  if (reader.Find(path) == nullptr) return std::optional<absl::Time>();
  absl::StatusOr<absl::Time> t = reader.Time(path, format);
  if (!t.ok()) return t.status();
  return std::optional<absl::Time>(*t);
}

absl::StatusOr<EventTime> TimeOrReceipt(absl::Span<const TimeCandidate> candidates, absl::Time received_at) {
  for (const TimeCandidate& candidate : candidates) {
    if (candidate.reader_ == nullptr) {
      if (candidate.time_.has_value()) return EventTime{*candidate.time_, false};
      continue;
    }
    for (absl::string_view path : candidate.paths_) {
      absl::StatusOr<std::optional<absl::Time>> at = OptionalTime(*candidate.reader_, path, candidate.format_);
      if (!at.ok()) return at.status();
      if (at->has_value()) return EventTime{**at, false};
    }
  }
  return EventTime{received_at, true};
}

absl::StatusOr<EventTime> TimeOrReceipt(const FieldReader& reader, absl::string_view path, TimeFormat format,
                                        absl::Time received_at) {
  return TimeOrReceipt({{reader, {path}, format}}, received_at);
}

absl::StatusOr<std::optional<FoundId>> FirstId(const FieldReader& reader,
                                               absl::Span<const absl::string_view> paths) {
  for (absl::string_view path : paths) {
    absl::StatusOr<std::string> value = OptionalScalar(reader, path);
    if (!value.ok()) return value.status();
    if (!value->empty()) return std::optional<FoundId>(FoundId{std::string(path), std::move(*value)});
  }
  return std::optional<FoundId>();
}

absl::StatusOr<FoundId> RequireFirstId(const FieldReader& reader, absl::Span<const absl::string_view> paths,
                                       absl::string_view what) {
  absl::StatusOr<std::optional<FoundId>> found = FirstId(reader, paths);
  if (!found.ok()) return found.status();
  if (found->has_value()) return **found;
  return reader.Error("", absl::StrCat("no ", what, " (none of ", absl::StrJoin(paths, ", "), " is set)"));
}

}  // namespace grens::adapters

#ifndef GRENS_POLICY_DURATIONS_H_
#define GRENS_POLICY_DURATIONS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace grens::policy {

// Parses an agreement duration: a non-negative whole number and a unit, "0s",
// "45s", "90m", "12h", "30d", "26w" (also combinations like "1d12h").
// InvalidArgument naming the text otherwise (negative values included).
absl::StatusOr<absl::Duration> ParseAgreementDuration(absl::string_view text);

// The inverse for display: the largest unit that divides exactly ("30d", "90m").
std::string FormatAgreementDuration(absl::Duration duration);

// Parses "HH:MM" (00:00 to 24:00) into minutes since midnight.
absl::StatusOr<int> ParseTimeOfDay(absl::string_view text);

// Parses "YYYY-MM-DD" into a civil day.
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

}  // namespace grens::policy

#endif  // GRENS_POLICY_DURATIONS_H_

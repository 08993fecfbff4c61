#include "policy/durations.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace grens::policy {
namespace {

// Seconds per unit letter of an agreement duration, or 0 for an unknown letter.
int64_t UnitSeconds(char unit) {
  switch (unit) {
    case 'w': return 7 * 86400;
    case 'd': return 86400;
    case 'h': return 3600;
    case 'm': return 60;
    case 's': return 1;
    default: return 0;
  }
}

// Parses exactly two decimal digits at text[pos]; -1 if they are not digits.
int TwoDigits(absl::string_view text, size_t pos) {
  if (pos + 2 > text.size() || !absl::ascii_isdigit(text[pos]) ||
      !absl::ascii_isdigit(text[pos + 1])) {
    return -1;
  }
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

}  // namespace

absl::StatusOr<absl::Duration> ParseAgreementDuration(absl::string_view text) {
  const std::string quoted = absl::StrCat("'", text, "'");
  if (text.empty()) return absl::InvalidArgumentError("empty duration (write e.g. \"30d\")");
  if (text[0] == '-') return absl::InvalidArgumentError(absl::StrCat("negative duration ", quoted));
  // Cap well below int64 seconds so sums cannot overflow: 1,000,000 days.
  constexpr int64_t kMaxSeconds = int64_t{1000000} * 86400;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    int64_t value = 0;
    const size_t digits_start = i;
    while (i < text.size() && absl::ascii_isdigit(text[i])) {
      value = value * 10 + (text[i] - '0');
      if (value > kMaxSeconds) return absl::InvalidArgumentError(absl::StrCat("duration too long ", quoted));
      ++i;
    }
    if (i == digits_start || i == text.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad duration ", quoted, ": want a number and a unit (w, d, h, m, s), e.g. \"30d\""));
    }
    const int64_t unit = UnitSeconds(text[i]);
    if (unit == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("bad duration ", quoted, ": unknown unit '", text.substr(i, 1), "' (use w, d, h, m or s)"));
    }
    total += value * unit;
    if (total > kMaxSeconds) return absl::InvalidArgumentError(absl::StrCat("duration too long ", quoted));
    ++i;
  }
  return absl::Seconds(total);
}

std::string FormatAgreementDuration(absl::Duration duration) {
  if (duration == absl::InfiniteDuration()) return "unlimited";
  int64_t seconds = absl::ToInt64Seconds(duration);
  if (seconds == 0) return "0s";
  std::string out;
  if (seconds < 0) {
    out = "-";
    seconds = -seconds;
  }
  for (char unit : {'d', 'h', 'm', 's'}) {
    const int64_t size = UnitSeconds(unit);
    if (seconds >= size) {
      absl::StrAppend(&out, seconds / size, std::string(1, unit));
      seconds %= size;
    }
  }
  return out;
}

absl::StatusOr<int> ParseTimeOfDay(absl::string_view text) {
  const int hours = TwoDigits(text, 0);
  const int minutes = TwoDigits(text, 3);
  if (text.size() != 5 || text[2] != ':' || hours < 0 || minutes < 0 || hours > 24 ||
      minutes > 59 || (hours == 24 && minutes != 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad time of day '", text, "': want HH:MM from 00:00 to 24:00"));
  }
  return hours * 60 + minutes;
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  absl::CivilDay day;
  // ParseCivilTime normalises out-of-range fields (2026-02-30 -> 03-02), so
  // require the round trip to give the same text.
  if (!absl::ParseCivilTime(text, &day) || absl::FormatCivilTime(day) != text) {
    return absl::InvalidArgumentError(absl::StrCat("bad date '", text, "': want YYYY-MM-DD"));
  }
  return day;
}

}  // namespace grens::policy

#ifndef GRENS_POLICY_CALENDAR_H_
#define GRENS_POLICY_CALENDAR_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "grens/v1/policy.pb.h"
#include "policy/diagnostic.h"

namespace grens::policy {

// A working-time calendar compiled for fast lookups: the time zone loaded once,
// windows per weekday in seconds since local midnight, non-working days in a set.
// Immutable after Compile, so safe to share between threads.
class Calendar {
 public:
  // Validates `proto` (zone, HH:MM, days, empty and overlapping windows, dates)
  // and compiles it. Problems are appended to `diagnostics` with field paths under
  // `path` ("calendars[0]"); returns null if there were any.
  static std::unique_ptr<const Calendar> Compile(const v1::Calendar& proto, const std::string& path,
                                                 std::vector<Diagnostic>* diagnostics);

  // Whether `t` falls in working time, judged at the wall-clock time in this
  // calendar's zone (never the server's). A window belongs to the day it starts
  // on: a holiday cancels the windows starting on it, including the part of a
  // night shift after midnight; a shift starting the evening before a holiday
  // still counts.
  bool InWorkingTime(absl::Time t) const;

  // "Tue 22:30 Europe/Amsterdam", for explanations.
  std::string DescribeLocal(absl::Time t) const;

  const std::string& name() const { return name_; }

 private:
  struct Window {
    int start;  // seconds since local midnight of the start day
    int end;    // exclusive; above 86400 when the window crosses midnight
  };
  Calendar() = default;
  bool IsOff(absl::CivilDay day) const { return off_days_.contains(day); }

  std::string name_;
  absl::TimeZone zone_;
  // Index 0 = Monday ... 6 = Sunday.
  std::array<std::vector<Window>, 7> windows_;
  absl::flat_hash_set<absl::CivilDay> off_days_;
};

}  // namespace grens::policy

#endif  // GRENS_POLICY_CALENDAR_H_

#include "policy/calendar.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "policy/durations.h"

namespace grens::policy {
namespace {

constexpr int kDay = 86400;
constexpr const char* kDayNames[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday: return 0;
    case absl::Weekday::tuesday: return 1;
    case absl::Weekday::wednesday: return 2;
    case absl::Weekday::thursday: return 3;
    case absl::Weekday::friday: return 4;
    case absl::Weekday::saturday: return 5;
    case absl::Weekday::sunday: return 6;
  }
  return 0;
}

struct Interval {
  int start;
  int end;
  std::string path;
};

// Reports each window that overlaps an earlier one (by start time) on the
// same day, including a night shift from the previous day running into this
// day's windows: one diagnostic per overlapping window, never one per pair, so
// a file of n identical windows costs O(n log n) and n - 1 diagnostics. Sorted
// by start, an interval overlaps an earlier one of another window exactly when
// the latest end among earlier intervals of other windows lies after its start;
// `reach` and `other_reach` track the latest end overall and among the windows
// other than reach's.
void CheckOverlaps(const std::array<std::vector<Interval>, 7>& by_day,
                   std::vector<Diagnostic>* diagnostics) {
  for (int d = 0; d < 7; ++d) {
    std::vector<Interval> day = by_day[d];
    for (const Interval& w : by_day[(d + 6) % 7]) {
      if (w.end > kDay) day.push_back({w.start - kDay, w.end - kDay, w.path});
    }
    std::stable_sort(day.begin(), day.end(), [](const Interval& a, const Interval& b) { return a.start < b.start; });
    const Interval* reach = nullptr;
    const Interval* other_reach = nullptr;
    for (const Interval& w : day) {
      const Interval* earlier = reach != nullptr && reach->path != w.path ? reach : other_reach;
      if (earlier != nullptr && earlier->end > w.start) {
        diagnostics->push_back({"", 0, 0, w.path, absl::StrCat("window overlaps ", earlier->path, " on ", kDayNames[d])});
      }
      if (reach == nullptr || w.end > reach->end) {
        if (reach != nullptr && reach->path != w.path) other_reach = reach;
        reach = &w;
      } else if (w.path != reach->path && (other_reach == nullptr || w.end > other_reach->end)) {
        other_reach = &w;
      }
    }
  }
}

void AddOffDays(const google::protobuf::RepeatedPtrField<v1::Holiday>& days, const std::string& path,
                absl::flat_hash_set<absl::CivilDay>* out, std::vector<Diagnostic>* diagnostics) {
  for (int i = 0; i < days.size(); ++i) {
    absl::StatusOr<absl::CivilDay> day = ParseDate(days[i].date());
    if (!day.ok()) {
      diagnostics->push_back({"", 0, 0, absl::StrCat(path, "[", i, "].date"), std::string(day.status().message())});
      continue;
    }
    out->insert(*day);
  }
}

}  // namespace

std::unique_ptr<const Calendar> Calendar::Compile(const v1::Calendar& proto, const std::string& path,
                                                  std::vector<Diagnostic>* diagnostics) {
  const size_t before = diagnostics->size();
  auto calendar = std::unique_ptr<Calendar>(new Calendar());
  calendar->name_ = proto.name();
  if (proto.time_zone().empty() || !absl::LoadTimeZone(proto.time_zone(), &calendar->zone_)) {
    diagnostics->push_back({"", 0, 0, path + ".time_zone",
                            absl::StrCat("unknown IANA time zone '", proto.time_zone(),
                                         "' (e.g. \"Europe/Amsterdam\")")});
  }
  std::array<std::vector<Interval>, 7> by_day;
  for (int i = 0; i < proto.windows_size(); ++i) {
    const v1::WeeklyWindow& w = proto.windows(i);
    const std::string wpath = absl::StrCat(path, ".windows[", i, "]");
    absl::StatusOr<int> start = ParseTimeOfDay(w.start());
    absl::StatusOr<int> end = ParseTimeOfDay(w.end());
    if (!start.ok()) diagnostics->push_back({"", 0, 0, wpath + ".start", std::string(start.status().message())});
    if (!end.ok()) diagnostics->push_back({"", 0, 0, wpath + ".end", std::string(end.status().message())});
    if (w.days().empty()) diagnostics->push_back({"", 0, 0, wpath + ".days", "window has no days"});
    if (!start.ok() || !end.ok()) continue;
    if (*start == *end || (*start == 24 * 60)) {
      diagnostics->push_back({"", 0, 0, wpath, absl::StrCat("empty window ", w.start(), "-", w.end())});
      continue;
    }
    Window window{*start * 60, *end * 60};
    if (window.end <= window.start) window.end += kDay;  // crosses midnight
    for (int day : w.days()) {
      if (day < v1::WEEKDAY_MONDAY || day > v1::WEEKDAY_SUNDAY) {
        diagnostics->push_back({"", 0, 0, wpath + ".days", "unknown weekday"});
        continue;
      }
      calendar->windows_[day - 1].push_back(window);
      by_day[day - 1].push_back({window.start, window.end, wpath});
    }
  }
  CheckOverlaps(by_day, diagnostics);
  AddOffDays(proto.holidays(), path + ".holidays", &calendar->off_days_, diagnostics);
  AddOffDays(proto.closures(), path + ".closures", &calendar->off_days_, diagnostics);
  if (diagnostics->size() != before) return nullptr;
  return calendar;
}

bool Calendar::InWorkingTime(absl::Time t) const {
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone_);
  const absl::CivilDay day(local);
  const int second = local.hour() * 3600 + local.minute() * 60 + local.second();
  const int today = WeekdayIndex(day);
  if (!IsOff(day)) {
    for (const Window& w : windows_[today]) {
      if (second >= w.start && second < w.end) return true;
    }
  }
  const absl::CivilDay yesterday = day - 1;
  if (!IsOff(yesterday)) {
    for (const Window& w : windows_[(today + 6) % 7]) {
      if (w.end > kDay && second < w.end - kDay) return true;
    }
  }
  return false;
}

std::string Calendar::DescribeLocal(absl::Time t) const {
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone_);
  return absl::StrCat(kDayNames[WeekdayIndex(absl::CivilDay(local))], " ",
                      absl::FormatTime("%Y-%m-%d %H:%M", t, zone_), " ", zone_.name(),
                      IsOff(absl::CivilDay(local)) ? " (a holiday)" : "");
}

}  // namespace grens::policy

// Working time is judged at the wall-clock time in the calendar's zone: across
// DST changes, across midnight, on holidays, and whatever the server's zone is.

#include "policy/calendar.h"

#include <cstdlib>
#include <ctime>

#include "gtest/gtest.h"
#include "tests/support/policy_testing.h"

namespace grens::policy {
namespace {

using ::grens::testing::At;

std::unique_ptr<const Calendar> Make(const std::string& zone, std::vector<v1::WeeklyWindow> windows,
                                     std::vector<std::string> holidays = {}) {
  v1::Calendar proto;
  proto.set_name("c");
  proto.set_time_zone(zone);
  for (auto& w : windows) *proto.add_windows() = w;
  for (auto& h : holidays) proto.add_holidays()->set_date(h);
  std::vector<Diagnostic> diagnostics;
  auto calendar = Calendar::Compile(proto, "calendars[0]", &diagnostics);
  EXPECT_TRUE(diagnostics.empty()) << diagnostics[0].ToString();
  return calendar;
}

v1::WeeklyWindow Window(std::vector<v1::Weekday> days, const std::string& start, const std::string& end) {
  v1::WeeklyWindow w;
  for (auto d : days) w.add_days(d);
  w.set_start(start);
  w.set_end(end);
  return w;
}

const std::vector<v1::Weekday> kWeekdays = {v1::WEEKDAY_MONDAY, v1::WEEKDAY_TUESDAY, v1::WEEKDAY_WEDNESDAY,
                                            v1::WEEKDAY_THURSDAY, v1::WEEKDAY_FRIDAY};
const std::vector<v1::Weekday> kEveryDay = {v1::WEEKDAY_MONDAY, v1::WEEKDAY_TUESDAY, v1::WEEKDAY_WEDNESDAY,
                                            v1::WEEKDAY_THURSDAY, v1::WEEKDAY_FRIDAY, v1::WEEKDAY_SATURDAY,
                                            v1::WEEKDAY_SUNDAY};

TEST(Calendar, SpringForwardGap) {
  // Sun 2026-03-29: 02:00 CET jumps to 03:00 CEST in Amsterdam. A window 02:30-04:00
  // local: 00:59Z is 01:59 CET (outside), 01:00Z is 03:00 CEST (inside).
  auto c = Make("Europe/Amsterdam", {Window(kEveryDay, "02:30", "04:00")});
  EXPECT_FALSE(c->InWorkingTime(At("2026-03-29T00:59:00Z")));
  EXPECT_TRUE(c->InWorkingTime(At("2026-03-29T01:00:00Z")));
  EXPECT_TRUE(c->InWorkingTime(At("2026-03-29T01:59:00Z")));   // 03:59 CEST
  EXPECT_FALSE(c->InWorkingTime(At("2026-03-29T02:00:00Z")));  // 04:00 CEST
}

TEST(Calendar, FallBackOverlapJudgesBothOccurrencesOfTheHour) {
  // Sun 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:30 local happens twice
  // (00:30Z and 01:30Z). A window 02:00-02:45 covers both; 03:00-04:00 neither.
  auto c = Make("Europe/Amsterdam", {Window(kEveryDay, "02:00", "02:45")});
  EXPECT_TRUE(c->InWorkingTime(At("2026-10-25T00:30:00Z")));
  EXPECT_TRUE(c->InWorkingTime(At("2026-10-25T01:30:00Z")));
  EXPECT_FALSE(c->InWorkingTime(At("2026-10-25T00:50:00Z")));  // 02:50 CEST
  EXPECT_FALSE(c->InWorkingTime(At("2026-10-25T01:50:00Z")));  // 02:50 CET
}

TEST(Calendar, OfficeHoursFollowTheLocalClockAcrossDst) {
  auto c = Make("Europe/Amsterdam", {Window(kWeekdays, "08:00", "18:00")});
  EXPECT_TRUE(c->InWorkingTime(At("2026-03-27T07:30:00Z")));   // Fri 08:30 CET
  EXPECT_FALSE(c->InWorkingTime(At("2026-03-30T05:30:00Z")));  // Mon 07:30 CEST
  EXPECT_TRUE(c->InWorkingTime(At("2026-03-30T06:30:00Z")));   // Mon 08:30 CEST
  EXPECT_FALSE(c->InWorkingTime(At("2026-03-30T16:00:00Z")));  // Mon 18:00 CEST
}

TEST(Calendar, AWindowAcrossMidnightBelongsToItsStartDay) {
  auto c = Make("Europe/Amsterdam", {Window({v1::WEEKDAY_MONDAY, v1::WEEKDAY_SUNDAY}, "22:00", "06:00")});
  EXPECT_TRUE(c->InWorkingTime(At("2026-02-10T02:00:00Z")));   // Tue 03:00, Monday's shift
  EXPECT_FALSE(c->InWorkingTime(At("2026-02-10T06:00:00Z")));  // Tue 07:00
  EXPECT_FALSE(c->InWorkingTime(At("2026-02-10T21:30:00Z")));  // Tue 22:30: no Tuesday shift
  EXPECT_TRUE(c->InWorkingTime(At("2026-02-08T21:30:00Z")));   // Sun 22:30
  EXPECT_TRUE(c->InWorkingTime(At("2026-02-09T04:59:00Z")));   // Mon 05:59, Sunday's shift
  EXPECT_FALSE(c->InWorkingTime(At("2026-02-09T05:00:00Z")));  // Mon 06:00
}

TEST(Calendar, AHolidayCancelsTheWindowsThatStartOnIt) {
  auto c = Make("Europe/Amsterdam",
                {Window(kWeekdays, "09:00", "17:00"), Window({v1::WEEKDAY_SUNDAY, v1::WEEKDAY_MONDAY}, "22:00", "02:00")},
                {"2026-04-27"});                                // King's Day, a Monday
  EXPECT_FALSE(c->InWorkingTime(At("2026-04-27T08:00:00Z")));  // Mon 10:00 CEST
  EXPECT_TRUE(c->InWorkingTime(At("2026-04-27T08:00:00Z") + absl::Hours(24)));
  EXPECT_TRUE(c->InWorkingTime(At("2026-04-26T22:30:00Z")));   // Mon 00:30: Sunday's shift
  EXPECT_FALSE(c->InWorkingTime(At("2026-04-27T20:30:00Z")));  // Mon 22:30: the holiday's shift
  EXPECT_FALSE(c->InWorkingTime(At("2026-04-27T22:30:00Z")));  // Tue 00:30: still that shift
}

TEST(Calendar, TwentyFourHundredEndsAtMidnight) {
  auto c = Make("UTC", {Window({v1::WEEKDAY_FRIDAY}, "20:00", "24:00")});
  EXPECT_TRUE(c->InWorkingTime(At("2026-03-13T23:59:59Z")));
  EXPECT_FALSE(c->InWorkingTime(At("2026-03-14T00:00:00Z")));
}

TEST(Calendar, OtherZonesAndTheServerZoneDoNotMatter) {
  auto tokyo = Make("Asia/Tokyo", {Window(kWeekdays, "09:00", "18:00")});
  setenv("TZ", "Pacific/Kiritimati", 1);  // UTC+14: a server zone that would shift the day
  tzset();
  EXPECT_TRUE(tokyo->InWorkingTime(At("2026-03-10T00:30:00Z")));   // Tue 09:30 JST
  EXPECT_FALSE(tokyo->InWorkingTime(At("2026-03-09T23:30:00Z")));  // Tue 08:30 JST
  auto ny = Make("America/New_York", {Window(kWeekdays, "09:00", "17:00")});
  EXPECT_TRUE(ny->InWorkingTime(At("2026-03-09T13:30:00Z")));  // Mon 09:30 EDT (US DST began Mar 8)
  unsetenv("TZ");
  tzset();
}

}  // namespace
}  // namespace grens::policy

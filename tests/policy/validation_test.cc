// Each validation error class names the file, the line and the field path, and
// all problems of a file are reported at once.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/policy_testing.h"

namespace grens::policy {
namespace {

using ::grens::testing::CompileYaml;
using ::grens::testing::DiagnosticsFor;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// A valid policy; each test appends or replaces one part.
constexpr char kHeader[] = R"(id: t
clauses:
  - {id: "1"}
groups:
  - {name: staff, patterns: ["staff-.*"]}
)";

std::string WithCalendar(const std::string& windows, const std::string& zone = "Europe/Amsterdam") {
  return std::string(kHeader) + "calendars:\n  - name: office\n    time_zone: " + zone + "\n    windows:\n" + windows;
}

// The single diagnostic of `yaml`, for tests that break exactly one thing.
Diagnostic Only(const std::string& yaml) {
  const std::vector<Diagnostic> d = DiagnosticsFor(yaml);
  EXPECT_THAT(d, SizeIs(1));
  return d.empty() ? Diagnostic{} : d[0];
}

TEST(Validation, TheBaseIsValid) { EXPECT_TRUE(CompileYaml(kHeader).ok()); }

TEST(Validation, BadTimeZone) {
  const Diagnostic d = Only(WithCalendar("      - {days: [MONDAY], start: \"08:00\", end: \"17:00\"}\n", "Europe/Amsterdm"));
  EXPECT_EQ(d.field_path, "calendars[0].time_zone");
  EXPECT_EQ(d.line, 8);
  EXPECT_THAT(d.message, HasSubstr("unknown IANA time zone 'Europe/Amsterdm'"));
}

TEST(Validation, BadTimeOfDay) {
  // Both ends are wrong; each is reported with its own path.
  const auto all = DiagnosticsFor(WithCalendar("      - {days: [MONDAY], start: \"8:00\", end: \"17:60\"}\n"));
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_EQ(all[0].field_path, "calendars[0].windows[0].start");
  EXPECT_EQ(all[0].line, 10);
  EXPECT_THAT(all[0].message, HasSubstr("bad time of day '8:00'"));
  EXPECT_EQ(all[1].field_path, "calendars[0].windows[0].end");
  EXPECT_THAT(all[1].message, HasSubstr("bad time of day '17:60'"));
}

TEST(Validation, EmptyWindowAndWindowWithoutDays) {
  const auto d = DiagnosticsFor(WithCalendar("      - {days: [MONDAY], start: \"09:00\", end: \"09:00\"}\n"
                                             "      - {start: \"10:00\", end: \"11:00\"}\n"));
  ASSERT_THAT(d, SizeIs(2));
  EXPECT_EQ(d[0].field_path, "calendars[0].windows[0]");
  EXPECT_THAT(d[0].message, HasSubstr("empty window 09:00-09:00"));
  EXPECT_EQ(d[1].field_path, "calendars[0].windows[1].days");
  EXPECT_EQ(d[1].line, 11);
}

TEST(Validation, OverlappingWindowsOnTheSameDay) {
  const Diagnostic d = Only(WithCalendar("      - {days: [MONDAY, TUESDAY], start: \"08:00\", end: \"12:00\"}\n"
                                         "      - {days: [TUESDAY], start: \"11:00\", end: \"15:00\"}\n"));
  EXPECT_EQ(d.field_path, "calendars[0].windows[1]");
  EXPECT_THAT(d.message, HasSubstr("overlaps calendars[0].windows[0] on Tue"));
}

TEST(Validation, ANightShiftOverlappingTheNextMorning) {
  const Diagnostic d = Only(WithCalendar("      - {days: [SUNDAY], start: \"22:00\", end: \"07:00\"}\n"
                                         "      - {days: [MONDAY], start: \"06:00\", end: \"14:00\"}\n"));
  EXPECT_THAT(d.message, HasSubstr("on Mon"));
}

// Found by review while fuzzing the policy loader (the input is in
// tests/fuzz/regressions/policy_yaml/): overlaps were reported per pair of
// windows, so n overlapping windows made n*(n-1)/2 diagnostics; 3000 windows
// in a 150 KB file took gigabytes. One diagnostic per overlapping window.
TEST(Validation, ManyOverlappingWindowsGetOneDiagnosticEach) {
  std::string windows;
  constexpr int kWindows = 3000;
  for (int i = 0; i < kWindows; ++i) windows += "      - {days: [MONDAY], start: \"08:00\", end: \"17:00\"}\n";
  const auto d = DiagnosticsFor(WithCalendar(windows));
  ASSERT_THAT(d, SizeIs(kWindows - 1));
  EXPECT_EQ(d[0].field_path, "calendars[0].windows[1]");
  EXPECT_THAT(d[0].message, HasSubstr("overlaps calendars[0].windows[0] on Mon"));
}

TEST(Validation, DuplicateClauseIds) {
  const Diagnostic d = Only("id: t\nclauses:\n  - {id: \"1\"}\n  - {id: \"1\"}\n");
  EXPECT_EQ(d.field_path, "clauses[1].id");
  EXPECT_EQ(d.line, 4);
  EXPECT_THAT(d.message, HasSubstr("duplicate clause id '1'"));
}

TEST(Validation, InvalidRe2PatternsInGroupsAndRedactions) {
  const auto d = DiagnosticsFor("id: t\nclauses: [{id: \"1\"}]\ngroups:\n  - {name: g, patterns: [\"(unclosed\"]}\n"
                                "redaction_patterns:\n  - {name: r, pattern: \"[a-\"}\n");
  ASSERT_THAT(d, SizeIs(2));
  EXPECT_EQ(d[0].field_path, "groups[0].patterns[0]");
  EXPECT_EQ(d[0].line, 4);
  EXPECT_THAT(d[0].message, HasSubstr("invalid RE2 pattern '(unclosed'"));
  EXPECT_THAT(d[0].message, HasSubstr("missing )"));
  EXPECT_EQ(d[1].field_path, "redaction_patterns[0].pattern");
  EXPECT_EQ(d[1].line, 6);
}

TEST(Validation, UndefinedCalendarGroupClauseAndPattern) {
  const auto d = DiagnosticsFor(std::string(kHeader) + R"(default_calendar: nowhere
exemptions:
  - {clause: "1", groups: [works_council]}
rules:
  - id: r
    clause: "7"
    effect: ALLOW
    match: {groups: [staf]}
    obligations: {redact: [bsn, passport]}
)");
  ASSERT_THAT(d, SizeIs(5));
  EXPECT_EQ(d[0].field_path, "default_calendar");
  EXPECT_THAT(d[0].message, HasSubstr("calendar 'nowhere' is not defined"));
  EXPECT_EQ(d[1].field_path, "exemptions[0].groups[0]");
  EXPECT_THAT(d[1].message, HasSubstr("group 'works_council' is not defined"));
  EXPECT_EQ(d[2].field_path, "rules[0].clause");
  EXPECT_THAT(d[2].message, HasSubstr("clause '7' is not defined"));
  EXPECT_EQ(d[3].field_path, "rules[0].match.groups[0]");
  EXPECT_EQ(d[3].line, 13);
  // bsn is built in; passport is neither defined nor built in.
  EXPECT_EQ(d[4].field_path, "rules[0].obligations.redact[1]");
  EXPECT_THAT(d[4].message, HasSubstr("'passport' is neither defined in redaction_patterns nor built in (email, iban"));
}

TEST(Validation, NegativeOrUnparsableRetention) {
  const auto d = DiagnosticsFor(std::string(kHeader) + R"(retention_caps:
  - {clause: "1", categories: [ATTENDANCE], max: "-30d"}
  - {clause: "1", categories: [PRESENCE], max: "30 days"}
rules:
  - {id: r, clause: "1", effect: ALLOW, obligations: {max_retention: "2x", min_group_size: -1}}
)");
  ASSERT_THAT(d, SizeIs(4));
  EXPECT_EQ(d[0].field_path, "retention_caps[0].max");
  EXPECT_EQ(d[0].line, 7);
  EXPECT_THAT(d[0].message, HasSubstr("negative duration '-30d'"));
  EXPECT_EQ(d[1].field_path, "retention_caps[1].max");
  EXPECT_EQ(d[2].field_path, "rules[0].obligations.max_retention");
  EXPECT_EQ(d[3].field_path, "rules[0].obligations.min_group_size");
}

TEST(Validation, RulesNeedIdsClausesEffectsAndKnownCategories) {
  const auto d = DiagnosticsFor(std::string(kHeader) + R"(rules:
  - {id: r, effect: ALLOW}
  - {id: r, clause: "1", match: {categories: [CATEGORY_UNSPECIFIED]}}
)");
  ASSERT_THAT(d, SizeIs(4));
  EXPECT_THAT(d[0].message, HasSubstr("must cite the clause"));
  EXPECT_THAT(d[1].message, HasSubstr("duplicate rule id 'r'"));
  EXPECT_THAT(d[2].message, HasSubstr("effect must be ALLOW or DENY"));
  EXPECT_EQ(d[3].field_path, "rules[1].match.categories[0]");
  EXPECT_THAT(d[3].message, HasSubstr("unknown category"));
}

TEST(Validation, DatesAndWorkingTimeWithoutCalendar) {
  const auto d = DiagnosticsFor(std::string(kHeader) + R"(effective_from: "2026-02-30"
effective_until: "2025-12-31"
rules:
  - {id: r, clause: "1", effect: ALLOW, match: {working_time: INSIDE}}
)");
  ASSERT_THAT(d, SizeIs(2));
  EXPECT_EQ(d[0].field_path, "effective_from");
  EXPECT_THAT(d[0].message, HasSubstr("bad date '2026-02-30'"));
  EXPECT_EQ(d[1].field_path, "rules[0].match.working_time");
}

TEST(Validation, EverythingNeedsAnIdAndAClause) {
  const auto d = DiagnosticsFor("title: nothing\n");
  ASSERT_THAT(d, SizeIs(2));
  EXPECT_EQ(d[0].field_path, "id");
  EXPECT_EQ(d[1].field_path, "clauses");
}

}  // namespace
}  // namespace grens::policy

// The generic YAML / text proto reader: every error names file, line, column
// and field path; accepted spellings map onto the one proto schema.

#include "policy/yaml_proto.h"

#include "gmock/gmock.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/policy.pb.h"
#include "gtest/gtest.h"

namespace grens::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

std::vector<Diagnostic> ParseYaml(const std::string& text, google::protobuf::Message* out) {
  std::vector<Diagnostic> diagnostics;
  (void)YamlToMessage(text, "p.yaml", out, &diagnostics, nullptr);
  return diagnostics;
}

TEST(YamlProto, UnknownFieldNamesLineColumnPathAndSuggestion) {
  v1::Policy p;
  const auto d = ParseYaml("id: x\nclauses:\n  - id: \"1\"\n    titel: t\n", &p);
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].file, "p.yaml");
  EXPECT_EQ(d[0].line, 4);
  EXPECT_EQ(d[0].column, 5);
  EXPECT_EQ(d[0].field_path, "clauses[0].titel");
  EXPECT_THAT(d[0].message, HasSubstr("did you mean 'title'"));
  EXPECT_EQ(d[0].ToString(), "p.yaml:4:5: clauses[0].titel: " + d[0].message);
}

TEST(YamlProto, WrongTypesAreNamed) {
  v1::Policy p;
  const auto d = ParseYaml("id: [a, b]\nclauses: one\nrules:\n  - id: r\n    match: {group_size: 3}\n", &p);
  ASSERT_THAT(d, SizeIs(3));
  EXPECT_EQ(d[0].field_path, "id");
  EXPECT_THAT(d[0].message, HasSubstr("expected a single string"));
  EXPECT_EQ(d[1].field_path, "clauses");
  EXPECT_THAT(d[1].message, HasSubstr("expected a list"));
  EXPECT_EQ(d[2].line, 5);
  EXPECT_THAT(d[2].message, HasSubstr("unknown field 'group_size'"));
}

TEST(YamlProto, UnknownEnumListsTheChoices) {
  v1::Policy p;
  const auto d = ParseYaml("rules:\n  - match:\n      categories: [PRESENCE, SCREENSHOTS]\n", &p);
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].line, 3);
  EXPECT_EQ(d[0].field_path, "rules[0].match.categories[1]");
  EXPECT_THAT(d[0].message, HasSubstr("unknown Category 'SCREENSHOTS'"));
  EXPECT_THAT(d[0].message, HasSubstr("SCREENSHOT, SCREEN_RECORDING"));
}

TEST(YamlProto, SyntaxErrorHasALine) {
  v1::Policy p;
  const auto d = ParseYaml("id: x\nclauses: [a\n  b: c\n", &p);
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_GT(d[0].line, 1);
  EXPECT_THAT(d[0].message, HasSubstr("YAML syntax error"));
}

TEST(YamlProto, EnumSpellingsDurationsTimesAndMaps) {
  v1::MonitoringEvent e;
  const auto d = ParseYaml(R"(
category: screenshot
granularity: GRANULARITY_AGGREGATE
occurred_at: "2026-03-10T09:00:00.5+01:00"
requested_retention: "1d12h"
attributes: {content_level: metadata, resolution: daily}
subject: {id: u1, groups: [a, b]}
)", &e);
  EXPECT_THAT(d, SizeIs(0));
  EXPECT_EQ(e.category(), v1::CATEGORY_SCREENSHOT);
  EXPECT_EQ(e.granularity(), v1::GRANULARITY_AGGREGATE);
  EXPECT_EQ(e.occurred_at().seconds(), 1773129600);  // 08:00:00Z
  EXPECT_EQ(e.occurred_at().nanos(), 500000000);
  EXPECT_EQ(e.requested_retention().seconds(), 36 * 3600);
  EXPECT_EQ(e.attributes().at("resolution"), "daily");
  EXPECT_THAT(e.subject().groups(), SizeIs(2));
}

TEST(YamlProto, JsonFieldNamesAreAcceptedToo) {
  v1::MonitoringEvent e;
  EXPECT_THAT(ParseYaml(R"({"occurredAt": "2026-03-10T09:00:00Z", "groupSize": 7})", &e), SizeIs(0));
  EXPECT_EQ(e.group_size(), 7);
}

TEST(YamlProto, BadScalarsAreNamed) {
  v1::MonitoringEvent e;
  const auto d = ParseYaml("group_size: many\noccurred_at: yesterday\nrequested_retention: -3d\n", &e);
  ASSERT_THAT(d, SizeIs(3));
  EXPECT_THAT(d[0].message, HasSubstr("expected a 32-bit integer"));
  EXPECT_THAT(d[1].message, HasSubstr("bad time 'yesterday'"));
  EXPECT_THAT(d[2].message, HasSubstr("negative duration"));
}

TEST(YamlProto, DuplicateKeysAreRefused) {
  v1::Policy p;
  const auto d = ParseYaml("id: a\nid: b\n", &p);
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].line, 2);
  EXPECT_THAT(d[0].message, HasSubstr("given twice"));
}

// Found by review while fuzzing the policy loader (the input is in
// tests/fuzz/regressions/policy_yaml/): YAML aliases let 1 KB of text stand for
// 60 calendars of 60 windows of 60 weekdays, which the reader expanded in full.
TEST(YamlProto, AliasesCannotMultiplyADocumentPastItsBudget) {
  constexpr int kN = 60;
  std::string days, windows = "[&w {start: \"08:00\", end: \"09:00\", days: &d [";
  for (int i = 0; i < kN; ++i) days += i == 0 ? "MONDAY" : ",MONDAY";
  windows += days + "]}";
  for (int i = 1; i < kN; ++i) windows += ",*w";
  std::string bomb = "id: p\ncalendars:\n  - &c {name: x, time_zone: Europe/Amsterdam, windows: " + windows + "]}\n";
  for (int i = 1; i < kN; ++i) bomb += "  - *c\n";
  ASSERT_LT(bomb.size(), 1500u);
  v1::Policy p;
  const auto d = ParseYaml(bomb, &p);
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_THAT(d[0].message, HasSubstr("aliases"));
  EXPECT_GT(d[0].line, 0);
}

TEST(YamlProto, AnchorsAndAliasesStillShareParts) {
  v1::Policy p;
  const auto d = ParseYaml("id: p\ncalendars:\n"
                           "  - {name: nl, time_zone: Europe/Amsterdam, windows: &office [{days: [MONDAY], start: \"08:00\", end: \"17:00\"}]}\n"
                           "  - {name: de, time_zone: Europe/Berlin, windows: *office}\n",
                           &p);
  ASSERT_THAT(d, SizeIs(0));
  ASSERT_EQ(p.calendars_size(), 2);
  EXPECT_EQ(p.calendars(1).windows(0).end(), "17:00");
}

TEST(YamlProto, WorksForTheSidecarConfigToo) {
  v1::SidecarConfig c;
  EXPECT_THAT(ParseYaml("listeners: [{address: \"127.0.0.1:0\"}]\npolicy_path: /p.yaml\n", &c), SizeIs(0));
  EXPECT_EQ(c.listeners(0).address(), "127.0.0.1:0");
}

TEST(TextProto, ErrorsHaveLineAndColumnAndPositionsAreRecorded) {
  v1::Policy p;
  std::vector<Diagnostic> d;
  EXPECT_FALSE(TextProtoToMessage("id: \"x\"\nrulez {}\n", "p.textproto", &p, &d, nullptr).ok());
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].line, 2);
  EXPECT_THAT(d[0].message, HasSubstr("rulez"));

  SourceMap positions;
  d.clear();
  ASSERT_TRUE(TextProtoToMessage("id: \"x\"\nrules {\n  id: \"r\"\n  match { categories: CATEGORY_PRESENCE }\n}\n",
                                 "p.textproto", &p, &d, &positions)
                  .ok());
  EXPECT_EQ(positions.Find("rules[0].match.categories[0]").first, 4);
  EXPECT_EQ(positions.Find("rules[0].id").first, 3);
}

TEST(SourceMap, FallsBackToTheNearestRecordedAncestor) {
  SourceMap m;
  m.Add("rules[2]", 10, 3);
  EXPECT_EQ(m.Find("rules[2].match.groups[0]"), std::make_pair(10, 3));
  EXPECT_EQ(m.Find("calendars[0]"), std::make_pair(0, 0));
}

}  // namespace
}  // namespace grens::policy

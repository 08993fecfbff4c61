// FieldReader: required and optional fields with errors that name platform and
// path, event times in each platform's unit, re-rooting at items; plus the
// HMAC helpers and the directory snapshot the adapters rely on.

#include "adapters/field_reader.h"

#include <string>

#include "adapters/directory.h"
#include "adapters/signature.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/grensd_process.h"

namespace grens::adapters {
namespace {

using ::testing::HasSubstr;

constexpr char kPayload[] = R"({
  "event": {"user": "U1", "ts": "1773133200.000200", "n": 7, "flag": true, "blank": "", "none": null},
  "items": [{"id": "a"}, {"id": 5}],
  "times": {"iso": "2026-03-10T10:00:00.5+01:00", "ms": 1773133200123, "s": 1773133200,
            "ms_as_s": 1773133200123, "bad": "yesterday"}
})";

class FieldReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Json> json = ParseJson(kPayload);
    ASSERT_TRUE(json.ok()) << json.status();
    json_ = *json;
  }
  FieldReader Reader() const { return FieldReader("slack", &json_); }
  Json json_;
};

TEST_F(FieldReaderTest, ReadsRequiredFields) {
  EXPECT_EQ(*Reader().String("event.user"), "U1");
  EXPECT_EQ(*Reader().Int64("event.n"), 7);
  EXPECT_TRUE(*Reader().Bool("event.flag"));
  EXPECT_TRUE((*Reader().Object("event"))->is_object());
  EXPECT_EQ((*Reader().Array("items"))->items().size(), 2u);
}

TEST_F(FieldReaderTest, ErrorsNamePlatformPathAndByte) {
  EXPECT_EQ(Reader().String("event.channel").status().message(), "slack: event.channel: missing");
  EXPECT_EQ(Reader().String("event.none").status().message(), "slack: event.none: missing");
  EXPECT_EQ(Reader().String("event.blank").status().message(), "slack: event.blank: empty");
  EXPECT_THAT(std::string(Reader().String("event.n").status().message()),
              HasSubstr("slack: event.n: expected a string, found a number (byte "));
  EXPECT_THAT(std::string(Reader().Int64("event.user").status().message()),
              HasSubstr("slack: event.user: expected an integer, found a string 'U1'"));
  EXPECT_THAT(std::string(Reader().Array("event").status().message()),
              HasSubstr("expected an array, found an object"));
  EXPECT_TRUE(absl::IsInvalidArgument(Reader().Bool("event.user").status()));
}

TEST_F(FieldReaderTest, OptionalFieldsFallBackButRefuseWrongTypes) {
  EXPECT_EQ(*Reader().OptionalString("event.channel", "C0"), "C0");
  EXPECT_EQ(*Reader().OptionalString("event.none"), "");
  EXPECT_EQ(*Reader().OptionalString("event.user"), "U1");
  EXPECT_FALSE(Reader().OptionalString("event.n").ok());
  EXPECT_EQ(*Reader().OptionalInt64("event.missing", 3), 3);
  EXPECT_FALSE(Reader().OptionalInt64("event.user", 3).ok());
  EXPECT_TRUE(*Reader().OptionalBool("event.missing", true));
  EXPECT_TRUE(*Reader().OptionalBool("event.none", true));
  EXPECT_TRUE(*Reader().OptionalBool("event.flag", false));
  EXPECT_THAT(std::string(Reader().OptionalBool("event.user", false).status().message()),
              HasSubstr("slack: event.user: expected a boolean, found a string (byte "));
}

TEST_F(FieldReaderTest, ItemsAndSubReadersKeepTheFullPath) {
  const FieldReader second = Reader().Item("items", 1);
  EXPECT_THAT(std::string(second.String("id").status().message()), HasSubstr("slack: items[1].id: expected a string"));
  EXPECT_EQ(Reader().Item("items", 7).String("id").status().message(), "slack: items[7].id: missing");
  absl::StatusOr<FieldReader> event = Reader().Sub("event");
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->String("channel").status().message(), "slack: event.channel: missing");
  EXPECT_EQ(Reader().Sub("nothing").status().message(), "slack: nothing: missing");
  EXPECT_FALSE(Reader().Sub("event.user").ok());
}

TEST_F(FieldReaderTest, TimesInEveryPlatformUnitBecomeTheSameInstant) {
  const absl::Time expected = absl::FromUnixSeconds(1773133200);
  EXPECT_EQ(*Reader().Time("times.s", TimeFormat::kUnixSeconds), expected);
  EXPECT_EQ(*Reader().Time("times.ms", TimeFormat::kUnixMillis), expected + absl::Milliseconds(123));
  EXPECT_EQ(*Reader().Time("event.ts", TimeFormat::kUnixSeconds), expected + absl::Microseconds(200));
  EXPECT_EQ(*Reader().Time("times.iso", TimeFormat::kRfc3339), expected + absl::Milliseconds(500));
}

TEST_F(FieldReaderTest, TimesInTheWrongUnitAreRefused) {
  // Milliseconds read as seconds land in the year 58000: a unit mistake, not an event.
  EXPECT_THAT(std::string(Reader().Time("times.ms_as_s", TimeFormat::kUnixSeconds).status().message()),
              HasSubstr("times.ms_as_s: '1773133200123' is not a time between 2000 and 2100 in unix seconds"));
  EXPECT_THAT(std::string(Reader().Time("times.s", TimeFormat::kUnixMillis).status().message()),
              HasSubstr("not a time between 2000 and 2100 in unix milliseconds"));
  EXPECT_THAT(std::string(Reader().Time("times.bad", TimeFormat::kRfc3339).status().message()),
              HasSubstr("times.bad: 'yesterday' is not an RFC 3339 time"));
  EXPECT_EQ(Reader().Time("times.none", TimeFormat::kRfc3339).status().message(), "slack: times.none: missing");
  EXPECT_FALSE(Reader().Time("event.flag", TimeFormat::kUnixSeconds).ok());
}

TEST(ParseEventTime, RejectsMalformedSecondFractions) {
  EXPECT_FALSE(ParseEventTime("1773133200.", TimeFormat::kUnixSeconds).ok());
  EXPECT_FALSE(ParseEventTime("1773133200.-5", TimeFormat::kUnixSeconds).ok());
  EXPECT_FALSE(ParseEventTime("1773133200.1234567890", TimeFormat::kUnixSeconds).ok());
  EXPECT_EQ(*ParseEventTime("1773133200.5", TimeFormat::kUnixSeconds),
            absl::FromUnixSeconds(1773133200) + absl::Milliseconds(500));
}

TEST(Signature, HmacMatchesKnownAnswers) {
  // RFC 4231 test case 2 (SHA-256) and RFC 2202 test case 2 (SHA-1).
  EXPECT_EQ(HmacHex(HmacHash::kSha256, "Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(HmacHex(HmacHash::kSha1, "Jefe", "what do ya want for nothing?"),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
  EXPECT_EQ(Hmac(HmacHash::kSha256, "k", "d").size(), 32u);
}

TEST(Signature, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("v0=abc", "v0=abc"));
  EXPECT_FALSE(ConstantTimeEquals("v0=abc", "v0=abd"));
  EXPECT_FALSE(ConstantTimeEquals("v0=abc", "v0=ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

v1::MonitoringEvent EventFor(const std::string& subject) {
  v1::MonitoringEvent e;
  e.mutable_subject()->set_id(subject);
  return e;
}

TEST(Directory, EnrichesSubjectsFoundByAnyOfTheirIds) {
  testing::TempDir dir;
  const std::string path = dir.Write("directory.yaml", R"(people:
  - ids: ["U024BE7LH", "Anna.de.Vries@acme.example"]
    groups: ["works-council", "nl-office"]
    time_zone: Europe/Amsterdam
  - ids: ["5a1e0000-0000-0000-0000-000000000001"]
    groups: ["shift-night"]
)");
  absl::StatusOr<std::unique_ptr<const Directory>> directory = Directory::Load(path);
  ASSERT_TRUE(directory.ok()) << directory.status();
  EXPECT_EQ((*directory)->size(), 2u);

  v1::MonitoringEvent by_mail = EventFor("anna.de.vries@ACME.example");
  ASSERT_TRUE((*directory)->Enrich(&by_mail));
  EXPECT_THAT(by_mail.subject().groups(), ::testing::ElementsAre("works-council", "nl-office"));
  EXPECT_EQ(by_mail.subject().time_zone(), "Europe/Amsterdam");

  // Platform ids are case-sensitive; what the payload already says is kept.
  v1::MonitoringEvent other_case = EventFor("u024be7lh");
  EXPECT_FALSE((*directory)->Enrich(&other_case));
  v1::MonitoringEvent own = EventFor("U024BE7LH");
  own.mutable_subject()->add_groups("from-payload");
  own.mutable_subject()->set_time_zone("Europe/Berlin");
  ASSERT_TRUE((*directory)->Enrich(&own));
  EXPECT_THAT(own.subject().groups(), ::testing::ElementsAre("from-payload"));
  EXPECT_EQ(own.subject().time_zone(), "Europe/Berlin");
}

TEST(Directory, BadEntriesNameFileLineAndField) {
  testing::TempDir dir;
  const std::string zone = dir.Write("zone.yaml", "people:\n  - ids: [a]\n    time_zone: Mars/Olympus\n");
  absl::StatusOr<std::unique_ptr<const Directory>> bad_zone = Directory::Load(zone);
  ASSERT_FALSE(bad_zone.ok());
  EXPECT_THAT(std::string(bad_zone.status().message()),
              HasSubstr("zone.yaml:3:16: people[0].time_zone: 'Mars/Olympus' is not an IANA time zone"));

  const std::string dup = dir.Write("dup.yaml", "people:\n  - ids: [a]\n  - ids: [b, a]\n");
  absl::StatusOr<std::unique_ptr<const Directory>> duplicate = Directory::Load(dup);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(std::string(duplicate.status().message()),
              HasSubstr("people[1].ids[1]: 'a' is already listed for people[0]"));

  EXPECT_FALSE(Directory::Load(dir.Write("empty.yaml", "people:\n  - groups: [x]\n")).ok());
  EXPECT_FALSE(Directory::Load(dir.Write("typo.yaml", "peeple: []\n")).ok());
  EXPECT_FALSE(Directory::Load(dir.path() + "/missing.yaml").ok());
}

}  // namespace
}  // namespace grens::adapters

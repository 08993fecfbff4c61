// Redaction: the golden cases in tests/policy/testdata/redaction/ run through a
// compiled agreement (rule obligation -> RE2::Set prefilter -> patterns ->
// transformed event and fired names), the checksums on their own, the
// built-in catalogue, and the schema's errors for patterns.

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policy/redaction.h"
#include "policy/yaml_proto.h"
#include "tests/support/policy_testing.h"
#include "yaml-cpp/yaml.h"

namespace grens::policy {
namespace {

using ::grens::testing::At;
using ::grens::testing::DiagnosticsFor;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> out;
  if (node) {
    for (const YAML::Node& item : node) out.push_back(item.as<std::string>());
  }
  return out;
}

// A one-rule agreement asking for `patterns`, with the case's custom patterns.
absl::StatusOr<std::unique_ptr<const CompiledPolicy>> AgreementFor(const YAML::Node& c) {
  v1::Policy p;
  p.set_id("golden");
  p.add_clauses()->set_id("1");
  for (const YAML::Node& custom : c["custom"]) {
    std::vector<Diagnostic> diagnostics;
    absl::Status parsed = YamlToMessage(YAML::Dump(custom), "custom", p.add_redaction_patterns(), &diagnostics, nullptr);
    if (!parsed.ok()) return parsed;
  }
  v1::Rule* rule = p.add_rules();
  rule->set_id("hold");
  rule->set_clause("1");
  rule->set_effect(v1::RULE_EFFECT_ALLOW);
  rule->mutable_match()->add_categories(v1::CATEGORY_MESSAGE_CONTENT);
  for (const std::string& name : Strings(c["patterns"])) rule->mutable_obligations()->add_redact(name);
  std::vector<Diagnostic> diagnostics;
  return CompiledPolicy::Compile(p, "golden", nullptr, "golden", &diagnostics);
}

// Words of `input` (of four characters or more, so that "1" or "or" do not
// count) that `output` no longer has: the text a pattern took out.
std::vector<std::string> RemovedWords(const std::string& input, const std::string& output) {
  std::vector<std::string> removed;
  for (absl::string_view word : absl::StrSplit(input, absl::ByAnyChar(" ,;()"), absl::SkipEmpty())) {
    if (word.size() >= 4 && absl::string_view(output).find(word) == absl::string_view::npos) {
      removed.emplace_back(word);
    }
  }
  return removed;
}

void RunCase(const std::string& file, const YAML::Node& c) {
  const std::string name = c["name"].as<std::string>();
  SCOPED_TRACE(file + ": " + name);
  auto policy = AgreementFor(c);
  ASSERT_TRUE(policy.ok()) << policy.status();
  const std::string input = c["input"].as<std::string>();
  const std::string expect = c["expect"] ? c["expect"].as<std::string>() : input;
  v1::MonitoringEvent e = grens::testing::Event(v1::CATEGORY_MESSAGE_CONTENT, "2026-03-10T09:00:00Z");
  e.add_content()->set_name("subject");  // an empty field beside the body
  auto* body = e.add_content();
  body->set_name("body");
  body->set_text(input);
  v1::Decision d = (*policy)->Evaluate(e, At("2026-03-10T09:00:00Z"));
  EXPECT_THAT(d.obligations().redactions_applied(), UnorderedElementsAreArray(Strings(c["fired"])));
  if (d.obligations().redactions_applied().empty()) {
    // Nothing fired: the event may be kept as sent, and the decision says so.
    EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW);
    EXPECT_FALSE(d.has_transformed_event());
    EXPECT_EQ(expect, input);
    return;
  }
  EXPECT_EQ(d.effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  ASSERT_THAT(d.transformed_event().content(), SizeIs(2));
  EXPECT_EQ(d.transformed_event().content(1).text(), expect);
  EXPECT_EQ(d.transformed_event().content(0).text(), "");
  // Nothing that was redacted appears anywhere else in the decision.
  d.clear_transformed_event();
  const std::string rest = d.DebugString();
  for (const std::string& word : RemovedWords(input, expect)) EXPECT_THAT(rest, ::testing::Not(HasSubstr(word)));
}

TEST(RedactionGolden, AllCases) {
  const std::string dir = std::string(GRENS_SOURCE_DIR) + "/tests/policy/testdata/redaction";
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  ASSERT_GE(files.size(), 7u);
  int cases = 0;
  for (const std::string& file : files) {
    const YAML::Node root = YAML::LoadFile(file);
    for (const YAML::Node& c : root["cases"]) {
      RunCase(file, c);
      ++cases;
    }
  }
  EXPECT_GE(cases, 25);
}

TEST(Checksums, Bsn11) {
  EXPECT_TRUE(PassesBsn11("111222333"));
  EXPECT_TRUE(PassesBsn11("123456782"));
  EXPECT_FALSE(PassesBsn11("123456789"));
  EXPECT_FALSE(PassesBsn11("000000000"));  // sums to zero
  EXPECT_FALSE(PassesBsn11("12345678"));
  EXPECT_FALSE(PassesBsn11("12345678a"));
}

TEST(Checksums, IbanMod97) {
  EXPECT_TRUE(PassesIbanMod97("NL91ABNA0417164300"));
  EXPECT_TRUE(PassesIbanMod97("DE89370400440532013000"));
  EXPECT_TRUE(PassesIbanMod97("FR1420041010050500013M02606"));
  EXPECT_FALSE(PassesIbanMod97("NL91ABNA0417164301"));
  EXPECT_FALSE(PassesIbanMod97("NL91 ABNA 0417 1643 00"));  // callers strip separators
  EXPECT_FALSE(PassesIbanMod97("NL91ABNA"));
}

TEST(Checksums, GermanTaxId) {
  EXPECT_TRUE(PassesDeTaxId("86095742719"));
  EXPECT_TRUE(PassesDeTaxId("65929970489"));   // one digit three times
  EXPECT_FALSE(PassesDeTaxId("86095742718"));  // check digit
  EXPECT_FALSE(PassesDeTaxId("06095742719"));  // leading zero
  EXPECT_FALSE(PassesDeTaxId("12345678901"));  // no repeated digit
  EXPECT_FALSE(PassesDeTaxId("11223344556"));  // several repeated digits
  EXPECT_FALSE(PassesDeTaxId("8609574271"));
}

TEST(Builtins, EveryBuiltinCompilesAndIsFoundByName) {
  ASSERT_GE(BuiltinRedactionPatterns().size(), 7u);
  for (const BuiltinPattern& b : BuiltinRedactionPatterns()) {
    SCOPED_TRACE(b.name);
    EXPECT_EQ(FindBuiltinPattern(b.name), &b);
    std::unique_ptr<const RedactionPattern> p = RedactionPattern::Builtin(b.name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name(), b.name);
  }
  EXPECT_EQ(FindBuiltinPattern("passport"), nullptr);
  EXPECT_EQ(RedactionPattern::Builtin("passport"), nullptr);
}

TEST(RedactionSet, AppliesOnlyMaskedPatternsAndReportsWhichFired) {
  std::vector<std::unique_ptr<const RedactionPattern>> patterns;
  patterns.push_back(RedactionPattern::Builtin("email"));
  patterns.push_back(RedactionPattern::Builtin("bsn"));
  patterns.push_back(RedactionPattern::Builtin("iban"));
  auto set = RedactionSet::Build(std::move(patterns));
  ASSERT_TRUE(set.ok()) << set.status();
  std::string text = "a@b.nl 111222333 NL91ABNA0417164300";
  EXPECT_EQ((*set)->Apply(0b010, &text), 0b010u);
  EXPECT_EQ(text, "a@b.nl [bsn] NL91ABNA0417164300");
  EXPECT_EQ((*set)->Apply(0b111, &text), 0b101u);
  EXPECT_EQ(text, "[email] [bsn] [iban]");
  EXPECT_EQ((*set)->Apply(0b111, &text), 0u);  // nothing left to redact
  std::string untouched = "123456789";
  EXPECT_EQ((*set)->Apply(0, &untouched), 0u);
}

TEST(RedactionSet, TooManyPatternsAreRefused) {
  std::vector<std::unique_ptr<const RedactionPattern>> patterns;
  for (int i = 0; i <= RedactionSet::kMaxPatterns; ++i) patterns.push_back(RedactionPattern::Builtin("email"));
  auto set = RedactionSet::Build(std::move(patterns));
  EXPECT_FALSE(set.ok());
  EXPECT_THAT(set.status().message(), HasSubstr("at most 64"));
}

constexpr char kHeader[] = "id: t\nclauses: [{id: \"1\"}]\n";

TEST(RedactionSchema, BuiltinFieldErrorsNameTheField) {
  auto d = DiagnosticsFor(std::string(kHeader) + R"(redaction_patterns:
  - {name: a, builtin: passport}
  - {name: b, builtin: iban, pattern: "x"}
  - {name: c, pattern: "[0-9]+", checksum: luhn}
)");
  ASSERT_THAT(d, SizeIs(3));
  EXPECT_EQ(d[0].field_path, "redaction_patterns[0].builtin");
  EXPECT_THAT(d[0].message, HasSubstr("unknown built-in pattern 'passport'; one of: email, iban"));
  EXPECT_EQ(d[0].line, 4);
  EXPECT_EQ(d[1].field_path, "redaction_patterns[1].builtin");
  EXPECT_THAT(d[1].message, HasSubstr("leave them empty"));
  EXPECT_EQ(d[2].field_path, "redaction_patterns[2].checksum");
  EXPECT_THAT(d[2].message, HasSubstr("bsn11, iban_mod97, de_tax_id"));
}

TEST(RedactionSchema, ABadCustomPatternIsReportedOnceNotAlsoAsUndefined) {
  auto d = DiagnosticsFor(std::string(kHeader) + R"(redaction_patterns:
  - {name: broken, pattern: "(unclosed"}
rules:
  - {id: r, clause: "1", effect: ALLOW, obligations: {redact: [broken, email]}}
)");
  ASSERT_THAT(d, SizeIs(1));
  EXPECT_EQ(d[0].field_path, "redaction_patterns[0].pattern");
}

}  // namespace
}  // namespace grens::policy

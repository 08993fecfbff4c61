// `grensctl policy validate|test|explain` through the real binary, as an admin
// uses it before deploying a policy file.

#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/cli_testing.h"

namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CommandResult RunGrensctl(const std::string& args) {
  CommandResult result;
  result.exit_code = grens::testing::RunGrensctl(args, &result.output);
  return result;
}

std::string Example(const std::string& name) {
  return std::string(GRENS_SOURCE_DIR) + "/policy/examples/" + name;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// A small, valid agreement the error cases below each break in one place.
constexpr char kSmallPolicy[] = R"(id: small
clauses:
  - id: "1"
    title: presence
rules:
  - id: presence
    clause: "1"
    effect: ALLOW
    match:
      categories: [PRESENCE]
)";

TEST(GrensctlPolicy, ValidatesBothExamples) {
  for (const char* name : {"nl-agreement.yaml", "de-agreement.yaml"}) {
    const CommandResult r = RunGrensctl("policy validate " + Example(name));
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_THAT(r.output, HasSubstr("ok: agreement"));
  }
}

TEST(GrensctlPolicy, TestPrintsALinePerCaseAndPassesOnTheExamples) {
  const CommandResult r = RunGrensctl("policy test " + Example("nl-agreement.yaml"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("PASS  presence at 22:30 local time is refused"));
  EXPECT_THAT(r.output, HasSubstr(" 0 failed"));
  EXPECT_THAT(r.output, Not(HasSubstr("FAIL")));
}

TEST(GrensctlPolicy, ATypoNamesLineAndFieldAndFails) {
  std::string text = kSmallPolicy;
  text.replace(text.find("rules:"), 6, "rulez:");
  const CommandResult r = RunGrensctl("policy validate " + WriteTemp("typo.yaml", text));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("typo.yaml:5:"));
  EXPECT_THAT(r.output, HasSubstr("rulez"));
}

TEST(GrensctlPolicy, AnUnknownCategoryNamesItsFieldPath) {
  std::string text = kSmallPolicy;
  text.replace(text.find("[PRESENCE]"), 10, "[PRESENSE]");
  const CommandResult r = RunGrensctl("policy validate " + WriteTemp("category.yaml", text));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("category.yaml:10:"));
  EXPECT_THAT(r.output, HasSubstr("rules[0].match.categories[0]"));
  EXPECT_THAT(r.output, HasSubstr("PRESENSE"));
}

TEST(GrensctlPolicy, AFailingCaseFailsTheRunAndIsNamed) {
  const std::string suite = WriteTemp("suite.yaml", R"(cases:
  - name: screenshots are allowed (wrong on purpose)
    event:
      category: SCREENSHOT
      collector: teams-presence
      subject: {id: u1}
      occurred_at: "2026-03-10T09:00:00Z"
    expect_effect: ALLOW
)");
  const CommandResult r =
      RunGrensctl("policy test " + Example("nl-agreement.yaml") + " " + suite);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_THAT(r.output, HasSubstr("FAIL  screenshots are allowed (wrong on purpose)"));
  EXPECT_THAT(r.output, HasSubstr(" 1 failed"));
}

TEST(GrensctlPolicy, ExplainShowsTheDecisionAndTheClauses) {
  const std::string event = WriteTemp("event.json", R"({
    "id": "e1", "platform": "teams", "collector": "teams-presence",
    "category": "PRESENCE", "purpose": "colleague_availability",
    "subject": {"id": "u-1"}, "occurred_at": "2026-03-10T21:30:00Z"})");
  const CommandResult r =
      RunGrensctl("policy explain " + Example("nl-agreement.yaml") + " --event " + event);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_THAT(r.output, HasSubstr("decision: DENY"));
  EXPECT_THAT(r.output, HasSubstr("clause 6.1"));
  // The trace pairs each rule with its own verdict.
  EXPECT_THAT(r.output, HasSubstr("match buiten-werktijd"));
  EXPECT_THAT(r.output, ::testing::ContainsRegex("- +aanwezigheid-live +clause 1.1 +outside working time: Tue"));
}

TEST(GrensctlPolicy, UsageErrorsExitTwo) {
  EXPECT_EQ(RunGrensctl("policy").exit_code, 2);
  EXPECT_EQ(RunGrensctl("policy frobnicate").exit_code, 2);
  EXPECT_EQ(RunGrensctl("policy explain " + Example("nl-agreement.yaml")).exit_code, 2);
}

}  // namespace

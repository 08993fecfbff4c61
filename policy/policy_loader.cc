#include "policy/policy_loader.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "policy/durations.h"
#include "policy/file_util.h"

namespace grens::policy {
namespace {

std::string EffectName(v1::Effect effect) {
  std::string name = v1::Effect_Name(effect);
  return name.rfind("EFFECT_", 0) == 0 ? name.substr(7) : name;
}

// The frozen clock of a case: `at`, or else the event's own time.
absl::StatusOr<absl::Time> CaseTime(const v1::PolicyTestCase& c) {
  if (c.at().empty()) {
    return absl::FromUnixSeconds(c.event().occurred_at().seconds()) + absl::Nanoseconds(c.event().occurred_at().nanos());
  }
  absl::Time at;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, c.at(), &at, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("at: not an RFC 3339 time: '", c.at(), "'"));
  }
  return at;
}

// Compares a decision with what the case expects; empty when it matches.
std::string Differences(const v1::PolicyTestCase& c, const v1::Decision& d) {
  std::vector<std::string> problems;
  std::vector<std::string> cited;
  for (const v1::Reason& r : d.reasons()) cited.push_back(r.clause_id());
  if (c.expect_effect() != v1::EFFECT_UNSPECIFIED && c.expect_effect() != d.effect()) {
    problems.push_back(absl::StrCat("effect: want ", EffectName(c.expect_effect()), ", got ", EffectName(d.effect())));
  }
  for (const std::string& clause : c.expect_clauses()) {
    if (std::find(cited.begin(), cited.end(), clause) == cited.end()) {
      problems.push_back(absl::StrCat("clause ", clause, " not cited"));
    }
  }
  const v1::Obligations& o = d.obligations();
  if (!c.expect_max_retention().empty()) {
    absl::StatusOr<absl::Duration> want = ParseAgreementDuration(c.expect_max_retention());
    const absl::Duration got = absl::Seconds(o.max_retention().seconds());
    if (!want.ok()) {
      problems.push_back(absl::StrCat("expect_max_retention: ", want.status().message()));
    } else if (!o.retention_limited() || got != *want) {
      problems.push_back(absl::StrCat("max retention: want ", c.expect_max_retention(), ", got ",
                                      o.retention_limited() ? FormatAgreementDuration(got) : "unlimited"));
    }
  }
  if (c.expect_min_group_size() != 0 && c.expect_min_group_size() != o.min_group_size()) {
    problems.push_back(absl::StrCat("min group size: want ", c.expect_min_group_size(), ", got ", o.min_group_size()));
  }
  if (c.expect_pseudonymise() && !o.pseudonymise()) problems.push_back("pseudonymise: want true, got false");
  if (!c.expect_redactions().empty()) {
    const std::set<std::string> want(c.expect_redactions().begin(), c.expect_redactions().end());
    const std::set<std::string> got(o.redactions_applied().begin(), o.redactions_applied().end());
    if (want != got) {
      problems.push_back(absl::StrCat("redactions: want [", absl::StrJoin(want, ", "), "], got [",
                                      absl::StrJoin(got, ", "), "]"));
    }
  }
  if (problems.empty()) return "";
  return absl::StrCat(absl::StrJoin(problems, "; "), " (cited: ", cited.empty() ? "none" : absl::StrJoin(cited, ", "), ")");
}

// Runs the embedded cases and those of each test file.
void RunAllTests(const CompiledPolicy& policy, absl::string_view base_dir, LoadedPolicy* out) {
  out->tests = RunTestCases(policy, policy.policy().tests());
  for (int i = 0; i < policy.policy().test_files_size(); ++i) {
    const std::string& name = policy.policy().test_files(i);
    if (base_dir.empty()) {
      out->diagnostics.push_back({out->source_path, 0, 0, absl::StrCat("test_files[", i, "]"),
                                  "test files cannot be read for policy text without a directory"});
      continue;
    }
    const std::string path = name.rfind('/', 0) == 0 ? name : absl::StrCat(base_dir, "/", name);
    absl::StatusOr<v1::TestSuite> suite = LoadTestSuite(path, &out->diagnostics);
    if (!suite.ok()) continue;
    if (!suite->policy_id().empty() && suite->policy_id() != policy.policy().id()) {
      out->diagnostics.push_back({path, 0, 0, "policy_id",
                                  absl::StrCat("suite is for agreement '", suite->policy_id(), "', not '",
                                               policy.policy().id(), "'")});
      continue;
    }
    std::vector<TestCaseResult> results = RunTestCases(policy, suite->cases());
    out->tests.insert(out->tests.end(), results.begin(), results.end());
  }
}

}  // namespace

std::string LoadedPolicy::RejectionSummary() const {
  if (policy != nullptr) return "";
  std::vector<std::string> parts;
  for (const Diagnostic& d : diagnostics) parts.push_back(d.ToString());
  for (const TestCaseResult& t : tests) {
    if (!t.passed) parts.push_back(absl::StrCat("test '", t.name, "' failed: ", t.failure));
  }
  if (parts.empty()) parts.push_back("rejected");
  return absl::StrJoin(parts, "; ");
}

LoadedPolicy LoadPolicyText(absl::string_view text, FileFormat format, absl::string_view filename,
                            absl::string_view base_dir) {
  LoadedPolicy out;
  out.source_path = std::string(filename);
  out.revision = Sha256Hex(text);
  v1::Policy proto;
  SourceMap positions;
  if (!ParseMessage(text, format, filename, &proto, &out.diagnostics, &positions).ok()) return out;
  absl::StatusOr<std::unique_ptr<const CompiledPolicy>> compiled =
      CompiledPolicy::Compile(proto, out.revision, &positions, filename, &out.diagnostics);
  if (!compiled.ok()) return out;
  std::shared_ptr<const CompiledPolicy> policy = std::move(*compiled);
  RunAllTests(*policy, base_dir, &out);
  const bool all_passed = std::all_of(out.tests.begin(), out.tests.end(),
                                      [](const TestCaseResult& t) { return t.passed; });
  if (out.diagnostics.empty() && all_passed) out.policy = std::move(policy);
  return out;
}

LoadedPolicy LoadPolicyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    LoadedPolicy out;
    out.source_path = path;
    out.diagnostics.push_back({path, 0, 0, "", std::string(text.status().message())});
    return out;
  }
  return LoadPolicyText(*text, FormatForPath(path), path, DirName(path));
}

absl::StatusOr<v1::TestSuite> LoadTestSuite(const std::string& path, std::vector<Diagnostic>* diagnostics) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) {
    diagnostics->push_back({path, 0, 0, "", std::string(text.status().message())});
    return text.status();
  }
  v1::TestSuite suite;
  absl::Status parsed = ParseMessage(*text, FormatForPath(path), path, &suite, diagnostics, nullptr);
  if (!parsed.ok()) return parsed;
  return suite;
}

std::vector<TestCaseResult> RunTestCases(const CompiledPolicy& policy,
                                         const google::protobuf::RepeatedPtrField<v1::PolicyTestCase>& cases) {
  std::vector<TestCaseResult> results;
  results.reserve(cases.size());
  v1::Decision decision;
  for (const v1::PolicyTestCase& c : cases) {
    TestCaseResult result;
    result.name = c.name().empty() ? c.event().id() : c.name();
    absl::StatusOr<absl::Time> at = CaseTime(c);
    if (!at.ok()) {
      result.failure = std::string(at.status().message());
    } else {
      policy.Evaluate(c.event(), *at, &decision);
      result.failure = Differences(c, decision);
      result.passed = result.failure.empty();
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace grens::policy

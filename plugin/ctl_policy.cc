// `grensctl policy ...`: the admin's checks on a policy file before it is
// deployed. validate (schema and semantics), test (the agreement's own test
// cases, a line per case, like `opa test`), explain (which clauses matched one
// event and why the others did not); keygen, sign and verify-signature (the
// works council's co-signature) live in ctl_sign.cc.

#include "plugin/ctl_policy.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grens/v1/event.pb.h"
#include "plugin/ctl_flags.h"
#include "plugin/ctl_sign.h"
#include "policy/compiled_policy.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "policy/policy_loader.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {
namespace {

constexpr char kPolicyUsage[] =
    "usage:\n"
    "  grensctl policy validate FILE\n"
    "  grensctl policy test FILE [SUITE]\n"
    "  grensctl policy explain FILE --event EVENT.json [--at RFC3339]\n"
    "  grensctl policy keygen --out PREFIX\n"
    "  grensctl policy sign --key KEY FILE\n"
    "  grensctl policy verify-signature --pub PUB.pem [--pub PUB.pem ...] FILE\n";

int UsageError(const std::string& message) {
  std::fprintf(stderr, "grensctl policy: %s\n%s", message.c_str(), kPolicyUsage);
  return kUsage;
}

void PrintDiagnostics(const std::vector<policy::Diagnostic>& diagnostics) {
  for (const policy::Diagnostic& d : diagnostics) {
    std::fprintf(stderr, "%s\n", d.ToString().c_str());
  }
}

int CountFailed(const std::vector<policy::TestCaseResult>& results) {
  int failed = 0;
  for (const policy::TestCaseResult& r : results) failed += r.passed ? 0 : 1;
  return failed;
}

// Parses and compiles `path` without running its tests, so `test` can still
// report every case of a policy whose own suite fails.
absl::StatusOr<std::unique_ptr<const policy::CompiledPolicy>> CompileOnly(
    const std::string& path, const std::string& revision) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return text.status();
  v1::Policy proto;
  policy::SourceMap positions;
  std::vector<policy::Diagnostic> diagnostics;
  absl::Status parsed = policy::ParseMessage(*text, policy::FormatForPath(path), path, &proto,
                                             &diagnostics, &positions);
  if (!parsed.ok()) return parsed;
  return policy::CompiledPolicy::Compile(proto, revision, &positions, path, &diagnostics);
}

int Validate(const std::vector<std::string>& args) {
  if (args.size() != 1) return UsageError("validate takes exactly one FILE");
  const policy::LoadedPolicy loaded = policy::LoadPolicyFile(args[0]);
  if (!loaded.diagnostics.empty()) {
    PrintDiagnostics(loaded.diagnostics);
    std::fprintf(stderr, "%s: invalid (%zu problem%s)\n", args[0].c_str(),
                 loaded.diagnostics.size(), loaded.diagnostics.size() == 1 ? "" : "s");
    return kFailed;
  }
  const int failed = CountFailed(loaded.tests);
  if (failed > 0) {
    std::fprintf(stderr,
                 "%s: valid, but %d of its %zu test cases fail; grensd would not activate it "
                 "(run `grensctl policy test %s`)\n",
                 args[0].c_str(), failed, loaded.tests.size(), args[0].c_str());
    return kFailed;
  }
  const v1::Policy& p = loaded.policy->policy();
  std::printf("%s: ok: agreement %s, revision %s, %d clauses, %d rules, %zu test cases pass\n",
              args[0].c_str(), p.id().c_str(), loaded.revision.c_str(), p.clauses_size(),
              p.rules_size(), loaded.tests.size());
  return kOk;
}

void PrintResults(const std::vector<policy::TestCaseResult>& results) {
  for (const policy::TestCaseResult& r : results) {
    if (r.passed) {
      std::printf("PASS  %s\n", r.name.c_str());
    } else {
      std::printf("FAIL  %s: %s\n", r.name.c_str(), r.failure.c_str());
    }
  }
}

int Test(const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) return UsageError("test takes FILE [SUITE]");
  const policy::LoadedPolicy loaded = policy::LoadPolicyFile(args[0]);
  if (!loaded.diagnostics.empty()) {
    PrintDiagnostics(loaded.diagnostics);
    std::fprintf(stderr, "%s: invalid, no tests run\n", args[0].c_str());
    return kFailed;
  }
  std::vector<policy::TestCaseResult> results = loaded.tests;
  if (args.size() == 2) {
    std::vector<policy::Diagnostic> diagnostics;
    absl::StatusOr<v1::TestSuite> suite = policy::LoadTestSuite(args[1], &diagnostics);
    if (!suite.ok()) {
      PrintDiagnostics(diagnostics);
      std::fprintf(stderr, "%s\n", suite.status().ToString().c_str());
      return kFailed;
    }
    std::shared_ptr<const policy::CompiledPolicy> compiled = loaded.policy;
    if (compiled == nullptr) {
      auto recompiled = CompileOnly(args[0], loaded.revision);
      if (!recompiled.ok()) return UsageError(std::string(recompiled.status().message()));
      compiled = std::move(*recompiled);
    }
    std::vector<policy::TestCaseResult> extra = policy::RunTestCases(*compiled, suite->cases());
    results.insert(results.end(), extra.begin(), extra.end());
  }
  PrintResults(results);
  const int failed = CountFailed(results);
  std::printf("%d passed, %d failed\n", static_cast<int>(results.size()) - failed, failed);
  if (results.empty()) std::fprintf(stderr, "%s: no test cases found\n", args[0].c_str());
  return failed == 0 && !results.empty() ? kOk : kFailed;
}

struct ExplainArgs {
  std::string policy_path;
  std::string event_path;
  std::string at;
};

absl::StatusOr<ExplainArgs> ParseExplainArgs(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> parsed = ParseCtlArgs(args, {"--event", "--at"});
  if (!parsed.ok()) return parsed.status();
  if (parsed->positional.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", parsed->positional[1], "'"));
  }
  ExplainArgs out;
  if (!parsed->positional.empty()) out.policy_path = parsed->positional.front();
  out.event_path = parsed->Get("--event");
  out.at = parsed->Get("--at");
  if (out.policy_path.empty()) return absl::InvalidArgumentError("explain needs a policy FILE");
  if (out.event_path.empty()) return absl::InvalidArgumentError("explain needs --event EVENT.json");
  return out;
}

std::string EffectName(v1::Effect effect) {
  std::string name = v1::Effect_Name(effect);
  return name.rfind("EFFECT_", 0) == 0 ? name.substr(7) : name;
}

void PrintDecision(const v1::Decision& decision) {
  std::printf("decision: %s\n", EffectName(decision.effect()).c_str());
  for (const v1::Reason& r : decision.reasons()) {
    std::printf("  clause %s (%s): %s\n", r.clause_id().c_str(), r.rule_id().c_str(),
                r.message().c_str());
  }
  const v1::Obligations& o = decision.obligations();
  if (o.retention_limited()) {
    std::printf("  obligation: keep at most %s (until %s)\n",
                policy::FormatAgreementDuration(absl::Seconds(o.max_retention().seconds())).c_str(),
                absl::FormatTime(absl::RFC3339_sec,
                                 absl::FromUnixSeconds(o.retain_until().seconds()),
                                 absl::UTCTimeZone())
                    .c_str());
  }
  if (o.pseudonymise()) std::printf("  obligation: pseudonymise the subject\n");
  if (o.min_group_size() > 0) std::printf("  obligation: groups of at least %d\n", o.min_group_size());
  if (o.human_review()) std::printf("  obligation: human review before any use\n");
  if (!o.redactions_applied().empty()) {
    std::printf("  redacted: %s\n", absl::StrJoin(o.redactions_applied(), ", ").c_str());
  }
}

int Explain(const std::vector<std::string>& args) {
  absl::StatusOr<ExplainArgs> parsed = ParseExplainArgs(args);
  if (!parsed.ok()) return UsageError(std::string(parsed.status().message()));
  const policy::LoadedPolicy loaded = policy::LoadPolicyFile(parsed->policy_path);
  if (!loaded.diagnostics.empty()) {
    PrintDiagnostics(loaded.diagnostics);
    return kFailed;
  }
  std::shared_ptr<const policy::CompiledPolicy> compiled = loaded.policy;
  if (compiled == nullptr) {  // Its own tests fail; explaining is still useful.
    auto recompiled = CompileOnly(parsed->policy_path, loaded.revision);
    if (!recompiled.ok()) return UsageError(std::string(recompiled.status().message()));
    compiled = std::move(*recompiled);
  }
  absl::StatusOr<std::string> event_text = policy::ReadFileToString(parsed->event_path);
  if (!event_text.ok()) return UsageError(std::string(event_text.status().message()));
  v1::MonitoringEvent event;
  std::vector<policy::Diagnostic> diagnostics;
  if (!policy::ParseMessage(*event_text, policy::FormatForPath(parsed->event_path),
                            parsed->event_path, &event, &diagnostics, nullptr)
           .ok()) {
    PrintDiagnostics(diagnostics);
    return kUsage;
  }
  absl::Time now = absl::FromUnixSeconds(event.occurred_at().seconds()) +
                   absl::Nanoseconds(event.occurred_at().nanos());
  if (!parsed->at.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, parsed->at, &now, &error)) {
      return UsageError(absl::StrCat("--at: not an RFC 3339 time: ", error));
    }
  }
  PrintDecision(compiled->Evaluate(event, now));
  std::printf("\ntrace (in evaluation order):\n");
  for (const policy::RuleTrace& t : compiled->Explain(event, now)) {
    std::printf("  %-5s %-28s clause %-8s %s\n", t.matched ? "match" : "-", t.rule_id.c_str(),
                t.clause_id.c_str(), t.explanation.c_str());
  }
  return kOk;
}

}  // namespace

int RunPolicyCommand(const std::vector<std::string>& args) {
  if (args.empty()) return UsageError("missing command");
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "validate") return Validate(rest);
  if (args[0] == "test") return Test(rest);
  if (args[0] == "explain") return Explain(rest);
  if (args[0] == "keygen") return RunPolicyKeygen(rest);
  if (args[0] == "sign") return RunPolicySign(rest);
  if (args[0] == "verify-signature") return RunPolicyVerifySignature(rest);
  if (args[0] == "help" || args[0] == "--help") {
    std::fputs(kPolicyUsage, stdout);
    return kOk;
  }
  return UsageError(absl::StrCat("unknown command '", args[0], "'"));
}

}  // namespace grens::plugin

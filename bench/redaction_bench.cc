// Redaction of one content field with the seven built-in patterns: the
// policy's RE2::Set prefilter (one scan tells which patterns can match, only
// those are searched) against searching with every pattern in turn, as grens
// did before (issue 8: "compiled RE2 sets instead of pattern loops"). Two
// texts of about 1 KiB: a chat message with nothing to redact (the common
// case) and one with an address, a phone number and an IBAN.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "policy/redaction.h"

namespace {

using grens::policy::BuiltinPattern;
using grens::policy::BuiltinRedactionPatterns;
using grens::policy::RedactionPattern;
using grens::policy::RedactionSet;

std::vector<std::unique_ptr<const RedactionPattern>> Builtins() {
  std::vector<std::unique_ptr<const RedactionPattern>> out;
  for (const BuiltinPattern& b : BuiltinRedactionPatterns()) out.push_back(RedactionPattern::Builtin(b.name));
  return out;
}

std::string Text(bool with_matches) {
  std::string text;
  while (text.size() < 1024) {
    text += "Hi team, the release notes for version 4.2 are ready; please review them before the meeting at 10:30 ";
    text += "on 2026-03-10 and leave your comments in ticket 4711. ";
  }
  if (with_matches) text += "Reach me at jan.de-vries@voorbeeld.nl or 06-12345678; pay NL91ABNA0417164300.";
  return text;
}

void BM_SetPrefilter(benchmark::State& state) {
  auto set = RedactionSet::Build(Builtins());
  if (!set.ok()) {
    state.SkipWithError("cannot build the set");
    return;
  }
  const std::string original = Text(state.range(0) != 0);
  const uint64_t all = (uint64_t{1} << (*set)->size()) - 1;
  for (auto _ : state) {
    std::string text = original;
    benchmark::DoNotOptimize((*set)->Apply(all, &text));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(original.size()));
}

void BM_PatternLoop(benchmark::State& state) {
  const std::vector<std::unique_ptr<const RedactionPattern>> patterns = Builtins();
  const std::string original = Text(state.range(0) != 0);
  for (auto _ : state) {
    std::string text = original;
    bool fired = false;
    for (const auto& p : patterns) fired |= p->Apply(&text);
    benchmark::DoNotOptimize(fired);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(original.size()));
}

// Argument: 0 = nothing to redact, 1 = three matches.
BENCHMARK(BM_SetPrefilter)->Arg(0)->Arg(1);
BENCHMARK(BM_PatternLoop)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();

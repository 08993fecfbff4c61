// Many threads evaluate while another swaps the active policy, as a reload
// does: every decision comes whole from exactly one of the two policies.

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/support/policy_testing.h"

namespace grens::policy {
namespace {

using ::grens::testing::At;
using ::grens::testing::CompileYaml;
using ::grens::testing::Event;

std::shared_ptr<const CompiledPolicy> Make(const std::string& effect, const std::string& revision_clause) {
  auto compiled = CompileYaml("id: p\nclauses: [{id: \"" + revision_clause + "\"}]\nrules:\n  - {id: r, clause: \"" +
                              revision_clause + "\", effect: " + effect + ", match: {categories: [PRESENCE]}}\n");
  EXPECT_TRUE(compiled.ok());
  return compiled.ok() ? std::shared_ptr<const CompiledPolicy>(std::move(*compiled)) : nullptr;
}

TEST(Concurrency, EvaluationDuringSwapsSeesWholePolicies) {
  const std::shared_ptr<const CompiledPolicy> allow = Make("ALLOW", "allow-clause");
  const std::shared_ptr<const CompiledPolicy> deny = Make("DENY", "deny-clause");
  ASSERT_NE(allow, nullptr);
  ASSERT_NE(deny, nullptr);
  absl::Mutex mu;
  std::shared_ptr<const CompiledPolicy> active = allow;  // guarded by mu
  std::atomic<bool> stop{false};
  std::atomic<int> inconsistent{0};
  std::atomic<int> evaluated{0};

  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      const v1::MonitoringEvent e = Event(v1::CATEGORY_PRESENCE, "2026-03-10T09:00:00Z");
      v1::Decision d;
      while (!stop.load()) {
        std::shared_ptr<const CompiledPolicy> p;
        {
          absl::MutexLock lock(&mu);
          p = active;
        }
        p->Evaluate(e, At("2026-03-10T09:00:00Z"), &d);
        const bool whole = (d.effect() == v1::EFFECT_ALLOW && d.reasons(0).clause_id() == "allow-clause") ||
                           (d.effect() == v1::EFFECT_DENY && d.reasons(0).clause_id() == "deny-clause");
        if (!whole || d.reasons_size() != 1) inconsistent.fetch_add(1);
        evaluated.fetch_add(1);
      }
    });
  }
  for (int swap = 0; swap < 2000; ++swap) {
    absl::MutexLock lock(&mu);
    active = swap % 2 ? allow : deny;
  }
  // Let the readers do some work after the last swap before stopping them.
  const int target = evaluated.load() + 1000;
  while (evaluated.load() < target) std::this_thread::yield();
  stop.store(true);
  for (auto& r : readers) r.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_GT(evaluated.load(), 1000);
}

}  // namespace
}  // namespace grens::policy

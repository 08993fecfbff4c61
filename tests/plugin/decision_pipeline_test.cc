// The decision pipeline under load from several threads while the policy is
// reloaded underneath it on a control queue, as grensd does, without gRPC in
// between: every caller gets exactly one answer, from one whole policy, under a
// log index of its own, and the log verifies afterwards. The ThreadSanitizer job
// in CI runs this test: it puts the pipeline, the policy holder, the control
// queue and the log's writer thread against each other where TSan can see all
// of them (it cannot see through Debian's uninstrumented gRPC; tests/tsan/).

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "plugin/decision_pipeline.h"
#include "plugin/log_reader.h"
#include "plugin/policy_holder.h"
#include "plugin/pseudonymizer.h"
#include "plugin/sqlite_decision_log.h"
#include "plugin/task_queue.h"
#include "tests/support/grensd_process.h"

namespace grens::plugin {
namespace {

using ::grens::testing::TempDir;

// A clock that never moves: the policies below do not depend on the time.
class FixedClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixSeconds(1773133200); }
};

// Presence is allowed citing clause "a", or denied citing clause "b".
std::string Policy(bool allow) {
  const std::string clause = allow ? "a" : "b";
  return absl::StrCat("id: p\nclauses: [{id: \"", clause, "\"}]\nrules:\n  - {id: r, clause: \"", clause,
                      "\", effect: ", allow ? "ALLOW" : "DENY", ", match: {categories: [PRESENCE]}}\n");
}

v1::MonitoringEvent Presence(int thread, int i) {
  v1::MonitoringEvent e;
  e.set_id(absl::StrCat("e", thread, "-", i));
  e.set_category(v1::CATEGORY_PRESENCE);
  e.mutable_subject()->set_id(absl::StrCat("u-", thread));
  e.mutable_occurred_at()->set_seconds(1773133200);
  return e;
}

// One Decide call and what it answered.
struct Call {
  v1::MonitoringEvent event;
  v1::Decision decision;
  absl::Status status;
  std::atomic<int> answers{0};
  absl::Notification done;
};

TEST(DecisionPipeline, ConcurrentDecisionsDuringReloadsAreEachRecordedOnceFromOneWholePolicy) {
  TempDir dir;
  const std::string path = dir.Write("policy.yaml", Policy(true));
  SqliteDecisionLogOptions options;
  options.data_dir = dir.path() + "/data";
  options.checkpoint_every_records = 64;
  FixedClock clock;
  options.clock = &clock;
  auto log = OpenSqliteDecisionLog(options);
  ASSERT_TRUE(log.ok()) << log.status();
  std::atomic<int> activations{0};
  PolicyHolder holder(path, log->get(), &clock, [&] { activations.fetch_add(1); });
  ASSERT_TRUE(holder.Reload(v1::POLICY_TRIGGER_STARTUP).activated);
  const std::unique_ptr<Pseudonymizer> pseudonymizer = Pseudonymizer::FromKey(std::string(32, 'k'));
  v1::Limits limits;
  limits.set_max_content_bytes(1 << 16);
  DecisionPipeline pipeline(&holder, log->get(), pseudonymizer.get(), &clock, limits);

  constexpr int kThreads = 4, kCallsEach = 200, kReloads = 20;
  std::vector<std::vector<std::unique_ptr<Call>>> calls(kThreads);
  std::vector<std::thread> deciders;
  for (int t = 0; t < kThreads; ++t) {
    deciders.emplace_back([&, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        auto call = std::make_unique<Call>();
        call->event = Presence(t, i);
        Call* c = call.get();
        calls[t].push_back(std::move(call));
        pipeline.Decide(c->event, &c->decision, [c](absl::Status status) {
          c->status = std::move(status);
          c->answers.fetch_add(1);
          c->done.Notify();
        });
      }
    });
  }
  {
    // Reloads run on a control queue, one at a time, as PolicyAdmin and the
    // file watcher post them in grensd.
    TaskQueue control;
    for (int r = 1; r <= kReloads; ++r) {
      absl::Notification reloaded;
      control.Post([&, r] {
        dir.Write("policy.yaml", Policy(r % 2 == 0));
        EXPECT_TRUE(holder.Reload(v1::POLICY_TRIGGER_RPC).activated) << r;
        reloaded.Notify();
      });
      reloaded.WaitForNotification();
    }
  }
  for (std::thread& t : deciders) t.join();

  std::set<int64_t> indices;
  for (const auto& per_thread : calls) {
    for (const std::unique_ptr<Call>& c : per_thread) {
      c->done.WaitForNotification();
      ASSERT_TRUE(c->status.ok()) << c->status;
      EXPECT_EQ(c->answers.load(), 1);
      ASSERT_EQ(c->decision.reasons_size(), 1);
      const bool allowed = c->decision.effect() == v1::EFFECT_ALLOW;
      EXPECT_EQ(c->decision.reasons(0).clause_id(), allowed ? "a" : "b") << "a decision mixed two policies";
      EXPECT_TRUE(indices.insert(c->decision.log_index()).second) << "log index given twice";
    }
  }
  EXPECT_EQ(activations.load(), kReloads + 1);
  ASSERT_TRUE((*log)->Close().ok());
  auto reader = LogReader::Open(options.data_dir);
  ASSERT_TRUE(reader.ok());
  auto report = (*reader)->Verify({}, "");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, kThreads * kCallsEach + kReloads + 1);  // decisions and activation records
}

}  // namespace
}  // namespace grens::plugin

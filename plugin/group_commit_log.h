#ifndef GRENS_PLUGIN_GROUP_COMMIT_LOG_H_
#define GRENS_PLUGIN_GROUP_COMMIT_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "plugin/commit_queue.h"
#include "plugin/decision_log.h"
#include "plugin/log_metrics.h"

namespace grens::plugin {

// What every decision log backend has around its storage: the queue callers
// append to, one writer thread that empties it in group-commit transactions,
// the count of committed records, and Close. A backend derives from it, runs
// its writer loop through StartWriter at the end of its constructor, and calls
// Close in its destructor (before its own members go). Safe for concurrent use.
class GroupCommitLog : public DecisionLog {
 public:
  void AppendGroup(Records records, CommitCallback done) final;
  int64_t Size() const final { return committed_.load(); }
  // Refuses new appends, lets the writer commit what is queued and finish
  // (its loop returns once CommitQueue::Take says the queue is drained),
  // answers every caller, and returns what the writer loop returned.
  // Idempotent.
  absl::Status Close() final;

 protected:
  // `committed` records are in the log already; `metrics` may be null and
  // must outlive the log.
  GroupCommitLog(int64_t committed, DecisionLogMetrics* metrics);
  ~GroupCommitLog() override = default;

  // Starts the writer thread (named grens-log) running `loop`; call once.
  void StartWriter(std::function<absl::Status()> loop);

  CommitQueue& queue() { return queue_; }
  void set_committed(int64_t records) { committed_.store(records); }

 private:
  // Synchronize themselves. committed_ is atomic so Size() can be read from
  // any thread without a lock.
  CommitQueue queue_;
  std::atomic<int64_t> committed_;

  absl::Mutex close_mu_;
  absl::Status close_status_ ABSL_GUARDED_BY(close_mu_);
  std::thread writer_;
};

// Whether a checkpoint is due: some records are not covered by one yet, and
// either `every_records` of them accumulated or `interval` passed since the
// last checkpoint.
bool CheckpointDue(int64_t size, int64_t last_checkpoint_size, absl::Duration since_last_checkpoint,
                   int64_t every_records, absl::Duration interval);

// The one-group batch holding the LOG_PRUNED record that states a prune of
// the `count` records [first, last], those older than `cutoff`. It commits in
// the prune's own transaction and answers nobody.
std::vector<CommitQueue::Group> PrunedRecordBatch(int64_t first, int64_t last, int64_t count, absl::Time cutoff);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_GROUP_COMMIT_LOG_H_

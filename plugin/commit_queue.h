#ifndef GRENS_PLUGIN_COMMIT_QUEUE_H_
#define GRENS_PLUGIN_COMMIT_QUEUE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "plugin/decision_log.h"
#include "plugin/log_metrics.h"
#include "plugin/task_queue.h"

namespace grens::plugin {

// What a decision log backend's writer thread works from: the appended
// groups of records waiting for a transaction, and a thread that answers the
// callers once their group is durable (or failed), so that the writer starts
// the next transaction while the last one's answers are sent (a caller's
// answer runs gRPC's send path on whichever thread calls it). The queueing,
// grouping, refusing and answering of both backends (SQLite, PostgreSQL),
// written once. Safe for concurrent use.
class CommitQueue {
 public:
  // Records that commit in one transaction at consecutive indices; `done`
  // gets the first one's index.
  struct Group {
    DecisionLog::Records records;
    DecisionLog::CommitCallback done;
  };

  // `metrics` may be null; it must outlive the queue.
  explicit CommitQueue(DecisionLogMetrics* metrics);
  // Runs the answers still queued, then joins the answer thread. Close first.
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Queues `group`, or answers it at once (on the caller's thread) with
  // FailedPrecondition after Close, or with the refusal SetRefusal set.
  void Push(Group group);

  // Waits until a group is queued, the queue is closed, or `timeout` passed;
  // then takes whole groups in order, as many as fit in `max_records` (at
  // least one). `*drained` is true once closed and empty: the writer's last
  // round.
  std::vector<Group> Take(int max_records, absl::Duration timeout, bool* drained);

  // From now on Push answers `refusal` (the database is away); OK accepts
  // groups again.
  void SetRefusal(absl::Status refusal);

  // Refuses later Pushes; false if it was closed already.
  bool Close();

  // Waits up to `timeout` for Close; true once closed (a writer's backoff).
  bool AwaitClose(absl::Duration timeout);

  // Every queued group, taken out (to fail them).
  std::vector<Group> TakeAll();

  // Answers `groups` on the answer thread, in order: each gets the index its
  // first record was committed at (counting on from `first`), or the error.
  void Answer(std::vector<Group> groups, absl::StatusOr<int64_t> first);

  // Runs every answer handed over so far and stops the answer thread; later
  // answers run on the caller's thread. For Close, once the writer has
  // stopped (so nothing hands answers over concurrently).
  void Flush();

  // Records in `groups`.
  static int64_t RecordCount(const std::vector<Group>& groups);

 private:
  DecisionLogMetrics* const metrics_;

  absl::Mutex mu_;
  std::deque<Group> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_records_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status refusal_ ABSL_GUARDED_BY(mu_);

  // Synchronizes itself; last, so it is destroyed (and drained) first. Null
  // after Flush; set and reset only while no writer runs.
  std::unique_ptr<TaskQueue> answers_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_COMMIT_QUEUE_H_

#include "plugin/group_commit_log.h"

#include <pthread.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "plugin/decision_record.h"

namespace grens::plugin {

GroupCommitLog::GroupCommitLog(int64_t committed, DecisionLogMetrics* metrics)
    : queue_(metrics), committed_(committed) {}

void GroupCommitLog::AppendGroup(Records records, CommitCallback done) {
  queue_.Push({std::move(records), std::move(done)});
}

void GroupCommitLog::StartWriter(std::function<absl::Status()> loop) {
  writer_ = std::thread([this, loop = std::move(loop)] {
    pthread_setname_np(pthread_self(), "grens-log");  // for top -H, perf and gdb
    absl::Status status = loop();
    absl::MutexLock lock(&close_mu_);
    close_status_ = std::move(status);
  });
}

absl::Status GroupCommitLog::Close() {
  if (queue_.Close()) {
    if (writer_.joinable()) writer_.join();
    queue_.Flush();  // every caller has its answer before Close returns
  }
  absl::MutexLock lock(&close_mu_);
  return close_status_;
}

bool CheckpointDue(int64_t size, int64_t last_checkpoint_size, absl::Duration since_last_checkpoint,
                   int64_t every_records, absl::Duration interval) {
  const int64_t unsigned_records = size - last_checkpoint_size;
  if (unsigned_records <= 0) return false;
  return unsigned_records >= every_records || since_last_checkpoint >= interval;
}

std::vector<CommitQueue::Group> PrunedRecordBatch(int64_t first, int64_t last, int64_t count, absl::Time cutoff) {
  v1::LogRecord record;
  record.set_kind(v1::RECORD_KIND_LOG_PRUNED);
  record.set_note(absl::StrCat("pruned records ", first, "-", last, " (", count, " records older than ",
                               absl::FormatTime(absl::RFC3339_sec, cutoff, absl::UTCTimeZone()),
                               "): attributes removed, leaf hashes kept"));
  std::vector<CommitQueue::Group> batch(1);
  batch[0].records.push_back(PrepareRecord(std::move(record)));
  batch[0].done = [](absl::StatusOr<int64_t>) {};
  return batch;
}

}  // namespace grens::plugin

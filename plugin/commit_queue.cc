#include "plugin/commit_queue.h"

#include <utility>

namespace grens::plugin {

CommitQueue::CommitQueue(DecisionLogMetrics* metrics)
    : metrics_(metrics), answers_(std::make_unique<TaskQueue>("grens-answer")) {}

CommitQueue::~CommitQueue() { Flush(); }

void CommitQueue::Flush() { answers_.reset(); }

void CommitQueue::Push(Group group) {
  absl::Status refused;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) {
      refused = absl::FailedPreconditionError("the decision log is closed");
    } else if (!refusal_.ok()) {
      refused = refusal_;
    } else {
      queued_records_ += static_cast<int64_t>(group.records.size());
      queue_.push_back(std::move(group));
      if (metrics_ != nullptr) metrics_->SetQueueDepth(queued_records_);
      return;
    }
  }
  group.done(refused);
}

std::vector<CommitQueue::Group> CommitQueue::Take(int max_records, absl::Duration timeout, bool* drained) {
  absl::MutexLock lock(&mu_);
  auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_ || !queue_.empty(); };
  mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
  std::vector<Group> groups;
  int64_t taken = 0;
  while (!queue_.empty() && (groups.empty() || taken + static_cast<int64_t>(queue_.front().records.size()) <= max_records)) {
    taken += static_cast<int64_t>(queue_.front().records.size());
    groups.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  queued_records_ -= taken;
  if (metrics_ != nullptr) metrics_->SetQueueDepth(queued_records_);
  *drained = closed_ && queue_.empty();
  return groups;
}

void CommitQueue::SetRefusal(absl::Status refusal) {
  absl::MutexLock lock(&mu_);
  refusal_ = std::move(refusal);
}

bool CommitQueue::Close() {
  absl::MutexLock lock(&mu_);
  if (closed_) return false;
  closed_ = true;
  return true;
}

bool CommitQueue::AwaitClose(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&closed_), timeout);
}

std::vector<CommitQueue::Group> CommitQueue::TakeAll() {
  absl::MutexLock lock(&mu_);
  std::vector<Group> groups;
  groups.reserve(queue_.size());
  for (Group& g : queue_) groups.push_back(std::move(g));
  queue_.clear();
  queued_records_ = 0;
  if (metrics_ != nullptr) metrics_->SetQueueDepth(0);
  return groups;
}

void CommitQueue::Answer(std::vector<Group> groups, absl::StatusOr<int64_t> first) {
  if (groups.empty()) return;
  // Only the callbacks and group sizes travel: the records are written.
  std::vector<std::pair<DecisionLog::CommitCallback, int64_t>> callers;
  callers.reserve(groups.size());
  for (Group& g : groups) callers.emplace_back(std::move(g.done), static_cast<int64_t>(g.records.size()));
  auto answer = [callers = std::move(callers), first]() mutable {
    int64_t next = first.ok() ? *first : 0;
    for (auto& [done, size] : callers) {
      done(first.ok() ? absl::StatusOr<int64_t>(next) : first.status());
      next += size;
    }
  };
  if (answers_ == nullptr) return answer();
  answers_->Post(std::move(answer));
}

int64_t CommitQueue::RecordCount(const std::vector<Group>& groups) {
  int64_t n = 0;
  for (const Group& g : groups) n += static_cast<int64_t>(g.records.size());
  return n;
}

}  // namespace grens::plugin

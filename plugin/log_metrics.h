#ifndef GRENS_PLUGIN_LOG_METRICS_H_
#define GRENS_PLUGIN_LOG_METRICS_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

#include "plugin/metric_types.h"

namespace grens::plugin {

// What a decision log backend reports about its writer: commit latency, batch
// size, queue depth and failed commits, and whether the last commit succeeded
// (one half of /readyz). Backend-neutral, so every DecisionLog implementation
// can feed it. Safe for concurrent use: relaxed atomics only.
class DecisionLogMetrics {
 public:
  DecisionLogMetrics();
  DecisionLogMetrics(const DecisionLogMetrics&) = delete;
  DecisionLogMetrics& operator=(const DecisionLogMetrics&) = delete;

  // Records waiting for the writer; set whenever the queue changes.
  void SetQueueDepth(int64_t records) { queue_depth_.store(records, std::memory_order_relaxed); }

  // One group-commit transaction of `records` records that took `elapsed`
  // (BEGIN to COMMIT returned, fsync included) and succeeded or not.
  void ObserveCommit(std::chrono::nanoseconds elapsed, int64_t records, bool ok);

  // False after a failed commit, until the next one succeeds.
  bool last_commit_ok() const { return last_commit_ok_.load(std::memory_order_relaxed); }

  // Appends the grens_log_* families.
  void Render(std::string* out) const;

 private:
  Histogram commit_seconds_;
  Histogram batch_records_;
  // Atomic: written by the log writer and by appending threads, read by scrapes.
  std::atomic<int64_t> queue_depth_{0};
  std::atomic<uint64_t> commit_failures_{0};
  std::atomic<bool> last_commit_ok_{true};
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_METRICS_H_

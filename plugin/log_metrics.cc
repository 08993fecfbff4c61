#include "plugin/log_metrics.h"

#include "absl/strings/str_cat.h"

namespace grens::plugin {
namespace {

// 100 µs .. 2.5 s: an fsync on a good SSD takes well under a millisecond, on a
// network volume several; anything above a second is an incident.
std::vector<int64_t> CommitBounds() {
  return {100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000, 25'000'000,
          50'000'000, 100'000'000, 250'000'000, 1'000'000'000, 2'500'000'000};
}

}  // namespace

DecisionLogMetrics::DecisionLogMetrics()
    : commit_seconds_(CommitBounds(), 9), batch_records_({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096}, 0) {}

void DecisionLogMetrics::ObserveCommit(std::chrono::nanoseconds elapsed, int64_t records, bool ok) {
  commit_seconds_.Observe(elapsed.count());
  batch_records_.Observe(records);
  if (!ok) commit_failures_.fetch_add(1, std::memory_order_relaxed);
  last_commit_ok_.store(ok, std::memory_order_relaxed);
}

void DecisionLogMetrics::Render(std::string* out) const {
  AppendHeader("grens_log_commit_duration_seconds", "histogram",
               "Time of one group-commit transaction of the decision log, fsync included.", out);
  commit_seconds_.Render("grens_log_commit_duration_seconds", "", out);
  AppendHeader("grens_log_batch_records", "histogram", "Records per group-commit transaction.", out);
  batch_records_.Render("grens_log_batch_records", "", out);
  AppendHeader("grens_log_queue_depth", "gauge", "Records waiting for the decision log writer.", out);
  absl::StrAppend(out, "grens_log_queue_depth ", queue_depth_.load(std::memory_order_relaxed), "\n");
  AppendHeader("grens_log_commit_failures_total", "counter",
               "Group commits that failed; their callers were refused (fail closed).", out);
  absl::StrAppend(out, "grens_log_commit_failures_total ", commit_failures_.load(std::memory_order_relaxed), "\n");
}

}  // namespace grens::plugin

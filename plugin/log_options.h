#ifndef GRENS_PLUGIN_LOG_OPTIONS_H_
#define GRENS_PLUGIN_LOG_OPTIONS_H_

#include <cstdint>

#include "absl/time/time.h"
#include "plugin/clock.h"
#include "plugin/log_metrics.h"

namespace grens::plugin {

// What every decision log backend's options share: when checkpoints are
// signed, how large a group commit may grow, how long records keep their
// attributes, and the clock and metrics the writer uses.
struct LogOptions {
  int64_t checkpoint_every_records = 10000;
  absl::Duration checkpoint_interval = absl::Seconds(60);
  // Most records per group-commit transaction.
  int max_batch = 4096;
  // Records older than this lose their body and attribute columns (their leaf
  // hashes stay, so the tree still verifies); a LOG_PRUNED record says which.
  // Zero keeps everything. Checked every checkpoint_interval.
  absl::Duration retention = absl::ZeroDuration();
  // Time source for record and checkpoint times; must outlive the log. Null = wall clock.
  const Clock* clock = nullptr;
  // Where the writer reports commit latency, batch size and queue depth; must
  // outlive the log. Null = not reported.
  DecisionLogMetrics* metrics = nullptr;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_OPTIONS_H_

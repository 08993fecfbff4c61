#ifndef GRENS_PLUGIN_SQLITE_DECISION_LOG_H_
#define GRENS_PLUGIN_SQLITE_DECISION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "plugin/log_metrics.h"

namespace grens::plugin {

struct SqliteDecisionLogOptions {
  // Holds decisions.db (and its -wal file). Created if missing (mode 0700).
  std::string data_dir;
  // Ed25519 PEM key for checkpoints; empty = <data_dir>/checkpoint.key, created if missing.
  std::string signing_key_file;
  // Log identity in checkpoints.
  std::string origin = "grens";
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

// Opens (or creates) the embedded decision log: SQLite in WAL mode with
// synchronous=FULL in `options.data_dir`. Rebuilds the Merkle tree from the
// stored leaf hashes and checks it against the latest stored checkpoint; a
// mismatch is DataLoss naming the size, and the log is not opened. The schema
// is documented in sqlite_decision_log.cc.
absl::StatusOr<std::unique_ptr<DecisionLog>> OpenSqliteDecisionLog(const SqliteDecisionLogOptions& options);

// The database file inside a data directory.
std::string DecisionLogPath(const std::string& data_dir);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_SQLITE_DECISION_LOG_H_

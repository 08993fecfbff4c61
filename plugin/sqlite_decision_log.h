#ifndef GRENS_PLUGIN_SQLITE_DECISION_LOG_H_
#define GRENS_PLUGIN_SQLITE_DECISION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "plugin/decision_log.h"
#include "plugin/log_options.h"

namespace grens::plugin {

struct SqliteDecisionLogOptions : LogOptions {
  // Holds decisions.db (and its -wal file). Created if missing (mode 0700).
  std::string data_dir;
  // Ed25519 PEM key for checkpoints; empty = <data_dir>/checkpoint.key, created if missing.
  std::string signing_key_file;
  // Log identity in checkpoints.
  std::string origin = "grens";
  // The WAL is copied back into decisions.db in the background from this many
  // pages (4 KiB each) on, and rewound at four times it.
  int wal_checkpoint_pages = 1000;
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

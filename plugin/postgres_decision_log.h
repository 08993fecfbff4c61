#ifndef GRENS_PLUGIN_POSTGRES_DECISION_LOG_H_
#define GRENS_PLUGIN_POSTGRES_DECISION_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "plugin/decision_log.h"
#include "plugin/log_options.h"

namespace grens::plugin {

struct PostgresDecisionLogOptions : LogOptions {
  // libpq connection string or URI of the shared database.
  std::string dsn;
  // This sidecar's chain in the database and its identity in checkpoints;
  // stable across restarts and different for every sidecar.
  std::string origin;
  // Ed25519 PEM key for checkpoints; created (mode 0600) if missing and
  // create_signing_key is set. A chain stays bound to the key it began with.
  std::string signing_key_file;
  bool create_signing_key = false;
  // Longest wait between reconnection attempts while the database is away.
  absl::Duration max_reconnect_backoff = absl::Seconds(2);
};

// Opens this sidecar's chain in a shared PostgreSQL database (schema in
// postgres_schema.h): creates the tables and the chain if missing, takes the
// chain's write lock (FailedPrecondition if another sidecar holds it),
// rebuilds the Merkle tree from the stored leaf hashes and checks it against
// the stored checkpoints (DataLoss naming the size otherwise). Unavailable if
// the database cannot be reached.
//
// A record is acknowledged only after the COMMIT of its group transaction
// returned, with synchronous_commit not off. When the database goes away,
// pending and new appends fail with Unavailable at once; the writer reconnects
// with backoff and, before accepting appends again, reads its chain's tail
// back to learn whether a transaction whose COMMIT answer was lost committed.
// A tail that matches neither outcome (rows it did not write, or acknowledged
// rows missing, as after restoring an old backup) is DataLoss: the log then
// refuses every append until it is reopened.
absl::StatusOr<std::unique_ptr<DecisionLog>> OpenPostgresDecisionLog(const PostgresDecisionLogOptions& options);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POSTGRES_DECISION_LOG_H_

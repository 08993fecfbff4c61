#ifndef GRENS_PLUGIN_LOG_STORE_H_
#define GRENS_PLUGIN_LOG_STORE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grens/v1/audit_log.pb.h"

namespace grens::plugin {

// One stored record as a backend holds it; the views are valid only during
// the visit that receives the row.
struct StoredRow {
  int64_t index = 0;
  absl::string_view body;       // canonical record bytes; empty once pruned
  absl::string_view leaf_hash;  // 32 bytes
  bool pruned = false;
};

// Read access to one decision log chain in some backend (SQLite file,
// PostgreSQL chain): the part of reading that differs between backends.
// LogReader builds verification, summaries and proofs on it, once for all
// backends. External synchronization required (one thread at a time).
class LogStore {
 public:
  using RowVisitor = std::function<absl::Status(const StoredRow&)>;

  virtual ~LogStore() = default;

  // The chain's identity in its checkpoints.
  virtual absl::StatusOr<std::string> Origin() = 0;
  // The chain's checkpoint public key (raw Ed25519).
  virtual absl::StatusOr<std::string> PublicKey() = 0;
  // Number of stored records.
  virtual absl::StatusOr<int64_t> Size() = 0;
  // Stored checkpoints by increasing tree size, origin filled in.
  virtual absl::StatusOr<std::vector<v1::Checkpoint>> Checkpoints() = 0;
  // Visits up to `limit` records matching `filter` with index >= `start`, in
  // index order; stops at the first error `visit` returns.
  virtual absl::Status ListRows(const v1::RecordFilter& filter, int64_t start, int limit,
                                const RowVisitor& visit) = 0;
  // Visits every record in index order from one consistent snapshot. Without
  // `with_bodies`, StoredRow::body is left empty (cheaper for tree rebuilds).
  virtual absl::Status ScanRows(bool with_bodies, const RowVisitor& visit) = 0;
};

// A WHERE condition over the records table's columns (idx, time_ns, kind,
// effect, category, platform, collector, clause_ids) for a RecordFilter, with
// its parameters in order. Shared by the SQL backends so they filter alike.
struct FilterSql {
  std::string conditions;  // "idx >= ? AND ..." (never empty)
  std::vector<std::variant<int64_t, std::string>> params;
};

// `dollar_from` = 0 writes SQLite's "?" placeholders; n > 0 writes PostgreSQL's
// "$n", "$n+1", ... so the caller can bind its own parameters first.
FilterSql RecordFilterSql(const v1::RecordFilter& filter, int64_t start, int dollar_from);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_STORE_H_

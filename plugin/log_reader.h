#ifndef GRENS_PLUGIN_LOG_READER_H_
#define GRENS_PLUGIN_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/log_store.h"
#include "plugin/merkle.h"

namespace grens::plugin {

// What a full verification found.
struct VerifyReport {
  int64_t records = 0;
  int64_t checkpoints = 0;          // stored in the log and checked
  int64_t external_checkpoints = 0;  // the works council's, checked against the log
  absl::Duration elapsed;
};

// Read access to a decision log for the works council's tools and the AuditLog
// service: records with filters, summaries, checkpoints, proofs, and full
// verification, the same for every backend (the backend is a LogStore). Works
// beside a running grensd (readers see committed transactions only). External
// synchronization required (one thread at a time).
class LogReader {
 public:
  // The embedded SQLite log in `data_dir`; NotFound if there is none.
  static absl::StatusOr<std::unique_ptr<LogReader>> Open(const std::string& data_dir);
  // The chain `origin` in the PostgreSQL database at `dsn`; with an empty
  // origin, the database's only chain (InvalidArgument listing them if there
  // are several). NotFound if the chain does not exist.
  static absl::StatusOr<std::unique_ptr<LogReader>> OpenPostgres(const std::string& dsn, const std::string& origin);
  explicit LogReader(std::unique_ptr<LogStore> store) : store_(std::move(store)) {}

  absl::StatusOr<int64_t> Size();
  // The log's checkpoint public key (raw Ed25519).
  absl::StatusOr<std::string> PublicKey();
  absl::StatusOr<std::vector<v1::Checkpoint>> Checkpoints();
  // NotFound when no checkpoint has been signed yet.
  absl::StatusOr<v1::Checkpoint> LatestCheckpoint();

  // Records matching `filter` with index >= `start`, at most `limit`; `next` is
  // the index to continue from, or -1 at the end.
  absl::StatusOr<std::vector<v1::LogRecord>> List(const v1::RecordFilter& filter, int64_t start, int limit,
                                                  int64_t* next);
  // Counts per period and dimensions; cells about fewer than `min_subjects`
  // distinct subjects are withheld (R6, R18).
  absl::StatusOr<v1::SummarizeResponse> Summarize(const v1::SummarizeRequest& request);

  absl::StatusOr<std::vector<Hash>> LeafHashes(int64_t size);

  // Recomputes every leaf hash from the stored record bytes, checks indices,
  // rebuilds the tree, checks each stored checkpoint's root and signature, and
  // checks that the log extends each of `external` (the works council's own
  // checkpoints; `pinned_key`, if not empty, is the key they were signed with).
  // DataLoss naming the first bad record or checkpoint.
  absl::StatusOr<VerifyReport> Verify(const std::vector<v1::Checkpoint>& external, const std::string& pinned_key);

 private:
  std::unique_ptr<LogStore> store_;
};

// For a writer reopening its log: rebuilds the tree from the stored leaf
// hashes, checking that indices are contiguous and that every stored
// checkpoint's root matches. `last_leaf` gets the last leaf hash (if any),
// `last_checkpoint` the size of the last stored checkpoint. DataLoss naming the
// size or index otherwise.
absl::Status RebuildFrontier(LogStore* store, MerkleFrontier* frontier, Hash* last_leaf, int64_t* last_checkpoint);

// The record stored at a row: its body parsed, leaf hash and prune flag set.
absl::StatusOr<v1::LogRecord> ParseStoredRecord(absl::string_view body, absl::string_view leaf_hash, bool pruned,
                                                int64_t index);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_READER_H_

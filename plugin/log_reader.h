#ifndef GRENS_PLUGIN_LOG_READER_H_
#define GRENS_PLUGIN_LOG_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/merkle.h"
#include "plugin/sqlite_util.h"

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
// verification. Works beside a running grensd (SQLite WAL readers see committed
// transactions only). External synchronization required (one thread at a time).
class LogReader {
 public:
  static absl::StatusOr<std::unique_ptr<LogReader>> Open(const std::string& data_dir);

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
  explicit LogReader(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  std::unique_ptr<SqliteDb> db_;
};

// The record stored at a row: its body parsed, leaf hash and prune flag set.
absl::StatusOr<v1::LogRecord> ParseStoredRecord(absl::string_view body, absl::string_view leaf_hash, bool pruned,
                                                int64_t index);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_READER_H_

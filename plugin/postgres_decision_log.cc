// The PostgreSQL decision log: one writer thread per sidecar group-commits
// into the sidecar's own chain of a shared database (schema and ownership
// rules: postgres_schema.h).
//
// Durability: each batch is one transaction: BEGIN, an optional retention
// prune, one COPY of all the batch's rows in binary format, COMMIT; a constant
// number of round trips per batch, not one per record. Callers are told about
// their record only after COMMIT returned; the session never runs with
// synchronous_commit=off, so by then the server has flushed the transaction's
// WAL.
//
// Outage: any failure drops the connection (the server rolls back whatever was
// open) and fails the batch and everything queued with Unavailable; while
// disconnected, Append refuses at once, so no caller waits on a dead database
// and no decision is answered unrecorded. The writer reconnects with
// exponential backoff, takes the chain lock again and reads the chain's tail
// back: the last acknowledged leaf must be there, followed by either nothing
// (the failed transaction rolled back) or exactly the failed batch's leaves
// (its COMMIT succeeded but the answer was lost); those then join the tree.
// Anything else is DataLoss, and the log refuses every append until reopened.

#include "plugin/postgres_decision_log.h"


#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "plugin/checkpoint.h"
#include "plugin/group_commit_log.h"
#include "plugin/decision_record.h"
#include "plugin/log_reader.h"
#include "plugin/merkle.h"
#include "plugin/pg_util.h"
#include "plugin/postgres_log_store.h"
#include "plugin/postgres_schema.h"
#include "plugin/process_log.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

constexpr char kApplicationName[] = "grensd";
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);

using Group = CommitQueue::Group;

const Clock& WallClock() {
  static const SystemClock* const clock = new SystemClock();
  return *clock;
}


class PostgresDecisionLog final : public GroupCommitLog {
 public:
  PostgresDecisionLog(PostgresDecisionLogOptions options, std::unique_ptr<CheckpointSigner> signer,
                      PostgresChain chain, std::unique_ptr<PgConnection> conn, MerkleFrontier frontier, Hash last_leaf,
                      int64_t last_checkpoint)
      : GroupCommitLog(frontier.size(), options.metrics),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &WallClock()),
        chain_(std::move(chain)),
        signer_(std::move(signer)),
        conn_(std::move(conn)),
        frontier_(std::move(frontier)),
        last_leaf_(last_leaf),
        last_checkpoint_size_(last_checkpoint),
        last_checkpoint_time_(clock_->Now()),
        last_prune_check_(clock_->Now()),
        first_unpruned_(chain_.pruned_below) {
    StartWriter([this] { return Run(); });
  }

  ~PostgresDecisionLog() override { (void)Close(); }

 private:
  // The writer loop; returns what Close reports.
  absl::Status Run();
  // Commits `batch` in one transaction and answers it; with prune_through >=
  // 0, first prunes records [first_unpruned_, prune_through] in the same
  // transaction. On failure the connection is dropped and the batch fails.
  absl::Status CommitBatch(std::vector<Group> batch, int64_t prune_through = -1);
  absl::Status WriteCheckpoint();
  absl::Status PruneIfDue();
  absl::StatusOr<int64_t> LastRecordBefore(absl::Time cutoff);
  // Drops the connection and fails `batch` and all queued appends.
  void Disconnect(const absl::Status& cause, std::vector<Group> batch);
  // Reconnects with backoff until it succeeds (true) or the log closes (false).
  bool Reconnect();
  absl::Status ConnectAndResync();
  absl::Status ResyncTail(PgConnection* conn);

  const PostgresDecisionLogOptions options_;
  const Clock* const clock_;
  const PostgresChain chain_;

  // Used by the writer thread only (and the constructor/Close around it).
  std::unique_ptr<CheckpointSigner> signer_;
  std::unique_ptr<PgConnection> conn_;  // null while the database is away
  MerkleFrontier frontier_;             // the acknowledged (or resolved) records
  Hash last_leaf_;
  std::vector<Hash> in_doubt_;  // leaves of the batch whose outcome is unknown
  int64_t last_checkpoint_size_;
  absl::Time last_checkpoint_time_;
  absl::Time last_prune_check_;
  int64_t first_unpruned_;
  absl::Status fatal_;  // set once the tail contradicts the frontier
  // Why the database is away, if it is: what Close reports and what the queue
  // refuses new appends with. Writer thread only, like fatal_.
  absl::Status unavailable_;

  void SetUnavailable(absl::Status refused) {
    unavailable_ = refused;
    queue().SetRefusal(std::move(refused));
  }
};



absl::Status PostgresDecisionLog::Run() {
  while (true) {
    if (conn_ == nullptr && !Reconnect()) break;
    bool closing = false;
    // Wake at least once per checkpoint interval so time-based checkpoints happen.
    std::vector<Group> batch = queue().Take(options_.max_batch, options_.checkpoint_interval, &closing);
    if (!batch.empty()) (void)CommitBatch(std::move(batch));
    const bool due = CheckpointDue(frontier_.size(), last_checkpoint_size_, clock_->Now() - last_checkpoint_time_,
                                   options_.checkpoint_every_records, options_.checkpoint_interval);
    absl::Status upkeep = conn_ != nullptr && due ? WriteCheckpoint() : absl::OkStatus();
    if (upkeep.ok() && conn_ != nullptr) upkeep = PruneIfDue();
    if (!upkeep.ok() && conn_ != nullptr) Disconnect(upkeep, {});
    if (closing) break;
  }
  absl::Status status = absl::OkStatus();
  if (conn_ == nullptr) {
    status = fatal_.ok() ? unavailable_ : fatal_;
  } else if (frontier_.size() > last_checkpoint_size_) {
    status = WriteCheckpoint();
  }
  if (conn_ != nullptr) (void)UnlockPostgresChain(conn_.get(), chain_);  // closing releases it too, later
  conn_.reset();
  queue().Answer(queue().TakeAll(), absl::FailedPreconditionError("the decision log is closed"));
  return status;
}

absl::Status PostgresDecisionLog::CommitBatch(std::vector<Group> batch, int64_t prune_through) {
  const absl::Time now = clock_->Now();
  PgCopyEncoder rows;
  std::vector<Hash> leaves;
  leaves.reserve(static_cast<size_t>(CommitQueue::RecordCount(batch)));
  std::string body;
  for (const Group& group : batch) {
    for (const PreparedRecord& record : group.records) {
      const int64_t index = frontier_.size() + static_cast<int64_t>(leaves.size());
      body.clear();
      AppendCanonicalBytes(record, index, now, &body);
      leaves.push_back(LeafHash(body));
      EncodePostgresRecord(chain_.id, index, record, body, leaves.back(), absl::ToUnixNanos(now), &rows);
    }
  }
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  absl::Status status = conn_->Exec("BEGIN");
  if (status.ok() && prune_through >= 0) {
    status = PrunePostgresRecords(conn_.get(), chain_, first_unpruned_, prune_through);
  }
  if (status.ok()) {
    status = conn_->CopyIn(absl::StrCat("COPY grens_records(", kPostgresRecordColumns, ") FROM STDIN (FORMAT binary)"),
                           rows.Finish());
  }
  if (status.ok()) status = conn_->Exec("COMMIT");
  if (options_.metrics != nullptr) {
    options_.metrics->ObserveCommit(std::chrono::steady_clock::now() - started, static_cast<int64_t>(leaves.size()),
                                    status.ok());
  }
  if (!status.ok()) {
    // Whether COMMIT took effect is unknown until the tail is read back.
    in_doubt_ = std::move(leaves);
    Disconnect(status, std::move(batch));
    return status;
  }
  const int64_t first = frontier_.size();
  for (const Hash& leaf : leaves) frontier_.Append(leaf);
  last_leaf_ = leaves.back();
  set_committed(frontier_.size());
  queue().Answer(std::move(batch), first);
  return absl::OkStatus();
}

absl::Status PostgresDecisionLog::WriteCheckpoint() {
  const absl::Time now = clock_->Now();
  GRENS_ASSIGN_OR_RETURN(v1::Checkpoint c, signer_->Sign(chain_.origin, frontier_.size(), frontier_.Root(), now));
  GRENS_RETURN_IF_ERROR(StorePostgresCheckpoint(conn_.get(), chain_, c, now));
  last_checkpoint_size_ = frontier_.size();
  last_checkpoint_time_ = now;
  return absl::OkStatus();
}

// Record times grow with the index (the writer assigns both), so the records
// older than `cutoff` are a prefix: a binary search by primary key finds its
// end without scanning the retained records. first_unpruned_ - 1 if none.
absl::StatusOr<int64_t> PostgresDecisionLog::LastRecordBefore(absl::Time cutoff) {
  int64_t lo = first_unpruned_, hi = frontier_.size() - 1, found = first_unpruned_ - 1;
  while (lo <= hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    GRENS_ASSIGN_OR_RETURN(PgResult r, conn_->Query("SELECT time_ns FROM grens_records WHERE chain = $1 AND idx = $2",
                                                    {PgInt(chain_.id), PgInt(mid)}));
    if (r.rows() != 1) return absl::DataLossError(absl::StrCat("decision log record ", mid, " is missing"));
    if (r.Int(0, 0) < absl::ToUnixNanos(cutoff)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

// Prunes the records older than the retention period; the prune and the
// LOG_PRUNED record that states it commit in one transaction.
absl::Status PostgresDecisionLog::PruneIfDue() {
  const absl::Time now = clock_->Now();
  if (options_.retention <= absl::ZeroDuration() || now - last_prune_check_ < options_.checkpoint_interval) {
    return absl::OkStatus();
  }
  last_prune_check_ = now;
  GRENS_ASSIGN_OR_RETURN(const int64_t last, LastRecordBefore(now - options_.retention));
  if (last < first_unpruned_) return absl::OkStatus();
  GRENS_RETURN_IF_ERROR(
      CommitBatch(PrunedRecordBatch(first_unpruned_, last, last - first_unpruned_ + 1, now - options_.retention), last));
  first_unpruned_ = last + 1;
  return absl::OkStatus();
}

void PostgresDecisionLog::Disconnect(const absl::Status& cause, std::vector<Group> batch) {
  conn_.reset();
  const absl::Status refused = absl::UnavailableError(absl::StrCat("decision log: ", cause.message()));
  Log(LogLevel::kWarn, "decision log: lost the database; refusing decisions until it is back",
      {{"origin", chain_.origin}, {"error", std::string(cause.message())}});
  SetUnavailable(refused);
  queue().Answer(std::move(batch), refused);
  queue().Answer(queue().TakeAll(), refused);
}

bool PostgresDecisionLog::Reconnect() {
  absl::Duration backoff = kFirstBackoff;
  while (true) {
    const absl::Status status = fatal_.ok() ? ConnectAndResync() : fatal_;
    if (status.ok()) {
      SetUnavailable(absl::OkStatus());
      Log(LogLevel::kInfo, "decision log: the database is back; accepting decisions again",
          {{"origin", chain_.origin}, {"size", absl::StrCat(frontier_.size())}});
      return true;
    }
    if (status.code() == absl::StatusCode::kDataLoss && fatal_.ok()) {
      fatal_ = status;
      Log(LogLevel::kError, "decision log: the database does not continue this sidecar's chain; refusing every decision",
          {{"origin", chain_.origin}, {"error", std::string(status.message())}});
    }
    const absl::Status refused = absl::UnavailableError(absl::StrCat("decision log: ", status.message()));
    SetUnavailable(refused);
    // A fatal log waits only for Close; otherwise retry after the backoff.
    if (queue().AwaitClose(fatal_.ok() ? backoff : absl::InfiniteDuration())) return false;
    backoff = std::min(backoff * 2, options_.max_reconnect_backoff);
  }
}

absl::Status PostgresDecisionLog::ConnectAndResync() {
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(options_.dsn, kApplicationName));
  GRENS_RETURN_IF_ERROR(RequireSynchronousCommit(conn.get()));
  GRENS_RETURN_IF_ERROR(LockPostgresChain(conn.get(), chain_));
  GRENS_RETURN_IF_ERROR(ResyncTail(conn.get()));
  conn_ = std::move(conn);
  return absl::OkStatus();
}

absl::Status PostgresDecisionLog::ResyncTail(PgConnection* conn) {
  GRENS_ASSIGN_OR_RETURN(const PostgresTail tail,
                         ReadPostgresTail(conn, chain_, frontier_.size(), last_leaf_, in_doubt_));
  if (tail.in_doubt_committed && !in_doubt_.empty()) {
    for (const Hash& leaf : in_doubt_) frontier_.Append(leaf);
    last_leaf_ = in_doubt_.back();
    set_committed(frontier_.size());
    Log(LogLevel::kInfo, "decision log: a batch whose commit answer was lost had committed",
        {{"origin", chain_.origin}, {"records", absl::StrCat(in_doubt_.size())}});
  }
  in_doubt_.clear();
  // A prune or a checkpoint may have committed with or after the lost answer.
  first_unpruned_ = tail.pruned_below;
  last_checkpoint_size_ = std::min(tail.last_checkpoint, frontier_.size());
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionLog>> OpenPostgresDecisionLog(const PostgresDecisionLogOptions& options) {
  if (options.dsn.empty()) return absl::InvalidArgumentError("decision_log.postgres_dsn: empty");
  if (options.origin.empty()) return absl::InvalidArgumentError("decision_log.origin: empty");
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointSigner> signer,
                         CheckpointSigner::FromKeyFile(options.signing_key_file, options.create_signing_key));
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(options.dsn, kApplicationName));
  GRENS_RETURN_IF_ERROR(RequireSynchronousCommit(conn.get()));
  GRENS_RETURN_IF_ERROR(EnsurePostgresSchema(conn.get()));
  const Clock& clock = options.clock != nullptr ? *options.clock : WallClock();
  GRENS_ASSIGN_OR_RETURN(PostgresChain chain,
                         RegisterPostgresChain(conn.get(), options.origin, signer->public_key(), clock.Now()));
  GRENS_RETURN_IF_ERROR(LockPostgresChain(conn.get(), chain));
  GRENS_RETURN_IF_ERROR(CheckPostgresChainKey(chain, signer->public_key()));
  MerkleFrontier frontier;
  Hash last_leaf{};
  int64_t last_checkpoint = 0;
  GRENS_RETURN_IF_ERROR(
      RebuildFrontier(PostgresLogStoreOn(conn.get(), chain).get(), &frontier, &last_leaf, &last_checkpoint));
  return std::unique_ptr<DecisionLog>(new PostgresDecisionLog(options, std::move(signer), std::move(chain),
                                                              std::move(conn), std::move(frontier), last_leaf,
                                                              last_checkpoint));
}

}  // namespace grens::plugin

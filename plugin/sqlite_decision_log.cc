// The embedded decision log.
//
// Schema (decisions.db):
//   meta(key TEXT PRIMARY KEY, value BLOB)
//     'schema' = 2, 'origin', 'public_key' (raw Ed25519 key of the checkpoints)
//   records(idx INTEGER PRIMARY KEY,   -- 0-based, contiguous, the Merkle leaf index
//           time_ns INTEGER,            -- commit time, unix nanoseconds
//           kind, effect, category, platform, collector,   -- query columns: copies of
//           clause_ids,                 -- body fields that audit filters select on;
//                                       -- ",1.1,6.1," so LIKE '%,6.1,%' finds a clause
//           body BLOB,                  -- canonical bytes: what the leaf hash covers
//           leaf_hash BLOB NOT NULL,    -- SHA-256(0x00 || body)
//           pruned INTEGER)             -- 1 once log retention removed body and columns
//   Every other field (decision id, pseudonym, revision ...) is read from the
//   body; copying it into columns would only add bytes to every commit. (Logs
//   created before schema 2 also have decision_id, tenant, purpose,
//   subject_pseudonym and policy_revision columns, left NULL from then on.)
//   checkpoints(tree_size INTEGER PRIMARY KEY, root BLOB, time_ns INTEGER,
//               signature BLOB, signed_text TEXT, public_key BLOB)
//
// Durability: one writer thread commits each batch in one transaction. With
// journal_mode=WAL and synchronous=FULL, SQLite fsyncs the WAL before COMMIT
// returns, so a committed batch survives kill -9 and power loss, and a torn
// (uncommitted) tail of the WAL is ignored at the next open. Callers are told
// about their record only after COMMIT returned. The WAL is copied back into
// the database by a passive checkpoint on another connection (WalCheckpointer),
// never inside a COMMIT; a checkpoint only moves committed pages, so it does
// not change what survives a crash. Between batches the writer finishes what
// that checkpoint left (WalCheckpointer::AfterCommit) so that the WAL is
// rewound and overwritten in place instead of growing without bound.

#include "plugin/sqlite_decision_log.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "plugin/checkpoint.h"
#include "plugin/decision_record.h"
#include "plugin/log_reader.h"
#include "plugin/merkle.h"
#include "plugin/process_log.h"
#include "plugin/sqlite_log_store.h"
#include "plugin/sqlite_util.h"
#include "plugin/wal_checkpointer.h"
#include "plugin/group_commit_log.h"

namespace grens::plugin {
namespace {

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value BLOB);
CREATE TABLE IF NOT EXISTS records(
  idx INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, kind INTEGER NOT NULL,
  effect INTEGER, category INTEGER, platform TEXT, collector TEXT, clause_ids TEXT,
  body BLOB, leaf_hash BLOB NOT NULL, pruned INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS checkpoints(
  tree_size INTEGER PRIMARY KEY, root BLOB NOT NULL, time_ns INTEGER NOT NULL,
  signature BLOB NOT NULL, signed_text TEXT NOT NULL, public_key BLOB NOT NULL);
)";

constexpr char kInsert[] =
    "INSERT INTO records(idx, time_ns, kind, effect, category, platform, collector, clause_ids, body, leaf_hash)"
    " VALUES(?,?,?,?,?,?,?,?,?,?)";

using Group = CommitQueue::Group;

class SqliteDecisionLog final : public GroupCommitLog {
 public:
  SqliteDecisionLog(SqliteDecisionLogOptions options, std::unique_ptr<SqliteDb> db,
                    std::unique_ptr<WalCheckpointer> checkpointer, std::unique_ptr<CheckpointSigner> signer,
                    MerkleFrontier frontier, int64_t last_checkpoint)
      : GroupCommitLog(frontier.size(), options.metrics),
        options_(std::move(options)),
        clock_(options_.clock != nullptr ? options_.clock : &system_clock_),
        db_(std::move(db)),
        wal_checkpointer_(std::move(checkpointer)),
        signer_(std::move(signer)),
        frontier_(std::move(frontier)),
        last_checkpoint_size_(last_checkpoint),
        last_checkpoint_time_(clock_->Now()),
        last_prune_check_(clock_->Now()) {
    const int64_t first = FirstUnpruned(db_.get());
    first_unpruned_ = first < 0 ? frontier_.size() : first;
    // Replaces SQLite's automatic checkpoint inside the COMMIT.
    db_->OnWalCommit(&wal_hook_);
    StartWriter([this] { return Run(); });
  }

  ~SqliteDecisionLog() override { (void)Close(); }

 private:
  // The writer loop; returns what Close reports.
  absl::Status Run();
  // Commits `batch` in one transaction and answers it; with prune_through >=
  // 0, first prunes records [first_unpruned_, prune_through] in the same
  // transaction.
  absl::Status CommitBatch(std::vector<Group> batch, int64_t prune_through = -1);
  absl::Status WriteCheckpoint();
  absl::Status PruneIfDue();
  static int64_t FirstUnpruned(SqliteDb* db);

  SystemClock system_clock_;
  const SqliteDecisionLogOptions options_;
  const Clock* const clock_;

  // Used by the writer thread only (and the constructor/Close around it).
  std::unique_ptr<SqliteDb> db_;
  std::unique_ptr<WalCheckpointer> wal_checkpointer_;
  std::function<void(int)> wal_hook_ = [this](int frames) { wal_checkpointer_->Notify(frames); };
  std::unique_ptr<CheckpointSigner> signer_;
  MerkleFrontier frontier_;
  int64_t last_checkpoint_size_;
  absl::Time last_checkpoint_time_;
  absl::Time last_prune_check_;
  int64_t first_unpruned_ = 0;  // records below this index are pruned
};



absl::Status SqliteDecisionLog::Run() {
  absl::Status status;
  // Log the first failure and the recovery, not every batch.
  bool failing = false;
  bool checkpoint_failing = false;
  while (true) {
    bool closing = false;
    // Wake at least once per checkpoint interval so time-based checkpoints happen.
    std::vector<Group> batch = queue().Take(options_.max_batch, options_.checkpoint_interval, &closing);
    if (!batch.empty()) {
      absl::Status committed = CommitBatch(std::move(batch));
      if (!committed.ok()) status = committed;
      if (!committed.ok() && !failing) {
        Log(LogLevel::kError, "decision log commit failed; calls are refused until it commits again",
            {{"error", std::string(committed.message())}});
      } else if (committed.ok() && failing) {
        Log(LogLevel::kInfo, "decision log commits again", {{"size", absl::StrCat(frontier_.size())}});
      }
      failing = !committed.ok();
      // After the batch is answered, so that no caller waits for the copy.
      wal_checkpointer_->AfterCommit(db_.get());
    }
    if (CheckpointDue(frontier_.size(), last_checkpoint_size_, clock_->Now() - last_checkpoint_time_,
                      options_.checkpoint_every_records, options_.checkpoint_interval)) {
      absl::Status signed_ok = WriteCheckpoint();
      if (!signed_ok.ok()) status = signed_ok;
      if (!signed_ok.ok() && !checkpoint_failing) {
        Log(LogLevel::kError, "cannot write a checkpoint", {{"error", std::string(signed_ok.message())}});
      }
      checkpoint_failing = !signed_ok.ok();
    }
    absl::Status pruned = PruneIfDue();
    if (!pruned.ok()) status = pruned;
    if (closing) break;
  }
  if (frontier_.size() > last_checkpoint_size_) {
    absl::Status final_checkpoint = WriteCheckpoint();
    if (!final_checkpoint.ok()) status = final_checkpoint;
  }
  // The checkpointer's connection goes first, so that closing the writer's
  // (the last) copies the whole WAL back and removes it.
  wal_checkpointer_.reset();
  db_.reset();
  return status;
}

absl::Status SqliteDecisionLog::CommitBatch(std::vector<Group> batch, int64_t prune_through) {
  const auto started = std::chrono::steady_clock::now();
  const MerkleFrontier saved = frontier_;
  absl::Status status = db_->Exec("BEGIN IMMEDIATE");
  if (status.ok() && prune_through >= 0) {
    SqliteStatement* prune = db_->Prepared(
        "UPDATE records SET body = NULL, effect = NULL, category = NULL, platform = NULL, collector = NULL,"
        " clause_ids = NULL, pruned = 1 WHERE idx >= ? AND idx <= ?");
    if (prune == nullptr) {
      status = db_->LastError("prepare prune");
    } else {
      prune->Reset();
      prune->BindInt(1, first_unpruned_);
      prune->BindInt(2, prune_through);
      status = prune->StepDone();
    }
  }
  SqliteStatement* insert = status.ok() ? db_->Prepared(kInsert) : nullptr;
  if (status.ok() && insert == nullptr) status = db_->LastError("prepare insert");
  const absl::Time now = clock_->Now();
  const int64_t now_ns = absl::ToUnixNanos(now);
  std::string body;
  const int64_t first = frontier_.size();
  for (const Group& group : batch) {
    for (const PreparedRecord& r : group.records) {
      if (!status.ok()) break;
      const int64_t index = frontier_.size();
      body.clear();
      AppendCanonicalBytes(r, index, now, &body);
      const Hash leaf = LeafHash(body);
      insert->Reset();
      insert->BindInt(1, index);
      insert->BindInt(2, now_ns);
      insert->BindInt(3, r.kind);
      insert->BindInt(4, r.effect);
      insert->BindInt(5, r.category);
      insert->BindTextNoCopy(6, r.platform);
      insert->BindTextNoCopy(7, r.collector);
      insert->BindTextNoCopy(8, r.clause_ids);
      insert->BindBlobNoCopy(9, body);
      insert->BindBlobNoCopy(10, absl::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size()));
      status = insert->StepDone();
      if (status.ok()) frontier_.Append(leaf);
    }
  }
  if (status.ok()) status = db_->Exec("COMMIT");
  if (options_.metrics != nullptr) {
    options_.metrics->ObserveCommit(std::chrono::steady_clock::now() - started, CommitQueue::RecordCount(batch),
                                    status.ok());
  }
  if (!status.ok()) {
    (void)db_->Exec("ROLLBACK");
    frontier_ = saved;
    queue().Answer(std::move(batch), absl::UnavailableError(absl::StrCat("decision log: ", status.message())));
    return status;
  }
  set_committed(frontier_.size());
  queue().Answer(std::move(batch), first);
  return absl::OkStatus();
}


absl::Status SqliteDecisionLog::WriteCheckpoint() {
  const absl::Time now = clock_->Now();
  absl::StatusOr<v1::Checkpoint> c = signer_->Sign(options_.origin, frontier_.size(), frontier_.Root(), now);
  if (!c.ok()) return c.status();
  SqliteStatement* insert = db_->Prepared(
      "INSERT OR REPLACE INTO checkpoints(tree_size, root, time_ns, signature, signed_text, public_key)"
      " VALUES(?,?,?,?,?,?)");
  if (insert == nullptr) return db_->LastError("prepare checkpoint");
  insert->Reset();
  insert->BindInt(1, c->tree_size());
  insert->BindBlob(2, c->root_hash());
  insert->BindInt(3, absl::ToUnixNanos(now));
  insert->BindBlob(4, c->signature());
  insert->BindText(5, c->signed_text());
  insert->BindBlob(6, c->public_key());
  absl::Status status = insert->StepDone();
  if (!status.ok()) return status;
  last_checkpoint_size_ = frontier_.size();
  last_checkpoint_time_ = now;
  return absl::OkStatus();
}

int64_t SqliteDecisionLog::FirstUnpruned(SqliteDb* db) {
  SqliteStatement* s = db->Prepared("SELECT COALESCE(MIN(idx), -1) FROM records WHERE pruned = 0");
  if (s == nullptr) return 0;
  s->Reset();
  const int64_t first = s->StepRow() ? s->ColumnInt(0) : 0;
  s->Reset();
  return first;
}

// Prunes the records older than the retention period: they keep index, time
// and leaf hash, and lose their body and every attribute column. Record times
// grow with the index (the writer assigns both), so the records to prune are
// a prefix starting at first_unpruned_. The prune and the LOG_PRUNED record
// that states it commit in one transaction.
absl::Status SqliteDecisionLog::PruneIfDue() {
  const absl::Time now = clock_->Now();
  if (options_.retention <= absl::ZeroDuration() || now - last_prune_check_ < options_.checkpoint_interval) {
    return absl::OkStatus();
  }
  last_prune_check_ = now;
  const int64_t cutoff_ns = absl::ToUnixNanos(now - options_.retention);
  SqliteStatement* find = db_->Prepared(
      "SELECT COALESCE(MAX(idx), -1), COUNT(*) FROM records WHERE idx >= ? AND pruned = 0 AND time_ns < ?");
  if (find == nullptr) return db_->LastError("prepare prune");
  find->Reset();
  find->BindInt(1, first_unpruned_);
  find->BindInt(2, cutoff_ns);
  if (!find->StepRow()) return find->status();
  const int64_t last = find->ColumnInt(0);
  const int64_t count = find->ColumnInt(1);
  find->Reset();
  if (last < 0 || count == 0) return absl::OkStatus();
  GRENS_RETURN_IF_ERROR(CommitBatch(PrunedRecordBatch(first_unpruned_, last, count, now - options_.retention), last));
  first_unpruned_ = last + 1;
  return absl::OkStatus();
}

}  // namespace

std::string DecisionLogPath(const std::string& data_dir) { return data_dir + "/decisions.db"; }

absl::StatusOr<std::unique_ptr<DecisionLog>> OpenSqliteDecisionLog(const SqliteDecisionLogOptions& options) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("decision log: no data directory");
  if (::mkdir(options.data_dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(options.data_dir, ": cannot create the data directory"));
  }
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(DecisionLogPath(options.data_dir), false));
  GRENS_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  GRENS_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  // After a burst the WAL file is cut back to this when it is rewound, rather
  // than keeping its largest size on disk.
  GRENS_RETURN_IF_ERROR(db->Exec("PRAGMA journal_size_limit=16777216"));
  GRENS_RETURN_IF_ERROR(db->Exec(kSchema));
  const std::string key_file =
      options.signing_key_file.empty() ? options.data_dir + "/checkpoint.key" : options.signing_key_file;
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<CheckpointSigner> signer,
                         CheckpointSigner::FromKeyFile(key_file, options.signing_key_file.empty()));
  GRENS_RETURN_IF_ERROR(db->SetMeta("schema", "2"));
  GRENS_RETURN_IF_ERROR(db->SetMeta("origin", options.origin));
  GRENS_RETURN_IF_ERROR(db->SetMeta("public_key", signer->public_key()));
  MerkleFrontier frontier;
  int64_t last_checkpoint = 0;
  Hash last_leaf;  // the SQLite writer does not need it
  GRENS_RETURN_IF_ERROR(RebuildFrontier(SqliteLogStoreOn(db.get()).get(), &frontier, &last_leaf, &last_checkpoint));
  // SQLite's own threshold (1000 pages) by default, but copied back off the commit path.
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<WalCheckpointer> checkpointer,
                         WalCheckpointer::Start(DecisionLogPath(options.data_dir), options.wal_checkpoint_pages));
  return std::unique_ptr<DecisionLog>(new SqliteDecisionLog(options, std::move(db), std::move(checkpointer),
                                                            std::move(signer), std::move(frontier), last_checkpoint));
}

}  // namespace grens::plugin

#include "plugin/wal_checkpointer.h"

#include <pthread.h>

#include <utility>

#include "plugin/process_log.h"

namespace grens::plugin {
namespace {

// The writer finishes the copy (and so rewinds the WAL) at this many thresholds.
constexpr int kRewindAt = 4;

// Logs the first of a run of failed checkpoints and remembers, in `*failing`,
// whether this one failed.
void Report(const absl::Status& status, bool* failing) {
  if (!status.ok() && !*failing) {
    Log(LogLevel::kWarn, "decision log: WAL checkpoint failed; the WAL grows until one succeeds",
        {{"error", std::string(status.message())}});
  }
  *failing = !status.ok();
}

}  // namespace

absl::StatusOr<std::unique_ptr<WalCheckpointer>> WalCheckpointer::Start(const std::string& path,
                                                                        int threshold_frames) {
  absl::StatusOr<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path, false);
  if (!db.ok()) return db.status();
  // A connection that has read nothing yet has not opened the WAL, and SQLite
  // answers its checkpoints with "not in WAL mode" (-1 frames) and copies
  // nothing; one read opens the WAL for good.
  absl::Status opened = (*db)->Exec("SELECT count(*) FROM sqlite_master");
  if (!opened.ok()) return opened;
  return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(std::move(*db), threshold_frames));
}

WalCheckpointer::WalCheckpointer(std::unique_ptr<SqliteDb> db, int threshold_frames)
    : threshold_frames_(threshold_frames), db_(std::move(db)), thread_([this] {
        pthread_setname_np(pthread_self(), "grens-wal");
        Run();
      }) {}

WalCheckpointer::~WalCheckpointer() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void WalCheckpointer::Notify(int frames) {
  frames_ = frames;
  if (frames < requested_at_frames_) requested_at_frames_ = 0;  // the WAL was rewound
  if (frames < threshold_frames_ || frames - requested_at_frames_ < threshold_frames_ / 4) return;
  requested_at_frames_ = frames;
  absl::MutexLock lock(&mu_);
  wanted_ = true;
}

void WalCheckpointer::AfterCommit(SqliteDb* writer) {
  if (frames_ < kRewindAt * threshold_frames_) return;
  absl::MutexLock run(&run_mu_);
  Report(writer->CheckpointWal(), &writer_copy_failing_);
}

void WalCheckpointer::Run() {
  bool failing = false;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](WalCheckpointer* c) ABSL_EXCLUSIVE_LOCKS_REQUIRED(c->mu_) { return c->wanted_ || c->stopping_; }, this));
      if (stopping_) break;
      wanted_ = false;
    }
    // PASSIVE: copies what no reader still needs, never waits for the writer;
    // SQLite rewinds the WAL at the writer's next transaction once all of it
    // is copied. A failure only lets the WAL grow: it is logged, not fatal.
    absl::MutexLock run(&run_mu_);
    Report(db_->CheckpointWal(), &failing);
  }
  db_.reset();
}

}  // namespace grens::plugin

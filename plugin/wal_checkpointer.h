#ifndef GRENS_PLUGIN_WAL_CHECKPOINTER_H_
#define GRENS_PLUGIN_WAL_CHECKPOINTER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "plugin/sqlite_util.h"

namespace grens::plugin {

// Copies the decision log's WAL back into the database file on a thread and
// connection of its own. SQLite would otherwise checkpoint inside the COMMIT
// that crosses its threshold, and that COMMIT (with every caller waiting on
// it) would also pay for writing and fsyncing the database file. Passive
// checkpoints never wait for the writer; the writer waits for a round in
// progress only in AfterCommit, once per rewind.
//
// The background alone cannot be relied on to let the WAL be rewound under
// steady load: SQLite rewinds it only at a write transaction that finds
// every frame copied, and a round usually ends behind the writer, which
// committed again meanwhile, so the WAL grows until a round happens to catch
// up. A growing WAL makes every commit append to it, and an fdatasync that
// appends must also commit the file's new size: 253 µs median on the
// benchmark VM against 125 µs for one that overwrites (bench/README.md).
// (With nothing copied at all, as before Start opened the WAL, it grew
// ~34 MB/s at 16 calls in flight.) So the writer calls AfterCommit, which,
// once the WAL reaches four times the threshold, copies the little the
// background has not on the writer's own connection between its
// transactions; the next transaction rewinds the WAL, which from then on
// stays under four times the threshold and is overwritten in place. (At
// twice the threshold the writer copied more itself: BM_DurableAppend 352
// against 238 ms per 100,000 records.)
// Safe for concurrent use.
class WalCheckpointer {
 public:
  // Opens its own connection to `path`. The writer's connection should turn
  // SQLite's automatic checkpoints off and call Notify with the WAL's size.
  static absl::StatusOr<std::unique_ptr<WalCheckpointer>> Start(const std::string& path, int threshold_frames);
  // Stops the thread and closes its connection.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  // The WAL holds `frames` pages after a commit; starts a round once that
  // reaches the threshold and again every quarter threshold after. Cheap:
  // called from the writer (one thread) after every commit.
  void Notify(int frames);
  // Called by the writer between its transactions, on its own connection
  // `writer`: once the WAL (as last given to Notify) holds four times the
  // threshold, waits for a background round in progress and then finishes the
  // copy, so that the writer's next transaction rewinds the WAL. Readers are
  // not waited for: one still reading an old snapshot only postpones the
  // rewind. A failure is logged (once until a copy succeeds again), not
  // returned: it only lets the WAL grow.
  void AfterCommit(SqliteDb* writer);

 private:
  WalCheckpointer(std::unique_ptr<SqliteDb> db, int threshold_frames);
  void Run();

  const int threshold_frames_;
  // Used by the writer only (Notify and AfterCommit). The WAL's size after the
  // last commit, and at the last round Notify asked for: Notify asks again
  // only a quarter threshold later, since each round costs two fsyncs (the
  // WAL's and the database file's) however little it copies.
  int frames_ = 0;
  int requested_at_frames_ = 0;
  bool writer_copy_failing_ = false;
  std::unique_ptr<SqliteDb> db_;  // used by the thread only
  // Held by whichever of the thread and AfterCommit is checkpointing; SQLite
  // would make the other return at once with nothing done.
  absl::Mutex run_mu_;

  absl::Mutex mu_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_WAL_CHECKPOINTER_H_

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
// checkpoints never wait for the writer, so the writer never waits for them.
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

  // The WAL holds `frames` pages after a commit; checkpoints once that
  // reaches the threshold. Cheap: called from the writer after every commit.
  void Notify(int frames);

 private:
  WalCheckpointer(std::unique_ptr<SqliteDb> db, int threshold_frames);
  void Run();

  const int threshold_frames_;
  std::unique_ptr<SqliteDb> db_;  // used by the thread only

  absl::Mutex mu_;
  bool wanted_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_WAL_CHECKPOINTER_H_

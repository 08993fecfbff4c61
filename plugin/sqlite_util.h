#ifndef GRENS_PLUGIN_SQLITE_UTIL_H_
#define GRENS_PLUGIN_SQLITE_UTIL_H_

// Thin RAII wrappers over the SQLite C API that report errors as absl::Status,
// and the decision log's shared read queries.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "policy/status_macros.h"

struct sqlite3;
struct sqlite3_stmt;

namespace grens::plugin {

// A prepared statement. External synchronization required (one thread at a time).
class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  void Reset();
  void BindInt(int index, int64_t value);
  // Copies `value`.
  void BindText(int index, absl::string_view value);
  void BindBlob(int index, absl::string_view value);
  // Do not copy: `value` must stay valid until the statement has been stepped
  // for the last time with this binding (the log writer's hot path, where the
  // batch outlives its transaction).
  void BindTextNoCopy(int index, absl::string_view value);
  void BindBlobNoCopy(int index, absl::string_view value);
  // Runs a statement that returns no rows.
  absl::Status StepDone();
  // Advances to the next row: true with a row, false at the end or on error (see status()).
  bool StepRow();
  const absl::Status& status() const { return status_; }
  int64_t ColumnInt(int column) const;
  // Text or blob bytes of the current row; valid until the next step.
  absl::string_view ColumnBytes(int column) const;
  bool ColumnIsNull(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  absl::Status status_;
};

// An open database connection with a cache of prepared statements. External
// synchronization required (one thread at a time).
class SqliteDb {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool read_only);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  absl::Status Exec(const std::string& sql);
  // A cached prepared statement for `sql`; null on error (see LastError).
  SqliteStatement* Prepared(const std::string& sql);
  // A new statement the caller owns; errors name the SQL.
  absl::StatusOr<std::unique_ptr<SqliteStatement>> Prepare(const std::string& sql);
  absl::Status LastError(absl::string_view what) const;
  absl::Status SetMeta(const std::string& key, absl::string_view value);
  absl::StatusOr<std::string> GetMeta(const std::string& key);
  const std::string& path() const { return path_; }
  // Calls `hook` with the WAL's size in frames after every commit of this
  // connection (sqlite3_wal_hook). `hook` must outlive the connection.
  void OnWalCommit(std::function<void(int frames)>* hook);
  // A passive WAL checkpoint on this connection: copies what no reader still
  // needs and waits for nobody (another connection's checkpoint in progress
  // is not an error: nothing is copied).
  absl::Status CheckpointWal();

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::map<std::string, std::unique_ptr<SqliteStatement>> cache_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_SQLITE_UTIL_H_

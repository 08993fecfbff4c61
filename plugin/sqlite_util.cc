#include "plugin/sqlite_util.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"

namespace grens::plugin {

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  status_ = absl::OkStatus();
}

void SqliteStatement::BindInt(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void SqliteStatement::BindText(int index, absl::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::BindBlob(int index, absl::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}

void SqliteStatement::BindTextNoCopy(int index, absl::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}

void SqliteStatement::BindBlobNoCopy(int index, absl::string_view value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
}

absl::Status SqliteStatement::StepDone() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_DONE) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat("sqlite: ", sqlite3_errmsg(db_)));
}

bool SqliteStatement::StepRow() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) status_ = absl::DataLossError(absl::StrCat("sqlite: ", sqlite3_errmsg(db_)));
  return false;
}

int64_t SqliteStatement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

absl::string_view SqliteStatement::ColumnBytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? absl::string_view() : absl::string_view(static_cast<const char*>(data), size);
}

bool SqliteStatement::ColumnIsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

absl::StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool read_only) {
  sqlite3* db = nullptr;
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = absl::StrCat(path, ": ", db != nullptr ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return rc == SQLITE_CANTOPEN ? absl::NotFoundError(message) : absl::UnavailableError(message);
  }
  sqlite3_busy_timeout(db, 5000);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db, path));
}

SqliteDb::~SqliteDb() {
  cache_.clear();
  sqlite3_close(db_);
}

void SqliteDb::OnWalCommit(std::function<void(int frames)>* hook) {
  sqlite3_wal_hook(
      db_,
      +[](void* arg, sqlite3*, const char*, int frames) {
        (*static_cast<std::function<void(int)>*>(arg))(frames);
        return SQLITE_OK;
      },
      hook);
}

absl::Status SqliteDb::CheckpointWal() {
  const int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) return LastError("WAL checkpoint");
  return absl::OkStatus();
}

absl::Status SqliteDb::Exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) == SQLITE_OK) return absl::OkStatus();
  absl::Status status = absl::UnavailableError(absl::StrCat(path_, ": ", error != nullptr ? error : "sqlite error"));
  sqlite3_free(error);
  return status;
}

absl::StatusOr<std::unique_ptr<SqliteStatement>> SqliteDb::Prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return LastError(absl::StrCat("prepare '", sql, "'"));
  }
  return std::make_unique<SqliteStatement>(db_, stmt);
}

SqliteStatement* SqliteDb::Prepared(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return it->second.get();
  absl::StatusOr<std::unique_ptr<SqliteStatement>> stmt = Prepare(sql);
  if (!stmt.ok()) return nullptr;
  return cache_.emplace(sql, std::move(*stmt)).first->second.get();
}

absl::Status SqliteDb::LastError(absl::string_view what) const {
  return absl::UnavailableError(absl::StrCat(path_, ": ", what, ": ", sqlite3_errmsg(db_)));
}

absl::Status SqliteDb::SetMeta(const std::string& key, absl::string_view value) {
  SqliteStatement* s = Prepared("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  if (s == nullptr) return LastError("prepare meta");
  s->Reset();
  s->BindText(1, key);
  s->BindBlob(2, value);
  return s->StepDone();
}

absl::StatusOr<std::string> SqliteDb::GetMeta(const std::string& key) {
  SqliteStatement* s = Prepared("SELECT value FROM meta WHERE key = ?");
  if (s == nullptr) return LastError("prepare meta");
  s->Reset();
  s->BindText(1, key);
  if (!s->StepRow()) return absl::NotFoundError(absl::StrCat(path_, ": no '", key, "' in meta"));
  std::string value(s->ColumnBytes(0));
  // A cached statement left on a row keeps its read transaction open, and an
  // open transaction makes every WAL checkpoint on this connection fail
  // (SQLITE_LOCKED) and holds back the WAL's rewind for all others.
  s->Reset();
  return value;
}

}  // namespace grens::plugin

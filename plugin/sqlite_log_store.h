#ifndef GRENS_PLUGIN_SQLITE_LOG_STORE_H_
#define GRENS_PLUGIN_SQLITE_LOG_STORE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "plugin/log_store.h"

namespace grens::plugin {

// Read access to the embedded decision log in `data_dir` (decisions.db, the
// schema in sqlite_decision_log.cc). Works beside a running grensd: SQLite WAL
// readers see committed transactions only. NotFound when there is no log.
absl::StatusOr<std::unique_ptr<LogStore>> OpenSqliteLogStore(const std::string& data_dir);

class SqliteDb;
// A store over a connection the caller keeps open (the writer's own, to
// rebuild the tree at start-up); `db` must outlive it.
std::unique_ptr<LogStore> SqliteLogStoreOn(SqliteDb* db);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_SQLITE_LOG_STORE_H_

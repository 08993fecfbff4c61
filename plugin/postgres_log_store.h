#ifndef GRENS_PLUGIN_POSTGRES_LOG_STORE_H_
#define GRENS_PLUGIN_POSTGRES_LOG_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "plugin/log_store.h"
#include "plugin/pg_util.h"
#include "plugin/postgres_schema.h"

namespace grens::plugin {

// Read access to the chain `origin` (empty: the database's only chain) in the
// PostgreSQL database at `dsn` (schema in postgres_schema.h). The store owns
// its connection and opens a new one when the server went away in between.
absl::StatusOr<std::unique_ptr<LogStore>> OpenPostgresLogStore(const std::string& dsn, const std::string& origin);

// A store over `chain` on a borrowed connection, which must outlive it (a
// writer rebuilding its tree at start-up).
std::unique_ptr<LogStore> PostgresLogStoreOn(PgConnection* conn, PostgresChain chain);

// Every chain in the database at `dsn`.
absl::StatusOr<std::vector<PostgresChainSummary>> ListPostgresChains(const std::string& dsn);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POSTGRES_LOG_STORE_H_

#include "plugin/postgres_log_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

constexpr int kFetchRows = 10000;

// The LogStore of one chain in a PostgreSQL database. Either owns its
// connection (and replaces it when it broke) or borrows a writer's. External
// synchronization required.
class PostgresLogStore final : public LogStore {
 public:
  PostgresLogStore(std::string dsn, std::unique_ptr<PgConnection> conn, PostgresChain chain)
      : dsn_(std::move(dsn)), owned_(std::move(conn)), conn_(owned_.get()), chain_(std::move(chain)) {}
  PostgresLogStore(PgConnection* conn, PostgresChain chain) : conn_(conn), chain_(std::move(chain)) {}

  absl::StatusOr<std::string> Origin() override { return chain_.origin; }
  absl::StatusOr<std::string> PublicKey() override { return chain_.public_key; }

  absl::StatusOr<int64_t> Size() override {
    GRENS_ASSIGN_OR_RETURN(PgConnection * conn, Connection());
    GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT COUNT(*) FROM grens_records WHERE chain = $1",
                                                   {PgInt(chain_.id)}));
    return r.Int(0, 0);
  }

  absl::StatusOr<std::vector<v1::Checkpoint>> Checkpoints() override {
    GRENS_ASSIGN_OR_RETURN(PgConnection * conn, Connection());
    GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT tree_size, root, time_ns, signature, signed_text, public_key"
                                                   " FROM grens_checkpoints WHERE chain = $1 ORDER BY tree_size",
                                                   {PgInt(chain_.id)}));
    std::vector<v1::Checkpoint> out;
    for (int i = 0; i < r.rows(); ++i) {
      v1::Checkpoint c;
      c.set_origin(chain_.origin);
      c.set_tree_size(r.Int(i, 0));
      c.set_root_hash(std::string(r.Bytes(i, 1)));
      c.mutable_time()->set_seconds(r.Int(i, 2) / 1000000000);
      c.set_signature(std::string(r.Bytes(i, 3)));
      c.set_signed_text(std::string(r.Bytes(i, 4)));
      c.set_public_key(std::string(r.Bytes(i, 5)));
      out.push_back(std::move(c));
    }
    return out;
  }

  absl::Status ListRows(const v1::RecordFilter& filter, int64_t start, int limit, const RowVisitor& visit) override {
    GRENS_ASSIGN_OR_RETURN(PgConnection * conn, Connection());
    const FilterSql where = RecordFilterSql(filter, start, 2);
    std::vector<PgParam> params = {PgInt(chain_.id)};
    for (const auto& p : where.params) {
      params.push_back(std::holds_alternative<int64_t>(p) ? PgInt(std::get<int64_t>(p)) : PgText(std::get<std::string>(p)));
    }
    GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query(absl::StrCat("SELECT idx, body, leaf_hash, pruned FROM grens_records"
                                                                " WHERE chain = $1 AND ", where.conditions,
                                                                " ORDER BY idx LIMIT ", limit),
                                                   params));
    return Visit(r, visit);
  }

  // A cursor in one read-only REPEATABLE READ transaction: one snapshot, read
  // in pages so a long chain never sits in memory at once.
  absl::Status ScanRows(bool with_bodies, const RowVisitor& visit) override {
    GRENS_ASSIGN_OR_RETURN(PgConnection * conn, Connection());
    GRENS_RETURN_IF_ERROR(conn->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    absl::Status status = conn->Exec(absl::StrCat("DECLARE grens_scan NO SCROLL CURSOR FOR SELECT idx, ",
                                                  with_bodies ? "body" : "NULL::bytea",
                                                  ", leaf_hash, pruned FROM grens_records WHERE chain = ", chain_.id,
                                                  " ORDER BY idx"));
    while (status.ok()) {
      absl::StatusOr<PgResult> page = conn->Query(absl::StrCat("FETCH ", kFetchRows, " FROM grens_scan"));
      if (!page.ok()) {
        status = page.status();
        break;
      }
      status = Visit(*page, visit);
      if (page->rows() < kFetchRows) break;
    }
    // Read only, so ending it either way is the same; it also drops the cursor.
    absl::Status ended = conn->Exec("ROLLBACK");
    return status.ok() ? ended : status;
  }

 private:
  // An owned connection is checked with a trivial query first: after a server
  // restart it looks healthy until used, and a scan must not fail half-way
  // (or be retried after visiting rows). Audit reads are rare; the round trip is cheap.
  absl::StatusOr<PgConnection*> Connection() {
    if (owned_ != nullptr && (!owned_->healthy() || !owned_->Exec("SELECT 1").ok())) {
      GRENS_ASSIGN_OR_RETURN(owned_, PgConnection::Open(dsn_, "grens-reader"));
      conn_ = owned_.get();
    }
    return conn_;
  }

  static absl::Status Visit(const PgResult& r, const RowVisitor& visit) {
    StoredRow row;
    for (int i = 0; i < r.rows(); ++i) {
      row.index = r.Int(i, 0);
      row.body = r.Bytes(i, 1);
      row.leaf_hash = r.Bytes(i, 2);
      row.pruned = r.Int(i, 3) != 0;
      GRENS_RETURN_IF_ERROR(visit(row));
    }
    return absl::OkStatus();
  }

  const std::string dsn_;
  std::unique_ptr<PgConnection> owned_;
  PgConnection* conn_;
  const PostgresChain chain_;
};

absl::StatusOr<std::unique_ptr<PgConnection>> OpenWithLog(const std::string& dsn) {
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, PgConnection::Open(dsn, "grens-reader"));
  GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT to_regclass('grens_chains') IS NOT NULL"));
  if (r.Int(0, 0) == 0) return absl::NotFoundError("no grens decision log in this database");
  return conn;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LogStore>> OpenPostgresLogStore(const std::string& dsn, const std::string& origin) {
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, OpenWithLog(dsn));
  GRENS_ASSIGN_OR_RETURN(PostgresChain chain, FindPostgresChain(conn.get(), origin));
  return std::unique_ptr<LogStore>(new PostgresLogStore(dsn, std::move(conn), std::move(chain)));
}

std::unique_ptr<LogStore> PostgresLogStoreOn(PgConnection* conn, PostgresChain chain) {
  return std::make_unique<PostgresLogStore>(conn, std::move(chain));
}

absl::StatusOr<std::vector<PostgresChainSummary>> ListPostgresChains(const std::string& dsn) {
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, OpenWithLog(dsn));
  return ListPostgresChains(conn.get());
}

}  // namespace grens::plugin

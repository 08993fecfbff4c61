#include "plugin/sqlite_log_store.h"

#include <unistd.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugin/sqlite_decision_log.h"
#include "plugin/sqlite_util.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

// The LogStore of one SQLite decisions.db. External synchronization required.
class SqliteLogStore final : public LogStore {
 public:
  explicit SqliteLogStore(std::unique_ptr<SqliteDb> db) : owned_(std::move(db)), db_(owned_.get()) {}
  // Borrows `db`, which must outlive the store.
  explicit SqliteLogStore(SqliteDb* db) : db_(db) {}

  absl::StatusOr<std::string> Origin() override { return db_->GetMeta("origin"); }
  absl::StatusOr<std::string> PublicKey() override { return db_->GetMeta("public_key"); }

  absl::StatusOr<int64_t> Size() override {
    GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT COUNT(*) FROM records"));
    if (!s->StepRow()) return s->status();
    return s->ColumnInt(0);
  }

  absl::StatusOr<std::vector<v1::Checkpoint>> Checkpoints() override {
    GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT tree_size, root, time_ns, signature, signed_text, public_key"
                                                " FROM checkpoints ORDER BY tree_size"));
    std::vector<v1::Checkpoint> out;
    absl::StatusOr<std::string> origin = Origin();
    while (s->StepRow()) {
      v1::Checkpoint c;
      c.set_origin(origin.ok() ? *origin : "");
      c.set_tree_size(s->ColumnInt(0));
      c.set_root_hash(std::string(s->ColumnBytes(1)));
      c.mutable_time()->set_seconds(s->ColumnInt(2) / 1000000000);
      c.set_signature(std::string(s->ColumnBytes(3)));
      c.set_signed_text(std::string(s->ColumnBytes(4)));
      c.set_public_key(std::string(s->ColumnBytes(5)));
      out.push_back(std::move(c));
    }
    GRENS_RETURN_IF_ERROR(s->status());
    return out;
  }

  absl::Status ListRows(const v1::RecordFilter& filter, int64_t start, int limit, const RowVisitor& visit) override {
    const FilterSql where = RecordFilterSql(filter, start, 0);
    GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare(absl::StrCat("SELECT idx, body, leaf_hash, pruned FROM records WHERE ",
                                                             where.conditions, " ORDER BY idx LIMIT ", limit)));
    for (size_t i = 0; i < where.params.size(); ++i) {
      if (const int64_t* n = std::get_if<int64_t>(&where.params[i])) {
        s->BindInt(static_cast<int>(i + 1), *n);
      } else {
        s->BindText(static_cast<int>(i + 1), std::get<std::string>(where.params[i]));
      }
    }
    return Visit(s.get(), true, visit);
  }

  absl::Status ScanRows(bool with_bodies, const RowVisitor& visit) override {
    // One statement is one read transaction, so the scan sees one snapshot.
    GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare(with_bodies ? "SELECT idx, body, leaf_hash, pruned FROM records ORDER BY idx"
                                                            : "SELECT idx, NULL, leaf_hash, pruned FROM records ORDER BY idx"));
    return Visit(s.get(), with_bodies, visit);
  }

 private:
  static absl::Status Visit(SqliteStatement* s, bool with_bodies, const RowVisitor& visit) {
    StoredRow row;
    while (s->StepRow()) {
      row.index = s->ColumnInt(0);
      row.body = with_bodies ? s->ColumnBytes(1) : absl::string_view();
      row.leaf_hash = s->ColumnBytes(2);
      row.pruned = s->ColumnInt(3) != 0;
      GRENS_RETURN_IF_ERROR(visit(row));
    }
    return s->status();
  }

  std::unique_ptr<SqliteDb> owned_;  // null when borrowed
  SqliteDb* const db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<LogStore>> OpenSqliteLogStore(const std::string& data_dir) {
  const std::string path = DecisionLogPath(data_dir);
  if (::access(path.c_str(), F_OK) != 0) return absl::NotFoundError(absl::StrCat(path, ": no decision log here"));
  // Opened read-write (never written) so SQLite can use the WAL index of a log
  // whose writer is running or has stopped.
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, false));
  return std::unique_ptr<LogStore>(new SqliteLogStore(std::move(db)));
}

std::unique_ptr<LogStore> SqliteLogStoreOn(SqliteDb* db) { return std::make_unique<SqliteLogStore>(db); }

}  // namespace grens::plugin

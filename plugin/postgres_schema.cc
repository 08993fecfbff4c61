#include "plugin/postgres_schema.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

// First key of grens's advisory locks ("grns"); the second is 0 for schema
// changes and the chain id for a writer's ownership of its chain.
constexpr int64_t kLockSpace = 0x67726e73;

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS grens_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS grens_chains(
  chain INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY, origin TEXT NOT NULL UNIQUE,
  public_key BYTEA NOT NULL, created_ns BIGINT NOT NULL, pruned_below BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS grens_records(
  chain INTEGER NOT NULL, idx BIGINT NOT NULL CHECK (idx >= 0), time_ns BIGINT NOT NULL, kind INTEGER NOT NULL,
  decision_id TEXT, effect INTEGER, category INTEGER, platform TEXT, tenant TEXT, collector TEXT, purpose TEXT,
  clause_ids TEXT, subject_pseudonym TEXT, policy_revision TEXT, body BYTEA, leaf_hash BYTEA NOT NULL,
  pruned BOOLEAN NOT NULL DEFAULT false, PRIMARY KEY (chain, idx));
CREATE TABLE IF NOT EXISTS grens_checkpoints(
  chain INTEGER NOT NULL, tree_size BIGINT NOT NULL, root BYTEA NOT NULL, time_ns BIGINT NOT NULL,
  signature BYTEA NOT NULL, signed_text TEXT NOT NULL, public_key BYTEA NOT NULL, PRIMARY KEY (chain, tree_size));
INSERT INTO grens_meta(key, value) VALUES ('schema', '1') ON CONFLICT (key) DO NOTHING;
)";

PostgresChain ChainFromRow(const PgResult& r, int row) {
  PostgresChain c;
  c.id = static_cast<int32_t>(r.Int(row, 0));
  c.origin = std::string(r.Bytes(row, 1));
  c.public_key = std::string(r.Bytes(row, 2));
  c.pruned_below = r.Int(row, 3);
  return c;
}

}  // namespace

absl::Status EnsurePostgresSchema(PgConnection* conn) {
  GRENS_ASSIGN_OR_RETURN(PgResult encoding, conn->Query("SELECT current_setting('server_encoding')"));
  if (encoding.Bytes(0, 0) != "UTF8") {
    return absl::FailedPreconditionError(absl::StrCat("decision_log.postgres_dsn: the database's encoding is ",
                                                      encoding.Bytes(0, 0), "; the decision log needs UTF8"));
  }
  absl::Status status = conn->Exec("BEGIN");
  if (status.ok()) status = conn->Query("SELECT pg_advisory_xact_lock($1, 0)", {PgInt(kLockSpace)}).status();
  if (status.ok()) status = conn->Exec(kSchema);
  if (status.ok()) status = conn->Exec("COMMIT");
  if (!status.ok()) {
    (void)conn->Exec("ROLLBACK");
    return status;
  }
  GRENS_ASSIGN_OR_RETURN(PgResult version, conn->Query("SELECT value FROM grens_meta WHERE key = 'schema'"));
  if (version.rows() != 1 || version.Bytes(0, 0) != "1") {
    return absl::FailedPreconditionError("decision_log.postgres_dsn: the database holds another grens schema version");
  }
  return absl::OkStatus();
}

absl::Status RequireSynchronousCommit(PgConnection* conn) {
  return conn
      ->Query("SELECT set_config('synchronous_commit', CASE current_setting('synchronous_commit')"
              " WHEN 'off' THEN 'on' ELSE current_setting('synchronous_commit') END, false)")
      .status();
}

absl::StatusOr<PostgresChain> RegisterPostgresChain(PgConnection* conn, const std::string& origin,
                                                    const std::string& public_key, absl::Time now) {
  GRENS_RETURN_IF_ERROR(conn->Query("INSERT INTO grens_chains(origin, public_key, created_ns) VALUES ($1, $2, $3)"
                                    " ON CONFLICT (origin) DO NOTHING",
                                    {PgText(origin), PgBytes(public_key), PgInt(absl::ToUnixNanos(now))})
                            .status());
  GRENS_ASSIGN_OR_RETURN(PostgresChain chain, FindPostgresChain(conn, origin));
  if (chain.public_key != public_key) {
    return absl::FailedPreconditionError(absl::StrCat(
        "decision_log.origin: the chain '", origin,
        "' in the database is signed with another checkpoint key; is another sidecar using this origin? "
        "(a new key needs a new origin)"));
  }
  return chain;
}

absl::StatusOr<PostgresChain> FindPostgresChain(PgConnection* conn, const std::string& origin) {
  GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT chain, origin, public_key, pruned_below FROM grens_chains"
                                                 " WHERE origin = $1 OR $1 = '' ORDER BY origin",
                                                 {PgText(origin)}));
  if (r.rows() == 1) return ChainFromRow(r, 0);
  std::vector<std::string> origins;
  if (r.rows() > 1) {
    for (int i = 0; i < r.rows(); ++i) origins.emplace_back(r.Bytes(i, 1));
    return absl::InvalidArgumentError(
        absl::StrCat("the database holds several decision logs; choose one with --origin: ", absl::StrJoin(origins, ", ")));
  }
  GRENS_ASSIGN_OR_RETURN(std::vector<PostgresChainSummary> all, ListPostgresChains(conn));
  for (const PostgresChainSummary& c : all) origins.push_back(c.origin);
  return absl::NotFoundError(absl::StrCat("no decision log '", origin, "' in the database (there are: ",
                                          origins.empty() ? "none" : absl::StrJoin(origins, ", "), ")"));
}

absl::StatusOr<std::vector<PostgresChainSummary>> ListPostgresChains(PgConnection* conn) {
  GRENS_ASSIGN_OR_RETURN(
      PgResult r, conn->Query("SELECT c.origin,"
                              " (SELECT COUNT(*) FROM grens_records r WHERE r.chain = c.chain),"
                              " (SELECT COALESCE(MAX(tree_size), 0) FROM grens_checkpoints k WHERE k.chain = c.chain)"
                              " FROM grens_chains c ORDER BY c.origin"));
  std::vector<PostgresChainSummary> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back({std::string(r.Bytes(i, 0)), r.Int(i, 1), r.Int(i, 2)});
  return out;
}

absl::Status LockPostgresChain(PgConnection* conn, const PostgresChain& chain) {
  GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT pg_try_advisory_lock($1, $2)",
                                                 {PgInt(kLockSpace), PgInt(chain.id)}));
  if (r.Int(0, 0) != 1) {
    return absl::FailedPreconditionError(absl::StrCat("decision_log.origin: the chain '", chain.origin,
                                                      "' is being written by another sidecar; give each its own origin"));
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

#include "plugin/postgres_schema.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/json.h"
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
  effect INTEGER, category INTEGER, platform TEXT, collector TEXT, clause_ids TEXT, body BYTEA, leaf_hash BYTEA NOT NULL,
  pruned BOOLEAN NOT NULL DEFAULT false, PRIMARY KEY (chain, idx));
CREATE TABLE IF NOT EXISTS grens_checkpoints(
  chain INTEGER NOT NULL, tree_size BIGINT NOT NULL, root BYTEA NOT NULL, time_ns BIGINT NOT NULL,
  signature BYTEA NOT NULL, signed_text TEXT NOT NULL, public_key BYTEA NOT NULL, PRIMARY KEY (chain, tree_size));
INSERT INTO grens_meta(key, value) VALUES ('schema', '1') ON CONFLICT (key) DO NOTHING;
)";

// PostgreSQL text must be UTF-8 without NUL bytes. The text columns are query
// copies of body fields (the body is what the leaf hash covers), so a stray
// byte becomes '?' instead of failing every record of the batch.
std::string SafeText(absl::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    bool ok = n > 0 && c != 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
    if (ok) {
      out.append(s.data() + i, n);
      i += n;
    } else {
      out.push_back('?');
      ++i;
    }
  }
  return out;
}

// Serialised by a transaction-scoped advisory lock, so that sidecars starting
// together do not race on CREATE TABLE IF NOT EXISTS.
absl::Status CreateTables(PgConnection* conn) {
  absl::Status status = conn->Exec("BEGIN");
  if (status.ok()) status = conn->Query("SELECT pg_advisory_xact_lock($1, 0)", {PgInt(kLockSpace)}).status();
  if (status.ok()) status = conn->Exec(kSchema);
  if (status.ok()) status = conn->Exec("COMMIT");
  if (!status.ok()) (void)conn->Exec("ROLLBACK");
  return status;
}

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
  // With the tables in place, no DDL: grensd may run as a role that can only
  // read, insert and update them (a DBA created them).
  GRENS_ASSIGN_OR_RETURN(PgResult present, conn->Query("SELECT to_regclass('grens_meta') IS NOT NULL AND"
                                                       " to_regclass('grens_chains') IS NOT NULL AND"
                                                       " to_regclass('grens_records') IS NOT NULL AND"
                                                       " to_regclass('grens_checkpoints') IS NOT NULL"));
  if (present.Int(0, 0) == 0) GRENS_RETURN_IF_ERROR(CreateTables(conn));
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
  return FindPostgresChain(conn, origin);
}

absl::Status CheckPostgresChainKey(const PostgresChain& chain, const std::string& public_key) {
  if (chain.public_key == public_key) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "decision_log.origin: the chain '", chain.origin,
      "' in the database is signed with another checkpoint key; is another sidecar using this origin? "
      "(a new key needs a new origin)"));
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

absl::Status UnlockPostgresChain(PgConnection* conn, const PostgresChain& chain) {
  return conn->Query("SELECT pg_advisory_unlock($1, $2)", {PgInt(kLockSpace), PgInt(chain.id)}).status();
}

void EncodePostgresRecord(int32_t chain, int64_t index, const PreparedRecord& r, const std::string& body,
                          const Hash& leaf, int64_t time_ns, PgCopyEncoder* out) {
  out->BeginRow(11);
  out->Int4(chain);
  out->Int8(index);
  out->Int8(time_ns);
  out->Int4(r.kind);
  out->Int4(r.effect);
  out->Int4(r.category);
  for (const std::string* text : {&r.platform, &r.collector, &r.clause_ids}) {
    // Almost always valid already: copied only when a byte must become '?'.
    const bool clean = adapters::ValidUtf8Prefix(*text) == text->size() && text->find('\0') == std::string::npos;
    if (clean) {
      out->Bytes(*text);
    } else {
      out->Bytes(SafeText(*text));
    }
  }
  out->Bytes(body);
  out->Bytes(absl::string_view(reinterpret_cast<const char*>(leaf.data()), leaf.size()));
}

absl::Status PrunePostgresRecords(PgConnection* conn, const PostgresChain& chain, int64_t from, int64_t through) {
  GRENS_RETURN_IF_ERROR(conn->Query("UPDATE grens_records SET body = NULL, effect = NULL, category = NULL,"
                                    " platform = NULL, collector = NULL, clause_ids = NULL, pruned = true"
                                    " WHERE chain = $1 AND idx >= $2 AND idx <= $3",
                                    {PgInt(chain.id), PgInt(from), PgInt(through)})
                            .status());
  return conn->Query("UPDATE grens_chains SET pruned_below = $2 WHERE chain = $1", {PgInt(chain.id), PgInt(through + 1)})
      .status();
}

absl::Status StorePostgresCheckpoint(PgConnection* conn, const PostgresChain& chain, const v1::Checkpoint& c,
                                     absl::Time time) {
  return conn
      ->Query("INSERT INTO grens_checkpoints(chain, tree_size, root, time_ns, signature, signed_text, public_key)"
              " VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (chain, tree_size) DO NOTHING",
              {PgInt(chain.id), PgInt(c.tree_size()), PgBytes(c.root_hash()), PgInt(absl::ToUnixNanos(time)),
               PgBytes(c.signature()), PgText(c.signed_text()), PgBytes(c.public_key())})
      .status();
}

absl::StatusOr<PostgresTail> ReadPostgresTail(PgConnection* conn, const PostgresChain& chain, int64_t acknowledged,
                                              const Hash& last_leaf, const std::vector<Hash>& in_doubt) {
  GRENS_ASSIGN_OR_RETURN(PgResult r, conn->Query("SELECT idx, leaf_hash FROM grens_records WHERE chain = $1 AND idx >= $2"
                                                 " ORDER BY idx LIMIT $3",
                                                 {PgInt(chain.id), PgInt(std::max<int64_t>(acknowledged - 1, 0)),
                                                  PgInt(static_cast<int64_t>(in_doubt.size()) + 2)}));
  int row = 0;
  if (acknowledged > 0) {
    if (r.rows() == 0 || r.Int(0, 0) != acknowledged - 1 || r.Bytes(0, 1) != HashToBytes(last_leaf)) {
      return absl::DataLossError(absl::StrCat("chain '", chain.origin, "': record ", acknowledged - 1,
                                              " as this sidecar committed it is gone (an older backup restored?)"));
    }
    row = 1;
  }
  const int extra = r.rows() - row;
  bool matches = extra == 0 || extra == static_cast<int>(in_doubt.size());
  for (int i = 0; matches && i < extra; ++i) {
    matches = r.Int(row + i, 0) == acknowledged + i && r.Bytes(row + i, 1) == HashToBytes(in_doubt[i]);
  }
  if (!matches) {
    return absl::DataLossError(absl::StrCat("chain '", chain.origin, "' holds records from index ", acknowledged,
                                            " that this sidecar did not write"));
  }
  GRENS_ASSIGN_OR_RETURN(PgResult state, conn->Query("SELECT pruned_below, (SELECT COALESCE(MAX(tree_size), 0)"
                                                     " FROM grens_checkpoints WHERE chain = $1)"
                                                     " FROM grens_chains WHERE chain = $1",
                                                     {PgInt(chain.id)}));
  if (state.rows() != 1) return absl::DataLossError(absl::StrCat("chain '", chain.origin, "' is gone"));
  PostgresTail tail;
  tail.in_doubt_committed = extra > 0;
  tail.pruned_below = state.Int(0, 0);
  tail.last_checkpoint = state.Int(0, 1);
  return tail;
}

}  // namespace grens::plugin

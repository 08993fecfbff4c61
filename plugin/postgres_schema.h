#ifndef GRENS_PLUGIN_POSTGRES_SCHEMA_H_
#define GRENS_PLUGIN_POSTGRES_SCHEMA_H_

// The decision log's tables in a shared PostgreSQL database. Many sidecars
// write to one database; each owns one chain (its origin), with its own
// indices from 0, its own Merkle tree and its own signed checkpoints. Records
// and leaf hashes are exactly those of the SQLite backend, so one verifier
// serves both.
//
//   grens_meta(key TEXT PRIMARY KEY, value TEXT)        'schema' = '1'
//   grens_chains(chain INTEGER IDENTITY PRIMARY KEY,
//                origin TEXT UNIQUE,                    -- the sidecar's log identity
//                public_key BYTEA,                      -- raw Ed25519 key of its checkpoints
//                created_ns BIGINT,
//                pruned_below BIGINT)                   -- records below this index are pruned
//   grens_records(chain INTEGER, idx BIGINT,            -- PRIMARY KEY (chain, idx); idx is the
//                                                       -- 0-based, contiguous Merkle leaf index
//                 time_ns BIGINT,                       -- commit time, unix nanoseconds
//                 kind, decision_id, effect, category, platform, tenant, collector, purpose,
//                 clause_ids,                           -- ",1.1,6.1," so LIKE '%,6.1,%' finds a clause
//                 subject_pseudonym, policy_revision,   -- query columns (copies of body fields)
//                 body BYTEA,                           -- canonical bytes: what the leaf hash covers
//                 leaf_hash BYTEA NOT NULL,             -- SHA-256(0x00 || body)
//                 pruned BOOLEAN)                       -- true once retention removed body and columns
//   grens_checkpoints(chain INTEGER, tree_size BIGINT,  -- PRIMARY KEY (chain, tree_size)
//                     root BYTEA, time_ns BIGINT, signature BYTEA, signed_text TEXT,
//                     public_key BYTEA)
//
// Ownership: a writer holds a session advisory lock on its chain for as long
// as its connection lives, so a second sidecar configured with the same origin
// is refused instead of forking the chain; and a chain stays bound to the
// checkpoint key it was created with.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/decision_record.h"
#include "plugin/merkle.h"
#include "plugin/pg_util.h"

namespace grens::plugin {

// One sidecar's chain in the shared database. Plain data.
struct PostgresChain {
  int32_t id = 0;
  std::string origin;
  std::string public_key;
  int64_t pruned_below = 0;
};

// A chain's size and latest checkpoint, for listings. Plain data.
struct PostgresChainSummary {
  std::string origin;
  int64_t records = 0;
  int64_t checkpointed = 0;  // size of the latest checkpoint
};

// The columns a writer copies into grens_records, in COPY order.
inline constexpr char kPostgresRecordColumns[] =
    "chain, idx, time_ns, kind, effect, category, platform, collector, clause_ids, body, leaf_hash";

// Creates the tables if any is missing (serialised between sidecars starting
// together). FailedPrecondition if the database is not UTF8 or holds another
// schema version.
absl::Status EnsurePostgresSchema(PgConnection* conn);

// Makes sure this session does not run with synchronous_commit=off (every
// other setting flushes the WAL locally before COMMIT returns).
absl::Status RequireSynchronousCommit(PgConnection* conn);

// The chain `origin`, created bound to `public_key` if it does not exist yet.
// The caller checks the key it is bound to (after LockPostgresChain).
absl::StatusOr<PostgresChain> RegisterPostgresChain(PgConnection* conn, const std::string& origin,
                                                    const std::string& public_key, absl::Time now);

// The existing chain `origin`; with an empty origin, the only chain.
// NotFound, or InvalidArgument when several chains exist, naming them.
absl::StatusOr<PostgresChain> FindPostgresChain(PgConnection* conn, const std::string& origin);

// Every chain in the database, by origin.
absl::StatusOr<std::vector<PostgresChainSummary>> ListPostgresChains(PgConnection* conn);

// Takes this session's exclusive write lock on `chain` (released when the
// connection closes). FailedPrecondition if another session holds it.
absl::Status LockPostgresChain(PgConnection* conn, const PostgresChain& chain);

// Releases the lock before the connection closes. Closing alone releases it
// only once the server's backend has noticed, which can be after a sidecar
// restarting at once (or the next test) asks for it and is refused.
absl::Status UnlockPostgresChain(PgConnection* conn, const PostgresChain& chain);

// OK if `chain` is bound to `public_key`, else FailedPrecondition.
absl::Status CheckPostgresChainKey(const PostgresChain& chain, const std::string& public_key);

// Appends one grens_records row (kPostgresRecordColumns order) for `record`
// stamped with `index`, stored with `body` (its canonical bytes), `leaf` and
// `time_ns`. Text columns are made valid for PostgreSQL (UTF-8, no NUL; a bad
// byte becomes '?'): they are query copies of body fields, and the body is
// what the leaf hash covers.
void EncodePostgresRecord(int32_t chain, int64_t index, const PreparedRecord& record, const std::string& body,
                          const Hash& leaf, int64_t time_ns, PgCopyEncoder* out);

// In the writer's open transaction: removes body and attribute columns of
// records [from, through] (leaf hashes stay) and moves pruned_below past them.
absl::Status PrunePostgresRecords(PgConnection* conn, const PostgresChain& chain, int64_t from, int64_t through);

// Stores a signed checkpoint made at `time`. A retry after a lost answer may
// find one of that size stored already; either is valid, the first stays.
absl::Status StorePostgresCheckpoint(PgConnection* conn, const PostgresChain& chain, const v1::Checkpoint& checkpoint,
                                     absl::Time time);

// What a writer learns by reading its chain's tail back after a lost
// connection. Plain data.
struct PostgresTail {
  bool in_doubt_committed = false;  // the batch whose outcome was unknown is stored
  int64_t pruned_below = 0;
  int64_t last_checkpoint = 0;      // size of the latest stored checkpoint
};

// Reads the tail of `chain` after the writer acknowledged `acknowledged`
// records ending in `last_leaf` and then lost a batch of `in_doubt` leaves.
// The tail must hold that last leaf, followed by nothing (the batch rolled
// back) or by exactly the batch (it committed but the answer was lost);
// anything else is DataLoss naming the index.
absl::StatusOr<PostgresTail> ReadPostgresTail(PgConnection* conn, const PostgresChain& chain, int64_t acknowledged,
                                              const Hash& last_leaf, const std::vector<Hash>& in_doubt);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POSTGRES_SCHEMA_H_

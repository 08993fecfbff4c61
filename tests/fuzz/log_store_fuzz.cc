// The decision log read back from disk, with every stored byte in the
// fuzzer's hands: the rows of a real decisions.db (bodies, leaf hashes, prune
// flags, index gaps, signed checkpoints honest or forged) are replaced per
// input, and then everything that reads them runs: LogReader::Verify (with and
// without the works council's checkpoints), List and Summarize under the
// auditor's filter (also fuzzed), leaf hashes and proofs, and the writer's own
// Rebuild when grensd reopens the log. The threat is an employer who edits the
// database; the tools must report it, never crash on it.
//
// Input script (tests/fuzz/README.md has a seed generator):
//   u8 n, n bytes     a grens.v1.SummarizeRequest (binary): the auditor's query
//   u8 flags          bit 0: reopen the log as grensd does; bit 1: check the
//                     log's own checkpoints as the council's, with a pinned key
//   per record, until the input ends (at most kMaxRecords):
//     u8 how, u8 variant, u16 length, length bytes (see Row below)

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/checkpoint.h"
#include "plugin/decision_record.h"
#include "plugin/log_reader.h"
#include "plugin/merkle.h"
#include "plugin/sqlite_decision_log.h"
#include "plugin/sqlite_util.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::ByteReader;
using grens::fuzzing::Check;
using grens::plugin::Hash;

constexpr int kMaxRecords = 64;

// Bits of a record's `how` byte.
enum : uint8_t {
  kLeafMode = 0x03,         // 0 honest, 1 forged bytes, 2 wrong length, 3 the previous leaf
  kPruned = 0x04,           // body and columns removed, as log retention does
  kIndexGap = 0x08,         // the index skips `variant % 4 + 1`
  kCheckpoint = 0x10,       // a signed checkpoint of the tree so far
  kForgedCheckpoint = 0x20, // a signed checkpoint whose root is not the tree's
  kTemplate = 0x40,         // body = a real record of this index, then the bytes
  kOddTime = 0x80,          // an extreme time_ns column
};

struct Log {
  std::string dir;
  std::unique_ptr<grens::plugin::SqliteDb> db;               // the fuzzer's writer
  std::unique_ptr<grens::plugin::CheckpointSigner> signer;  // the log's own key
  std::unique_ptr<grens::plugin::LogReader> reader;
};

Log& TheLog() {
  static Log* log = [] {
    auto* l = new Log();
    l->dir = grens::fuzzing::ScratchPath("log");
    grens::plugin::SqliteDecisionLogOptions options;
    options.data_dir = l->dir;
    auto created = grens::plugin::OpenSqliteDecisionLog(options);  // schema, meta and key
    Check(created.ok() && (*created)->Close().ok(), "cannot create the decision log");
    auto db = grens::plugin::SqliteDb::Open(grens::plugin::DecisionLogPath(l->dir), false);
    auto signer = grens::plugin::CheckpointSigner::FromKeyFile(l->dir + "/checkpoint.key", false);
    auto reader = grens::plugin::LogReader::Open(l->dir);
    Check(db.ok() && signer.ok() && reader.ok(), "cannot open the decision log");
    l->db = std::move(*db);
    l->signer = std::move(*signer);
    l->reader = std::move(*reader);
    // Per-input rewrites need no durability; the reader still sees each commit.
    Check(l->db->Exec("PRAGMA synchronous=OFF").ok(), "pragma");
    return l;
  }();
  return *log;
}

// A record the writer could have stored at `index`.
std::string TemplateBody(int64_t index, uint8_t variant) {
  static constexpr const char* kPlatforms[] = {"teams", "zoom", "slack", ""};
  grens::v1::LogRecord r;
  r.set_index(index);
  r.mutable_time()->set_seconds(1773133200 + index * 3600 * (variant % 5));
  r.set_kind(variant & 0x80 ? grens::v1::RECORD_KIND_POLICY_ACTIVATED : grens::v1::RECORD_KIND_DECISION);
  r.set_effect(static_cast<grens::v1::Effect>(variant % 4));
  r.set_category(static_cast<grens::v1::Category>(variant % 24));
  r.set_platform(kPlatforms[variant % 4]);
  r.set_collector(variant & 0x40 ? "archive" : "teams-presence");
  if (variant & 1) r.add_clause_ids("1.1");
  if (variant & 2) r.add_clause_ids("6.1");
  r.set_subject_pseudonym(absl::StrCat("p", variant % 7));
  return grens::plugin::CanonicalBytes(r);
}

struct Row {
  int64_t index = 0;
  int64_t time_ns = 0;
  std::string body;
  std::string leaf;
  bool pruned = false;
};

absl::Status Insert(grens::plugin::SqliteDb* db, const Row& row) {
  grens::v1::LogRecord r;
  const bool readable = !row.pruned && r.ParseFromString(row.body);
  const std::string clauses = r.clause_ids().empty() ? "" : absl::StrCat(",", absl::StrJoin(r.clause_ids(), ","), ",");
  grens::plugin::SqliteStatement* s = db->Prepared(
      "INSERT INTO records(idx, time_ns, kind, effect, category, platform, collector, clause_ids,"
      " subject_pseudonym, body, leaf_hash, pruned) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
  if (s == nullptr) return db->LastError("prepare");
  s->Reset();
  s->BindInt(1, row.index);
  s->BindInt(2, row.time_ns);
  s->BindInt(3, readable ? r.kind() : 0);
  s->BindInt(4, r.effect());
  s->BindInt(5, r.category());
  s->BindText(6, r.platform());
  s->BindText(7, r.collector());
  s->BindText(8, clauses);
  s->BindText(9, r.subject_pseudonym());
  if (!row.pruned) s->BindBlob(10, row.body);
  s->BindBlob(11, row.leaf);
  s->BindInt(12, row.pruned ? 1 : 0);
  return s->StepDone();
}

absl::Status InsertCheckpoint(Log& log, int64_t size, const Hash& root) {
  const absl::Time time = absl::FromUnixSeconds(1773133200 + size);
  absl::StatusOr<grens::v1::Checkpoint> c = log.signer->Sign("grens", size, root, time);
  if (!c.ok()) return c.status();
  grens::plugin::SqliteStatement* s = log.db->Prepared(
      "INSERT OR REPLACE INTO checkpoints(tree_size, root, time_ns, signature, signed_text, public_key)"
      " VALUES(?,?,?,?,?,?)");
  if (s == nullptr) return log.db->LastError("prepare");
  s->Reset();
  s->BindInt(1, c->tree_size());
  s->BindBlob(2, c->root_hash());
  s->BindInt(3, absl::ToUnixNanos(time));
  s->BindBlob(4, c->signature());
  s->BindText(5, c->signed_text());
  s->BindBlob(6, c->public_key());
  return s->StepDone();
}

// Replaces the log's rows with the input's; the number of records written.
int64_t WriteRows(Log& log, ByteReader* in) {
  Check(log.db->Exec("BEGIN; DELETE FROM records; DELETE FROM checkpoints").ok(), "begin");
  std::vector<Hash> leaves;
  std::string previous_leaf(32, '\0');
  int64_t index = 0;
  for (int n = 0; n < kMaxRecords && !in->empty(); ++n) {
    const uint8_t how = in->Byte();
    const uint8_t variant = in->Byte();
    const absl::string_view bytes = in->Bytes(in->U16());
    if (how & kIndexGap) index += variant % 4 + 1;
    Row row;
    row.index = index;
    row.time_ns = how & kOddTime ? (variant & 1 ? INT64_MAX : INT64_MIN) : (1773133200 + index) * 1000000000;
    row.body = how & kTemplate ? TemplateBody(index, variant) + std::string(bytes) : std::string(bytes);
    row.pruned = how & kPruned;
    const std::string honest = grens::plugin::HashToBytes(grens::plugin::LeafHash(row.body));
    switch (how & kLeafMode) {
      case 0: row.leaf = honest; break;
      case 1: row.leaf = std::string(bytes.substr(0, 32)) + std::string(32 - std::min<size_t>(32, bytes.size()), 'x'); break;
      case 2: row.leaf = honest.substr(0, variant % 32); break;
      default: row.leaf = previous_leaf; break;
    }
    previous_leaf = row.leaf;
    if (!Insert(log.db.get(), row).ok()) continue;  // e.g. a repeated index
    absl::StatusOr<Hash> leaf = grens::plugin::HashFromBytes(row.leaf);
    leaves.push_back(leaf.ok() ? *leaf : grens::plugin::EmptyRoot());
    ++index;
    const int64_t size = static_cast<int64_t>(leaves.size());
    if (how & kCheckpoint) (void)InsertCheckpoint(log, size, grens::plugin::SubtreeRoot(leaves, 0, size));
    if (how & kForgedCheckpoint) (void)InsertCheckpoint(log, size + variant % 3, grens::plugin::SubtreeRoot(leaves, 0, size / 2));
  }
  Check(log.db->Exec("COMMIT").ok(), "commit");
  return static_cast<int64_t>(leaves.size());
}

void Query(grens::plugin::LogReader* reader, const grens::v1::SummarizeRequest& request, int64_t records) {
  int64_t next = 0;
  for (int pages = 0; next >= 0 && pages < 8; ++pages) {
    auto page = reader->List(request.filter(), next, 7, &next);
    if (!page.ok()) break;
  }
  (void)reader->Summarize(request);
  (void)reader->Size();
  (void)reader->LatestCheckpoint();
  auto leaves = reader->LeafHashes(records);
  if (!leaves.ok()) return;
  for (int64_t i = 0; i < records; i += 1 + records / 4) {
    (void)grens::plugin::InclusionProof(*leaves, i, records);
    (void)grens::plugin::ConsistencyProof(*leaves, i, records);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Log& log = TheLog();
  ByteReader in(grens::fuzzing::AsText(data, size));
  grens::v1::SummarizeRequest request;
  (void)request.ParseFromString(std::string(in.Bytes(in.Byte())));
  const uint8_t flags = in.Byte();
  const int64_t records = WriteRows(log, &in);

  absl::StatusOr<grens::plugin::VerifyReport> own = log.reader->Verify({}, "");
  if (!own.ok()) Check(own.status().code() == absl::StatusCode::kDataLoss, "a failed verification that is not DataLoss");
  if (flags & 2) {
    auto checkpoints = log.reader->Checkpoints();
    if (checkpoints.ok()) (void)log.reader->Verify(*checkpoints, log.signer->public_key());
  }
  Query(log.reader.get(), request, records);
  if (flags & 1) {
    grens::plugin::SqliteDecisionLogOptions options;
    options.data_dir = log.dir;
    options.checkpoint_every_records = 1 << 30;  // reopening must not write a checkpoint
    auto reopened = grens::plugin::OpenSqliteDecisionLog(options);
    if (reopened.ok()) (void)(*reopened)->Close();
  }
  return 0;
}

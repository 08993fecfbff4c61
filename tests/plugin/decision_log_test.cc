// The SQLite decision log: durable appends with indices, restart continuing the
// same tree, signed checkpoints, and tampering caught by verification and by
// the log itself at the next open, naming the place.

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/checkpoint.h"
#include "plugin/decision_record.h"
#include "plugin/log_reader.h"
#include "plugin/sqlite_decision_log.h"
#include "tests/support/grensd_process.h"
#include "tests/support/log_testing.h"

namespace grens::plugin {
namespace {

using ::grens::testing::FakeClock;
using ::grens::testing::SampleDecision;
using ::grens::testing::TempDir;
using ::testing::HasSubstr;

class DecisionLogTest : public ::testing::Test {
 protected:
  SqliteDecisionLogOptions Options() {
    SqliteDecisionLogOptions o;
    o.data_dir = dir_.path() + "/data";
    o.checkpoint_every_records = 4;
    o.clock = &clock_;
    return o;
  }
  // Writes `n` records through a log that is then closed (final checkpoint).
  void Fill(int n) {
    auto log = OpenSqliteDecisionLog(Options());
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  absl::Status VerifyLog(const std::vector<v1::Checkpoint>& external = {}, const std::string& pinned = "") {
    auto reader = LogReader::Open(dir_.path() + "/data");
    if (!reader.ok()) return reader.status();
    return (*reader)->Verify(external, pinned).status();
  }
  void Sql(const std::string& statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(DecisionLogPath(dir_.path() + "/data").c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, statement.c_str(), nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
  std::vector<v1::Checkpoint> Checkpoints() {
    auto reader = LogReader::Open(dir_.path() + "/data");
    EXPECT_TRUE(reader.ok());
    return *(*reader)->Checkpoints();
  }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1773133200)};
};

TEST_F(DecisionLogTest, AppendsGetConsecutiveIndicesAndSurviveRestart) {
  Fill(10);
  auto log = OpenSqliteDecisionLog(Options());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 10);
  auto index = (*log)->AppendAndWait(SampleDecision(10));
  ASSERT_TRUE(index.ok());
  EXPECT_EQ(*index, 10);
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_TRUE(VerifyLog().ok());
  auto reader = LogReader::Open(dir_.path() + "/data");
  int64_t next;
  auto records = (*reader)->List(v1::RecordFilter(), 0, 100, &next);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 11u);
  EXPECT_EQ((*records)[10].decision_id(), "d10");
  EXPECT_EQ((*records)[10].time().seconds(), 1773133200);
}

TEST_F(DecisionLogTest, CheckpointsAreSignedEveryNRecordsAndAtClose) {
  Fill(10);
  const std::vector<v1::Checkpoint> checkpoints = Checkpoints();
  ASSERT_EQ(checkpoints.size(), 3u);  // after 4, 8, and the final 10
  EXPECT_EQ(checkpoints[0].tree_size(), 4);
  EXPECT_EQ(checkpoints[2].tree_size(), 10);
  for (const v1::Checkpoint& c : checkpoints) EXPECT_TRUE(VerifyCheckpoint(c, "").ok());
  v1::Checkpoint forged = checkpoints[2];
  forged.set_signed_text(absl::StrCat(forged.signed_text(), "x"));
  EXPECT_FALSE(VerifyCheckpoint(forged, "").ok());
}

// Found by fuzzing (tests/fuzz/regressions/checkpoint/): the signature covers
// the time, but verification did not compare it with the checkpoint's own, so a
// server (or an edit of the checkpoints table) could backdate a checkpoint.
TEST_F(DecisionLogTest, ACheckpointWithAnotherTimeThanItSignedDoesNotVerify) {
  Fill(4);
  const std::vector<v1::Checkpoint> checkpoints = Checkpoints();
  ASSERT_FALSE(checkpoints.empty());
  ASSERT_TRUE(VerifyCheckpoint(checkpoints[0], "").ok());
  v1::Checkpoint backdated = checkpoints[0];
  backdated.mutable_time()->set_seconds(backdated.time().seconds() - 3600);
  const absl::Status s = VerifyCheckpoint(backdated, "");
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("time"));
  Sql("UPDATE checkpoints SET time_ns = time_ns - 3600000000000");
  EXPECT_EQ(VerifyLog().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DecisionLogTest, AFlippedByteIsNamedByItsRecord) {
  Fill(10);
  Sql("UPDATE records SET body = CAST(replace(CAST(body AS TEXT), 'd5', 'd9') AS BLOB) WHERE idx = 5");
  const absl::Status s = VerifyLog();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("record 5: leaf hash mismatch"));
}

// Found by fuzzing (tests/fuzz/regressions/log_store/): the index at the start
// of a stored body was decoded by shifting into the sign bit, undefined
// behaviour on a body whose varint runs to ten bytes. Whoever edits the
// database can recompute the leaf hash, so the index check is what names this.
TEST_F(DecisionLogTest, ABodyWithAnOverlongIndexIsNamed) {
  Fill(4);
  const std::string body = "\x08" + std::string(9, '\xff') + "\x7f";
  Sql(absl::StrCat("UPDATE records SET body = X'", absl::BytesToHexString(body), "', leaf_hash = X'",
                   HashToHex(LeafHash(body)), "' WHERE idx = 2"));
  const absl::Status s = VerifyLog();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("record 2: "));
}

TEST_F(DecisionLogTest, ADeletedRowIsNamed) {
  Fill(10);
  Sql("DELETE FROM records WHERE idx = 3");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("record 3 is missing"));
  EXPECT_EQ(OpenSqliteDecisionLog(Options()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(DecisionLogTest, SwappedRowsAreNamed) {
  Fill(10);
  Sql("UPDATE records SET idx = -1 WHERE idx = 2; UPDATE records SET idx = 2 WHERE idx = 3;"
      " UPDATE records SET idx = 3 WHERE idx = -1");
  const absl::Status s = VerifyLog();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("record 2: holds the record of index 3"));
}

TEST_F(DecisionLogTest, ATruncatedTailIsCaughtByTheCheckpoints) {
  Fill(10);
  const std::vector<v1::Checkpoint> kept = Checkpoints();  // what the works council witnessed
  Sql("DELETE FROM records WHERE idx >= 7");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("records were cut off"));
  // Even if the attacker also deletes the log's own checkpoints past the cut...
  Sql("DELETE FROM checkpoints WHERE tree_size > 4");
  EXPECT_TRUE(VerifyLog().ok());
  // ... the council's stored checkpoints still catch it.
  const absl::Status s = VerifyLog(kept, kept[0].public_key());
  EXPECT_THAT(s.message(), HasSubstr("your checkpoint of size 8"));
}

TEST_F(DecisionLogTest, AWhollyRebuiltLogIsCaughtByThePinnedKeyAndRoots) {
  Fill(6);
  const std::vector<v1::Checkpoint> kept = Checkpoints();
  // The employer's IT throws the log away and rebuilds it with other content.
  std::filesystem::remove_all(dir_.path() + "/data");
  auto log = OpenSqliteDecisionLog(Options());
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i + 100)).ok());
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_TRUE(VerifyLog().ok());  // internally consistent ...
  EXPECT_THAT(VerifyLog(kept, kept[0].public_key()).message(), HasSubstr("signed with a different key"));
}

TEST_F(DecisionLogTest, ATornTailOfTheWalIsIgnoredNotHalfRead) {
  auto log = OpenSqliteDecisionLog(Options());
  ASSERT_TRUE(log.ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
  // Simulate a crash mid-write: copy the files while the log is open, then
  // cut the WAL copy in the middle of its last frame.
  const std::string data = dir_.path() + "/data";
  const std::string copy = dir_.path() + "/copy";
  std::filesystem::create_directory(copy);
  for (const char* f : {"/decisions.db", "/decisions.db-wal", "/checkpoint.key"}) {
    std::filesystem::copy_file(data + f, copy + f);
  }
  ASSERT_TRUE((*log)->Close().ok());
  const auto wal_size = std::filesystem::file_size(copy + "/decisions.db-wal");
  std::filesystem::resize_file(copy + "/decisions.db-wal", wal_size - 100);
  SqliteDecisionLogOptions o = Options();
  o.data_dir = copy;
  auto reopened = OpenSqliteDecisionLog(o);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_GE((*reopened)->Size(), 4);  // the torn last transaction is gone, the rest intact
  EXPECT_LE((*reopened)->Size(), 5);
  ASSERT_TRUE((*reopened)->AppendAndWait(SampleDecision(99)).ok());
  ASSERT_TRUE((*reopened)->Close().ok());
  auto reader = LogReader::Open(copy);
  ASSERT_TRUE(reader.ok());
  EXPECT_TRUE((*reader)->Verify({}, "").ok());
}

// Under commits that never pause, the WAL must still be copied back and
// rewound: otherwise it grows without bound (it did: SQLite answered the
// checkpointer's connection "not in WAL mode" and a cached statement kept the
// writer's connection in a read transaction), every commit appends to it, and
// a restart has to read all of it. 3,000 single-record commits write ~4,000
// WAL frames (16.6 MB before the fix, with a 12 KiB database file); with
// copies from 100 pages on, the WAL is rewound at 400 frames (1.6 MB).
TEST_F(DecisionLogTest, TheWalIsRewoundUnderCommitsThatNeverPause) {
  SqliteDecisionLogOptions options = Options();
  options.wal_checkpoint_pages = 100;
  auto log = OpenSqliteDecisionLog(options);
  ASSERT_TRUE(log.ok()) << log.status();
  const std::string wal = DecisionLogPath(dir_.path() + "/data") + "-wal";
  std::uintmax_t largest = 0;
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
    largest = std::max(largest, std::filesystem::file_size(wal));
  }
  EXPECT_LT(largest, 2u << 20);
  // The database file now holds the pages copied out of the WAL (~590 KB of
  // the 3,000 records; the old code left it at 12 KiB).
  EXPECT_GT(std::filesystem::file_size(DecisionLogPath(dir_.path() + "/data")), 256u << 10);
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_TRUE(VerifyLog().ok());
  auto reopened = OpenSqliteDecisionLog(Options());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ((*reopened)->Size(), 3000);
}

TEST_F(DecisionLogTest, SummariesWithholdSmallCells) {
  Fill(14);  // subjects p0..p6; effects alternate
  auto reader = LogReader::Open(dir_.path() + "/data");
  v1::SummarizeRequest request;
  request.add_group_by(v1::SUMMARY_DIMENSION_EFFECT);
  request.set_min_subjects(7);
  auto summary = (*reader)->Summarize(request);
  ASSERT_TRUE(summary.ok());
  // 7 ALLOW and 7 DENY decisions, each about 7 distinct pseudonyms? p(i%7) over odd i: all 7.
  ASSERT_EQ(summary->cells_size(), 2);
  EXPECT_EQ(summary->cells(0).decisions(), 7);
  request.set_min_subjects(8);
  summary = (*reader)->Summarize(request);
  EXPECT_EQ(summary->cells_size(), 0);
  EXPECT_EQ(summary->suppressed_cells(), 2);
}

// Found by fuzzing (tests/fuzz/regressions/log_store/): a filter bound after
// the year 2262 overflowed int64 nanoseconds, undefined behaviour that in
// practice wrapped to a bound in the past and listed what should be excluded.
TEST_F(DecisionLogTest, FilterBoundsBeyondUnixNanosecondsStillOrder) {
  Fill(3);  // all at 2026-03-10T09:00:00Z
  auto reader = LogReader::Open(dir_.path() + "/data");
  ASSERT_TRUE(reader.ok());
  auto listed = [&](bool since, int64_t seconds) -> size_t {
    v1::RecordFilter filter;
    (since ? filter.mutable_since() : filter.mutable_until())->set_seconds(seconds);
    int64_t next;
    auto records = (*reader)->List(filter, 0, 100, &next);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? records->size() : 0;
  };
  constexpr int64_t kYear2519 = 17342389648, kYear1 = -62135596800;
  EXPECT_EQ(listed(true, kYear2519), 0u);
  EXPECT_EQ(listed(false, kYear2519), 3u);
  EXPECT_EQ(listed(true, kYear1), 3u);
  EXPECT_EQ(listed(false, kYear1), 0u);
  EXPECT_EQ(listed(true, INT64_MAX), 0u);
  EXPECT_EQ(listed(false, INT64_MIN), 0u);
}

TEST_F(DecisionLogTest, RetentionPrunesOldRecordsButTheTreeStillVerifies) {
  SqliteDecisionLogOptions o = Options();
  o.retention = absl::Hours(24);
  o.checkpoint_interval = absl::Hours(1);
  {
    auto log = OpenSqliteDecisionLog(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
    clock_.Advance(absl::Hours(48));
    ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(6)).ok());  // the writer prunes after this batch
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto reader = LogReader::Open(dir_.path() + "/data");
  ASSERT_TRUE(reader.ok());
  int64_t next;
  auto records = (*reader)->List(v1::RecordFilter(), 0, 100, &next);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 8u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE((*records)[i].pruned()) << i;
    EXPECT_TRUE((*records)[i].decision_id().empty());
    EXPECT_EQ((*records)[i].leaf_hash().size(), 32u);
  }
  // The writer may prune before or after taking d6; either order is correct.
  const bool prune_first = (*records)[6].kind() == v1::RECORD_KIND_LOG_PRUNED;
  const v1::LogRecord& prune = (*records)[prune_first ? 6 : 7];
  const v1::LogRecord& fresh = (*records)[prune_first ? 7 : 6];
  EXPECT_EQ(fresh.decision_id(), "d6");
  EXPECT_FALSE(fresh.pruned());
  EXPECT_EQ(prune.kind(), v1::RECORD_KIND_LOG_PRUNED);
  EXPECT_THAT(prune.note(), HasSubstr("pruned records 0-5"));
  auto report = (*reader)->Verify({}, "");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 8);
  // Reopening continues after the pruned prefix.
  auto log = OpenSqliteDecisionLog(o);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 8);
}

TEST_F(DecisionLogTest, AppendsAfterCloseFailClosed) {
  auto log = OpenSqliteDecisionLog(Options());
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_EQ((*log)->AppendAndWait(SampleDecision(1)).status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace grens::plugin

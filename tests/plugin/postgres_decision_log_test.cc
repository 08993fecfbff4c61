// The PostgreSQL decision log against a real server: indices, restart
// continuing the same tree, checkpoints, retention, tampering caught by the
// shared verifier and by the log at the next open, and several chains (one per
// sidecar) in one database kept apart.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/checkpoint.h"
#include "plugin/log_reader.h"
#include "plugin/postgres_decision_log.h"
#include "plugin/postgres_log_store.h"
#include "tests/support/grensd_process.h"
#include "tests/support/log_testing.h"
#include "tests/support/postgres_server.h"

namespace grens::plugin {
namespace {

using ::grens::testing::FakeClock;
using ::grens::testing::PostgresServer;
using ::grens::testing::PostgresTest;
using ::grens::testing::SampleDecision;
using ::grens::testing::TempDir;
using ::testing::HasSubstr;

class PostgresDecisionLogTest : public PostgresTest {
 protected:
  PostgresDecisionLogOptions Options(const std::string& origin = "grens/a") {
    PostgresDecisionLogOptions o;
    o.dsn = dsn_;
    o.origin = origin;
    o.signing_key_file = absl::StrCat(dir_.path(), "/", origin.substr(origin.find('/') + 1), ".key");
    o.create_signing_key = true;
    o.checkpoint_every_records = 4;
    o.clock = &clock_;
    return o;
  }
  // Writes `n` records through a log that is then closed (final checkpoint).
  void Fill(int n, const std::string& origin = "grens/a") {
    auto log = OpenPostgresDecisionLog(Options(origin));
    ASSERT_TRUE(log.ok()) << log.status();
    for (int i = 0; i < n; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
    ASSERT_TRUE((*log)->Close().ok());
  }
  std::unique_ptr<LogReader> Reader(const std::string& origin = "grens/a") {
    auto reader = LogReader::OpenPostgres(dsn_, origin);
    EXPECT_TRUE(reader.ok()) << reader.status();
    return reader.ok() ? std::move(*reader) : nullptr;
  }
  absl::Status VerifyLog(const std::vector<v1::Checkpoint>& external = {}, const std::string& pinned = "") {
    auto reader = LogReader::OpenPostgres(dsn_, "grens/a");
    if (!reader.ok()) return reader.status();
    return (*reader)->Verify(external, pinned).status();
  }
  void Sql(const std::string& statement) { ASSERT_TRUE(PostgresServer::Exec(dsn_, statement).ok()) << statement; }

  TempDir dir_;
  FakeClock clock_{absl::FromUnixSeconds(1773133200)};
};

TEST_F(PostgresDecisionLogTest, AppendsGetConsecutiveIndicesAndSurviveRestart) {
  Fill(10);
  auto log = OpenPostgresDecisionLog(Options());
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 10);
  auto index = (*log)->AppendAndWait(SampleDecision(10));
  ASSERT_TRUE(index.ok()) << index.status();
  EXPECT_EQ(*index, 10);
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_TRUE(VerifyLog().ok()) << VerifyLog();
  auto reader = Reader();
  int64_t next;
  auto records = reader->List(v1::RecordFilter(), 0, 100, &next);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 11u);
  EXPECT_EQ((*records)[10].decision_id(), "d10");
  EXPECT_EQ((*records)[10].time().seconds(), 1773133200);
  EXPECT_EQ(next, -1);
}

TEST_F(PostgresDecisionLogTest, ListPagesAndFiltersLikeTheEmbeddedLog) {
  Fill(10);
  auto reader = Reader();
  int64_t next;
  auto page = reader->List(v1::RecordFilter(), 0, 4, &next);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->size(), 4u);
  EXPECT_EQ(next, 4);
  v1::RecordFilter filter;
  filter.add_effects(v1::EFFECT_DENY);
  filter.add_clause_ids("6.1");
  page = reader->List(filter, 0, 100, &next);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 5u);  // d0, d2, ... d8
  for (const v1::LogRecord& r : *page) EXPECT_EQ(r.effect(), v1::EFFECT_DENY);
  v1::SummarizeRequest request;
  request.add_group_by(v1::SUMMARY_DIMENSION_EFFECT);
  request.set_min_subjects(5);
  auto summary = reader->Summarize(request);
  ASSERT_TRUE(summary.ok());
  ASSERT_EQ(summary->cells_size(), 2);
  EXPECT_EQ(summary->cells(0).decisions() + summary->cells(1).decisions(), 10);
}

TEST_F(PostgresDecisionLogTest, CheckpointsAreSignedEveryNRecordsAndAtClose) {
  Fill(10);
  auto checkpoints = Reader()->Checkpoints();
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 3u);  // after 4, 8, and the final 10
  EXPECT_EQ((*checkpoints)[0].tree_size(), 4);
  EXPECT_EQ((*checkpoints)[2].tree_size(), 10);
  for (const v1::Checkpoint& c : *checkpoints) {
    EXPECT_EQ(c.origin(), "grens/a");
    EXPECT_TRUE(VerifyCheckpoint(c, "").ok());
  }
}

TEST_F(PostgresDecisionLogTest, AChangedRowIsNamedByTheVerifierAndRefusedAtOpen) {
  Fill(10);
  Sql("UPDATE grens_records SET body = set_byte(body, length(body) - 1, get_byte(body, length(body) - 1) # 1)"
      " WHERE idx = 5");
  const absl::Status s = VerifyLog();
  EXPECT_EQ(s.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("record 5: leaf hash mismatch"));
  Sql("UPDATE grens_records SET leaf_hash = sha256('\\x00'::bytea || body) WHERE idx = 5");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("checkpoint of size 8 does not match"));
  EXPECT_EQ(OpenPostgresDecisionLog(Options()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PostgresDecisionLogTest, ADeletedRowIsNamed) {
  Fill(10);
  Sql("DELETE FROM grens_records WHERE idx = 3");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("record 3 is missing"));
  EXPECT_EQ(OpenPostgresDecisionLog(Options()).status().code(), absl::StatusCode::kDataLoss);
}

TEST_F(PostgresDecisionLogTest, SwappedRowsAreNamed) {
  Fill(10);
  Sql("UPDATE grens_records SET idx = 1000 WHERE idx = 2; UPDATE grens_records SET idx = 2 WHERE idx = 3;"
      " UPDATE grens_records SET idx = 3 WHERE idx = 1000");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("record 2: holds the record of index 3"));
}

TEST_F(PostgresDecisionLogTest, ATruncatedTailIsCaughtByTheCheckpoints) {
  Fill(10);
  const std::vector<v1::Checkpoint> kept = *Reader()->Checkpoints();  // what the works council witnessed
  Sql("DELETE FROM grens_records WHERE idx >= 7");
  EXPECT_THAT(VerifyLog().message(), HasSubstr("records were cut off"));
  Sql("DELETE FROM grens_checkpoints WHERE tree_size > 4");
  EXPECT_TRUE(VerifyLog().ok());
  EXPECT_THAT(VerifyLog(kept, kept[0].public_key()).message(), HasSubstr("your checkpoint of size 8"));
}

TEST_F(PostgresDecisionLogTest, ChainsOfSeveralSidecarsStayApart) {
  std::vector<std::unique_ptr<DecisionLog>> logs;
  for (const char* origin : {"grens/a", "grens/b"}) {
    auto log = OpenPostgresDecisionLog(Options(origin));
    ASSERT_TRUE(log.ok()) << log.status();
    logs.push_back(std::move(*log));
  }
  // Both write at once; each chain counts from 0.
  std::vector<std::thread> writers;
  std::atomic<int> failures{0};
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 60 + 20 * w; ++i) {
        if (logs[w]->AppendAndWait(SampleDecision(i)).value_or(-1) != i) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (auto& log : logs) ASSERT_TRUE(log->Close().ok());
  for (const auto& [origin, size] : {std::make_pair("grens/a", 60), std::make_pair("grens/b", 80)}) {
    auto report = Reader(origin)->Verify({}, "");
    ASSERT_TRUE(report.ok()) << origin << ": " << report.status();
    EXPECT_EQ(report->records, size) << origin;
  }
  // Without an origin, a reader must be told which chain.
  EXPECT_THAT(LogReader::OpenPostgres(dsn_, "").status().message(), HasSubstr("grens/a, grens/b"));
  EXPECT_EQ(LogReader::OpenPostgres(dsn_, "grens/c").status().code(), absl::StatusCode::kNotFound);
  auto chains = ListPostgresChains(dsn_);
  ASSERT_TRUE(chains.ok());
  ASSERT_EQ(chains->size(), 2u);
  EXPECT_EQ((*chains)[1].records, 80);
  EXPECT_EQ((*chains)[1].checkpointed, 80);
}

TEST_F(PostgresDecisionLogTest, OneChainHasOneWriterAndOneKey) {
  auto first = OpenPostgresDecisionLog(Options());
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE((*first)->AppendAndWait(SampleDecision(0)).ok());
  // A second sidecar configured with the same origin is refused while the first runs.
  const absl::Status second = OpenPostgresDecisionLog(Options()).status();
  EXPECT_EQ(second.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(second.message(), HasSubstr("being written by another sidecar"));
  ASSERT_TRUE((*first)->Close().ok());
  // Another key for the same origin (another sidecar's data directory) is refused too.
  PostgresDecisionLogOptions other = Options();
  other.signing_key_file = dir_.path() + "/other.key";
  EXPECT_THAT(OpenPostgresDecisionLog(other).status().message(), HasSubstr("another checkpoint key"));
  // The rightful owner continues its chain.
  auto again = OpenPostgresDecisionLog(Options());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)->AppendAndWait(SampleDecision(1)).value_or(-1), 1);
}

TEST_F(PostgresDecisionLogTest, RetentionPrunesOldRecordsButTheTreeStillVerifies) {
  PostgresDecisionLogOptions o = Options();
  o.retention = absl::Hours(24);
  o.checkpoint_interval = absl::Hours(1);
  {
    auto log = OpenPostgresDecisionLog(o);
    ASSERT_TRUE(log.ok());
    for (int i = 0; i < 6; ++i) ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(i)).ok());
    clock_.Advance(absl::Hours(48));
    ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(6)).ok());  // the writer prunes after this batch
    ASSERT_TRUE((*log)->Close().ok());
  }
  auto reader = Reader();
  int64_t next;
  auto records = reader->List(v1::RecordFilter(), 0, 100, &next);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 8u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE((*records)[i].pruned()) << i;
    EXPECT_TRUE((*records)[i].decision_id().empty());
    EXPECT_EQ((*records)[i].leaf_hash().size(), 32u);
  }
  const bool prune_first = (*records)[6].kind() == v1::RECORD_KIND_LOG_PRUNED;
  EXPECT_EQ((*records)[prune_first ? 7 : 6].decision_id(), "d6");
  EXPECT_THAT((*records)[prune_first ? 6 : 7].note(), HasSubstr("pruned records 0-5"));
  auto report = reader->Verify({}, "");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records, 8);
  // Reopening continues after the pruned prefix, and a later prune starts there.
  auto log = OpenPostgresDecisionLog(o);
  ASSERT_TRUE(log.ok()) << log.status();
  EXPECT_EQ((*log)->Size(), 8);
  clock_.Advance(absl::Hours(48));
  ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(8)).ok());
  ASSERT_TRUE((*log)->Close().ok());
  records = reader->List(v1::RecordFilter(), 0, 100, &next);
  ASSERT_TRUE(records.ok());
  EXPECT_THAT(records->back().note() + (*records)[records->size() - 2].note(), HasSubstr("pruned records 6-"));
  EXPECT_TRUE(reader->Verify({}, "").ok());
}

TEST_F(PostgresDecisionLogTest, WritersNeedOnlyDmlRightsAndTheCouncilOnlySelect) {
  Fill(3);  // as the superuser, which creates the tables
  const std::string schema = "writersneedonlydmlrightsandthecouncilonlyselect";
  Sql(absl::StrCat("CREATE ROLE grens_writer LOGIN; GRANT USAGE ON SCHEMA ", schema, " TO grens_writer;"
                   " GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ", schema, " TO grens_writer;"
                   " CREATE ROLE council LOGIN; GRANT USAGE ON SCHEMA ", schema, " TO council;"
                   " GRANT SELECT ON ALL TABLES IN SCHEMA ", schema, " TO council"));
  auto as = [&](const std::string& user) {
    std::string dsn = dsn_;
    return dsn.replace(dsn.find("user=grens"), 10, "user=" + user);
  };
  PostgresDecisionLogOptions o = Options("grens/b");
  o.dsn = as("grens_writer");
  o.retention = absl::Hours(1);
  o.checkpoint_interval = absl::Minutes(1);
  auto log = OpenPostgresDecisionLog(o);
  ASSERT_TRUE(log.ok()) << log.status();
  ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(0)).ok());
  clock_.Advance(absl::Hours(2));
  ASSERT_TRUE((*log)->AppendAndWait(SampleDecision(1)).ok());  // and prunes d0
  ASSERT_TRUE((*log)->Close().ok());
  for (const char* origin : {"grens/a", "grens/b"}) {
    auto reader = LogReader::OpenPostgres(as("council"), origin);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_TRUE((*reader)->Verify({}, "").ok()) << origin;
  }
  auto council = LogReader::OpenPostgres(as("council"), "grens/b");
  ASSERT_TRUE(council.ok());
  int64_t next;
  auto records = (*council)->List(v1::RecordFilter(), 0, 10, &next);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 3u);
  EXPECT_TRUE((*records)[0].pruned());
  // The council cannot change what it audits.
  EXPECT_FALSE(PostgresServer::Exec(as("council"), "DELETE FROM grens_records").ok());
  Sql("DROP OWNED BY grens_writer, council; DROP ROLE grens_writer, council");
}

TEST_F(PostgresDecisionLogTest, AppendsAfterCloseFailClosed) {
  auto log = OpenPostgresDecisionLog(Options());
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Close().ok());
  EXPECT_EQ((*log)->AppendAndWait(SampleDecision(1)).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(PostgresDecisionLogTest, AnUnreachableDatabaseIsUnavailableAtOpen) {
  PostgresDecisionLogOptions o = Options();
  o.dsn = absl::StrCat("host=", dir_.path(), " port=5432 user=grens dbname=postgres");
  EXPECT_EQ(OpenPostgresDecisionLog(o).status().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace grens::plugin

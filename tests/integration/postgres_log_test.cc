// The PostgreSQL decision log through the real grensd and grensctl, against a
// real PostgreSQL server: two sidecars writing to one database at once (each
// chain verifies on its own), a database restart under load (no answered
// decision lost, calls during the outage refused with UNAVAILABLE, service
// back afterwards), and the works council's `grensctl audit` commands.

#include <signal.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "gtest/gtest.h"
#include "plugin/log_reader.h"
#include "tests/support/cli_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"
#include "tests/support/log_testing.h"
#include "tests/support/postgres_server.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

std::string Config(const TempDir& dir, const std::string& dsn, const std::string& origin) {
  return absl::StrCat("policy_path: ", WriteNlPolicy(dir), "\ndata_dir: ", dir.path(), "/data\n",
                      "decision_log: {backend: postgres, postgres_dsn: \"", dsn, "\", origin: ", origin,
                      ", checkpoint_every_records: 50}\n");
}

// Allowed with obligations (legal hold on message content), or denied
// (screenshots are banned, clause 5.1).
v1::EvaluateRequest Request(const std::string& id, int subject, bool screenshot) {
  v1::EvaluateRequest request;
  v1::MonitoringEvent* e = request.mutable_event();
  e->set_id(id);
  e->set_platform("teams");
  e->set_tenant("acme");
  e->set_collector("ediscovery");
  e->set_category(screenshot ? v1::CATEGORY_SCREENSHOT : v1::CATEGORY_MESSAGE_CONTENT);
  e->set_purpose("legal_hold");
  e->mutable_subject()->set_id(absl::StrCat("u-", subject));
  e->mutable_occurred_at()->set_seconds(1773234000);  // 2026-03-11T13:00:00Z
  return request;
}

// `grensctl audit <command> --dsn DSN <args>`.
int Audit(const std::string& command, const std::string& dsn, const std::string& args, std::string* output) {
  return RunGrensctl(absl::StrCat("audit ", command, " --dsn \"", dsn, "\" ", args), output);
}

// One PostgreSQL server for the suite, a schema per test (dsn_).
class PostgresLogTest : public PostgresTest {};

TEST_F(PostgresLogTest, TwoSidecarsWriteToOneDatabaseAtOnceAndEachChainVerifies) {
  const std::vector<std::string> origins = {"grens/site-a", "grens/site-b"};
  TempDir dirs[2];
  std::unique_ptr<GrensdProcess> sidecars[2];
  for (int s = 0; s < 2; ++s) {
    auto grensd = GrensdProcess::Start(dirs[s], Config(dirs[s], dsn_, origins[s]));
    ASSERT_TRUE(grensd.ok()) << grensd.status();
    sidecars[s] = std::move(*grensd);
  }
  // A third sidecar claiming a running one's origin is refused at start.
  TempDir intruder;
  auto [code, stderr_text] = GrensdProcess::RunToExit(intruder, Config(intruder, dsn_, origins[0]));
  EXPECT_NE(code, 0);
  EXPECT_THAT(stderr_text, HasSubstr("being written by another sidecar"));
  // Two clients per sidecar, all at once.
  absl::Mutex mu;
  std::set<std::string> acknowledged[2];
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&, c] {
      const int s = c % 2;
      auto stub = v1::Guard::NewStub(sidecars[s]->Channel());
      for (int i = 0; i < 150; ++i) {
        grpc::ClientContext context;
        v1::EvaluateResponse response;
        const grpc::Status status = stub->Evaluate(&context, Request(absl::StrCat(c, "-", i), i % 9, i % 3 == 0), &response);
        ASSERT_TRUE(status.ok()) << status.error_message();
        absl::MutexLock lock(&mu);
        acknowledged[s].insert(response.decision().decision_id());
      }
    });
  }
  for (auto& t : clients) t.join();
  for (auto& sidecar : sidecars) sidecar->Signal(SIGTERM);
  for (auto& sidecar : sidecars) EXPECT_EQ(sidecar->WaitForExit(absl::Seconds(30)), 0) << sidecar->Stderr();
  std::string out;
  for (int s = 0; s < 2; ++s) {
    ASSERT_EQ(Audit("verify", dsn_, "--origin " + origins[s], &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("ok: 301 records"));  // 300 decisions and the policy activation
    const std::set<std::string> logged = LoggedDecisionIds(plugin::LogReader::OpenPostgres(dsn_, origins[s]));
    for (const std::string& id : acknowledged[s]) EXPECT_TRUE(logged.count(id)) << origins[s] << " lost " << id;
    for (const std::string& id : acknowledged[1 - s]) EXPECT_FALSE(logged.count(id)) << origins[s] << " has " << id;
  }
  EXPECT_EQ(Audit("verify", dsn_, "", &out), 1);
  EXPECT_THAT(out, HasSubstr("choose one with --origin: grens/site-a, grens/site-b"));
  ASSERT_EQ(Audit("chains", dsn_, "", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("grens/site-b  301 records, last checkpoint at 301"));
}

// One call's outcome and the phase of the outage it started and ended in.
struct Call {
  int started_in;
  int ended_in;
  grpc::StatusCode code;
};

TEST_F(PostgresLogTest, ADatabaseRestartUnderLoadLosesNoAnsweredDecisionAndFailsClosed) {
  TempDir dir;
  auto grensd = GrensdProcess::Start(dir, Config(dir, dsn_, "grens/restart"));
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  // 0: up; 1: stopped (pg_ctl stop returned); 2: restarting; 3: back (pg_ctl start returned).
  std::atomic<int> phase{0};
  std::atomic<bool> stop_clients{false};
  absl::Mutex mu;
  std::vector<Call> calls;
  std::set<std::string> acknowledged;
  auto count = [&](int started, int ended, bool ok) {
    absl::MutexLock lock(&mu);
    return std::count_if(calls.begin(), calls.end(), [&](const Call& c) {
      return c.started_in == started && c.ended_in == ended && (c.code == grpc::StatusCode::OK) == ok;
    });
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      auto stub = v1::Guard::NewStub((*grensd)->Channel());
      for (int i = 0; !stop_clients.load(); ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        v1::EvaluateResponse response;
        const int started = phase.load();
        const grpc::Status status = stub->Evaluate(&context, Request(absl::StrCat(t, "-", i), i % 9, false), &response);
        absl::MutexLock lock(&mu);
        calls.push_back({started, phase.load(), status.error_code()});
        if (status.ok()) acknowledged.insert(response.decision().decision_id());
      }
    });
  }
  ASSERT_TRUE(Eventually([&] { return count(0, 0, true) >= 200; }, absl::Seconds(60)));
  ASSERT_TRUE(server_->Stop("immediate").ok());
  phase = 1;
  // Calls made entirely during the outage are refused.
  ASSERT_TRUE(Eventually([&] { return count(1, 1, false) >= 50; }, absl::Seconds(60)));
  phase = 2;
  ASSERT_TRUE(server_->Restart().ok());
  phase = 3;
  ASSERT_TRUE(Eventually([&] { return count(3, 3, true) >= 100; }, absl::Seconds(60))) << (*grensd)->Stderr();
  stop_clients = true;
  for (auto& c : clients) c.join();
  // The AuditLog service found its way back to the database too.
  std::string out;
  const std::string store = dir.path() + "/council.jsonl";
  ASSERT_EQ(RunGrensctl(absl::StrCat("audit witness --server ", (*grensd)->address(), " --store ", store),
                        &out), 0) << out;
  {
    absl::MutexLock lock(&mu);
    for (const Call& c : calls) {
      // Fail closed, and fast: refused, never timed out or answered otherwise.
      if (c.code != grpc::StatusCode::OK) {
        EXPECT_EQ(c.code, grpc::StatusCode::UNAVAILABLE);
      }
      if (c.started_in == 1 && c.ended_in == 1) {
        EXPECT_NE(c.code, grpc::StatusCode::OK);
      }
    }
  }
  (*grensd)->Signal(SIGTERM);
  ASSERT_EQ((*grensd)->WaitForExit(absl::Seconds(30)), 0) << (*grensd)->Stderr();
  const std::set<std::string> logged = LoggedDecisionIds(plugin::LogReader::OpenPostgres(dsn_, "grens/restart"));
  for (const std::string& id : acknowledged) ASSERT_TRUE(logged.count(id)) << "answered decision " << id << " lost";
  ASSERT_EQ(Audit("verify", dsn_, "--origin grens/restart --checkpoints " + store, &out), 0) << out;
}

TEST_F(PostgresLogTest, TheWorksCouncilAuditsAPostgresLogWithGrensctl) {
  TempDir dir;
  const std::string store = dir.path() + "/council-checkpoints.jsonl";
  std::string out;
  {
    auto grensd = GrensdProcess::Start(dir, Config(dir, dsn_, "grens/audit"));
    ASSERT_TRUE(grensd.ok()) << grensd.status();
    auto stub = v1::Guard::NewStub((*grensd)->Channel());
    for (int i = 0; i < 60; ++i) {
      grpc::ClientContext context;
      v1::EvaluateResponse response;
      ASSERT_TRUE(stub->Evaluate(&context, Request(absl::StrCat("e", i), i % 6, i % 4 == 0), &response).ok());
    }
    // The AuditLog service of a PostgreSQL-backed grensd serves the witness.
    ASSERT_EQ(RunGrensctl(absl::StrCat("audit witness --server ", (*grensd)->address(), " --store ", store),
                          &out), 0) << out;
    stub.reset();
    (*grensd)->Signal(SIGTERM);
    ASSERT_EQ((*grensd)->WaitForExit(absl::Seconds(30)), 0) << (*grensd)->Stderr();
  }
  const std::string log = "--origin grens/audit";
  ASSERT_EQ(Audit("verify", dsn_, log + " --checkpoints " + store, &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("ok: 61 records"));
  EXPECT_THAT(out, HasSubstr("1 of yours"));
  ASSERT_EQ(Audit("query", dsn_, log + " --effect deny --limit 100", &out), 0) << out;
  const std::vector<std::string> denied = absl::StrSplit(out, '\n', absl::SkipEmpty());
  EXPECT_EQ(denied.size(), 15u);  // every fourth of 60
  for (const std::string& line : denied) EXPECT_THAT(line, HasSubstr("DENY  SCREENSHOT"));
  ASSERT_EQ(Audit("summary", dsn_, log + " --by effect --min-subjects 3", &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("DENY"));
  EXPECT_THAT(out, HasSubstr("45 decisions"));
  ASSERT_EQ(Audit("export", dsn_, log + " --format csv", &out), 0) << out;
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(out, '\n', absl::SkipEmpty())).size(), 62u);  // header + 61
  ASSERT_EQ(Audit("export", dsn_, log + " --format jsonl --category screenshot", &out), 0) << out;
  EXPECT_EQ(std::vector<std::string>(absl::StrSplit(out, '\n', absl::SkipEmpty())).size(), 15u);
  EXPECT_THAT(out, HasSubstr("\"leafHash\""));
  // A changed row is named by verify, against the council's stored checkpoints too.
  ASSERT_TRUE(PostgresServer::Exec(dsn_, "UPDATE grens_records SET body = set_byte(body, length(body) - 1,"
                                         " get_byte(body, length(body) - 1) # 1) WHERE idx = 17")
                  .ok());
  EXPECT_EQ(Audit("verify", dsn_, log + " --checkpoints " + store, &out), 1);
  EXPECT_THAT(out, HasSubstr("FAIL  record 17: leaf hash mismatch"));
}

TEST(PostgresLogConfig, ABackendWithoutItsSettingsOrItsDatabaseIsRefusedAtStart) {
  TempDir dir;
  const std::string policy = WriteNlPolicy(dir);
  const std::string base = absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\n");
  auto [code, err] = GrensdProcess::RunToExit(dir, base + "decision_log: {backend: postgres}\n");
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("decision_log.postgres_dsn: required"));
  std::tie(code, err) = GrensdProcess::RunToExit(dir, base + "decision_log: {postgres_dsn: \"dbname=x\"}\n");
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("backend is not postgres"));
  std::tie(code, err) = GrensdProcess::RunToExit(dir, base + "decision_log: {backend: mysql}\n");
  EXPECT_EQ(code, 2);
  EXPECT_THAT(err, HasSubstr("use sqlite or postgres"));
  // No server behind the DSN: grensd does not start without its log.
  std::tie(code, err) = GrensdProcess::RunToExit(
      dir, base + absl::StrCat("decision_log: {backend: postgres, postgres_dsn: \"host=", dir.path(), " dbname=x\"}\n"));
  EXPECT_EQ(code, 1);
  EXPECT_THAT(err, HasSubstr("cannot connect"));
}

}  // namespace
}  // namespace grens::testing

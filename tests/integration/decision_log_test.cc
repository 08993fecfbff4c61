// The decision log through the real grensd: kill -9 at random moments loses no
// acknowledged decision; no raw subject id or content reaches the data
// directory; the works council's witness accepts an honest log and catches a
// replaced one.

#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grens/v1/guard.grpc.pb.h"
#include "gtest/gtest.h"
#include "plugin/log_reader.h"
#include "tests/support/cli_testing.h"
#include "tests/support/grensd_process.h"
#include "tests/support/guard_testing.h"
#include "tests/support/log_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

std::string Config(const TempDir& dir, const std::string& policy, const std::string& extra = "") {
  return absl::StrCat("policy_path: ", policy, "\ndata_dir: ", dir.path(), "/data\n", extra);
}

v1::MonitoringEvent Event(const std::string& id, const std::string& subject, const std::string& content) {
  v1::MonitoringEvent e;
  e.set_id(id);
  e.set_platform("teams");
  e.set_tenant("acme");
  e.set_collector("ediscovery");
  e.set_category(v1::CATEGORY_MESSAGE_CONTENT);
  e.set_purpose("legal_hold");
  e.mutable_subject()->set_id(subject);
  e.mutable_subject()->set_time_zone("Europe/Amsterdam");
  e.mutable_occurred_at()->set_seconds(1773234000);  // 2026-03-11T13:00:00Z
  auto* c = e.add_content();
  c->set_name("body");
  c->set_text(content);
  return e;
}

TEST(DecisionLogCrash, KillNineLosesNoAcknowledgedDecision) {
  TempDir dir;
  const std::string policy = WriteNlPolicy(dir);
  const char* env = std::getenv("GRENS_CRASH_ROUNDS");
  const int rounds = env != nullptr ? std::atoi(env) : 20;
  std::mt19937 random(20261125);
  std::set<std::string> acknowledged;
  for (int round = 0; round < rounds; ++round) {
    auto grensd = GrensdProcess::Start(dir, Config(dir, policy, "decision_log: {checkpoint_every_records: 50}\n"));
    ASSERT_TRUE(grensd.ok()) << "round " << round << ": " << grensd.status();
    auto stub = v1::Guard::NewStub((*grensd)->Channel());
    // Kill after a random number of answers, while four clients keep calling.
    const int kill_after = std::uniform_int_distribution<int>(1, 400)(random);
    std::atomic<int> answered{0};
    absl::Mutex mu;
    std::vector<std::thread> clients;
    for (int t = 0; t < 4; ++t) {
      clients.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          grpc::ClientContext context;
          context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
          v1::EvaluateRequest request;
          *request.mutable_event() = Event(absl::StrCat(round, "-", t, "-", i), "u-1", "note");
          v1::EvaluateResponse response;
          if (!stub->Evaluate(&context, request, &response).ok()) return;  // the server is gone
          absl::MutexLock lock(&mu);
          acknowledged.insert(response.decision().decision_id());
          answered.fetch_add(1);
        }
      });
    }
    ASSERT_TRUE(Eventually([&] { return answered.load() >= kill_after; }, absl::Seconds(60)));
    (*grensd)->Signal(SIGKILL);
    for (auto& c : clients) c.join();
    (*grensd)->WaitForExit(absl::Seconds(10));
  }
  // Every decision any client was told about is in the log, and the log verifies.
  const std::set<std::string> logged = LoggedDecisionIds(plugin::LogReader::Open(dir.path() + "/data"));
  for (const std::string& id : acknowledged) ASSERT_TRUE(logged.count(id)) << "acknowledged decision " << id << " lost";
  auto reader = plugin::LogReader::Open(dir.path() + "/data");
  ASSERT_TRUE(reader.ok());
  auto report = (*reader)->Verify({}, "");
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_GE(report->records, static_cast<int64_t>(acknowledged.size()));
}

TEST(DecisionLogPrivacy, NoRawSubjectIdOrContentReachesTheDataDirectory) {
  TempDir dir;
  const std::string policy = WriteNlPolicy(dir);
  auto grensd = GrensdProcess::Start(dir, Config(dir, policy));
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  auto stub = v1::Guard::NewStub((*grensd)->Channel());
  const std::string subject = "jan.jansen@voorbeeld.nl";
  const std::string secret = "zeer-geheime-inhoud-4711";
  for (int i = 0; i < 50; ++i) {
    grpc::ClientContext context;
    v1::EvaluateRequest request;
    *request.mutable_event() = Event(absl::StrCat("p", i), subject, absl::StrCat(secret, " BSN 111222333"));
    v1::EvaluateResponse response;
    ASSERT_TRUE(stub->Evaluate(&context, request, &response).ok());
    EXPECT_EQ(response.decision().effect(), v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  }
  stub.reset();  // an idle client connection would hold graceful shutdown until its deadline
  (*grensd)->Signal(SIGTERM);
  ASSERT_EQ((*grensd)->WaitForExit(absl::Seconds(30)), 0);
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path() + "/data")) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    ++files;
    EXPECT_EQ(bytes.str().find(subject), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.str().find(secret), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.str().find("111222333"), std::string::npos) << entry.path();
  }
  EXPECT_GE(files, 3);  // the database, the pseudonym key, the checkpoint key
}

TEST(DecisionLogWitness, AcceptsAnHonestLogAndCatchesAReplacedOne) {
  TempDir dir;
  const std::string policy = WriteNlPolicy(dir);
  const std::string config = Config(dir, policy, "decision_log: {checkpoint_every_records: 1}\n");
  const std::string store = dir.path() + "/council-checkpoints.jsonl";
  std::string out;
  auto send = [](GrensdProcess* grensd, int n) {
    auto stub = v1::Guard::NewStub(grensd->Channel());
    for (int i = 0; i < n; ++i) {
      grpc::ClientContext context;
      v1::EvaluateRequest request;
      *request.mutable_event() = Event(absl::StrCat("w", i), "u-2", "x");
      v1::EvaluateResponse response;
      EXPECT_TRUE(stub->Evaluate(&context, request, &response).ok());
    }
  };
  {
    auto grensd = GrensdProcess::Start(dir, config);
    ASSERT_TRUE(grensd.ok()) << grensd.status();
    send(grensd->get(), 5);
    ASSERT_EQ(RunGrensctl(absl::StrCat("audit witness --server ", (*grensd)->address(), " --store ", store), &out), 0) << out;
    send(grensd->get(), 5);
    ASSERT_EQ(RunGrensctl(absl::StrCat("audit witness --server ", (*grensd)->address(), " --store ", store), &out), 0) << out;
    EXPECT_THAT(out, HasSubstr("extends all 1 stored"));
    (*grensd)->Signal(SIGTERM);
    ASSERT_EQ((*grensd)->WaitForExit(absl::Seconds(30)), 0);
  }
  ASSERT_EQ(RunGrensctl(absl::StrCat("audit verify --data-dir ", dir.path(), "/data --checkpoints ", store), &out), 0) << out;
  EXPECT_THAT(out, HasSubstr("2 of yours"));
  // The log is replaced by a fresh one with the same number of decisions.
  std::filesystem::remove_all(dir.path() + "/data");
  auto grensd = GrensdProcess::Start(dir, config);
  ASSERT_TRUE(grensd.ok()) << grensd.status();
  send(grensd->get(), 12);
  EXPECT_EQ(RunGrensctl(absl::StrCat("audit witness --server ", (*grensd)->address(), " --store ", store), &out), 1);
  EXPECT_THAT(out, HasSubstr("not signed by the key you pinned"));
  EXPECT_EQ(RunGrensctl(absl::StrCat("audit verify --data-dir ", dir.path(), "/data --checkpoints ", store), &out), 1);
  EXPECT_THAT(out, HasSubstr("different key"));
}

}  // namespace
}  // namespace grens::testing

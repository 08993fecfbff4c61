// The PostgreSQL decision log when the database goes away: appends fail closed
// (Unavailable, at once), the writer reconnects and continues the same chain,
// and a transaction whose COMMIT or COMMIT answer was lost on the wire is
// resolved by reading the chain's tail back, never guessed. A tail that
// contradicts what the writer acknowledged stops the log.

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugin/log_reader.h"
#include "plugin/postgres_decision_log.h"
#include "tests/support/grensd_process.h"
#include "tests/support/postgres_server.h"

namespace grens::plugin {
namespace {

using ::grens::testing::Eventually;
using ::grens::testing::PostgresServer;
using ::grens::testing::PostgresTest;
using ::grens::testing::TempDir;
using ::testing::HasSubstr;

uint32_t Be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// A proxy on a Unix socket between the log and the server that can lose the
// next COMMIT, or the server's answer to it (after the server committed): what
// a network failure at the worst moment does. It frames the PostgreSQL wire
// protocol just enough to find a simple-query COMMIT. Safe for concurrent use.
class CommitProxy {
 public:
  enum class Fault { kNone, kLoseCommit, kLoseCommitAnswer };

  CommitProxy(const std::string& dir, std::string server_socket)
      : dir_(dir), server_socket_(std::move(server_socket)), stop_(::eventfd(0, 0)) {
    listener_ = Listen(dir + "/.s.PGSQL.5432");
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~CommitProxy() {
    const uint64_t one = 1;
    (void)!::write(stop_, &one, sizeof(one));  // wakes every poll below, for good
    acceptor_.join();
    std::vector<std::thread> connections;
    {
      absl::MutexLock lock(&mu_);
      connections.swap(connections_);
    }
    for (auto& t : connections) t.join();
    ::close(listener_);
    ::close(stop_);
  }

  // The DSN through the proxy, with the schema of `direct_dsn` (from options=).
  std::string Dsn(const std::string& direct_dsn) const {
    return absl::StrCat("host=", dir_, direct_dsn.substr(direct_dsn.find(" port=")));
  }
  void Arm(Fault fault) {
    absl::MutexLock lock(&mu_);
    fault_ = fault;
  }

 private:
  static int Listen(const std::string& path) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd, 16);
    return fd;
  }
  int ConnectServer() const {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    server_socket_.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd);
      return -1;
    }
    return fd;
  }

  void AcceptLoop() {
    while (true) {
      pollfd fds[2] = {{listener_, POLLIN, 0}, {stop_, POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
      const int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      absl::MutexLock lock(&mu_);
      connections_.emplace_back([this, client] { Serve(client); });
    }
  }

  void Serve(int client) {
    const int server = ConnectServer();
    if (server >= 0) Pump(client, server);
    ::close(client);
    if (server >= 0) ::close(server);
  }

  // Forwards both ways until either side closes, applying an armed fault to
  // the first COMMIT seen.
  void Pump(int client, int server) {
    std::string from_client;
    bool startup = true;     // the first message has no type byte
    bool swallowing = false;  // dropping the server's answer to COMMIT
    std::string from_server;
    char buffer[65536];
    while (true) {
      pollfd fds[3] = {{client, POLLIN, 0}, {server, POLLIN, 0}, {stop_, POLLIN, 0}};
      if (::poll(fds, 3, -1) < 0 || fds[2].revents != 0) return;
      if (fds[1].revents != 0) {
        const ssize_t n = ::read(server, buffer, sizeof(buffer));
        if (n <= 0) return;
        if (!swallowing) {
          if (!WriteAll(client, buffer, static_cast<size_t>(n))) return;
        } else {
          // Read the answer to its ReadyForQuery ('Z'), then cut the client off.
          from_server.append(buffer, static_cast<size_t>(n));
          for (size_t at = 0; at + 5 <= from_server.size();) {
            if (from_server[at] == 'Z') return;
            at += 1 + Be32(from_server, at + 1);
          }
        }
      }
      if (fds[0].revents != 0) {
        const ssize_t n = ::read(client, buffer, sizeof(buffer));
        if (n <= 0) return;
        from_client.append(buffer, static_cast<size_t>(n));
        while (true) {
          const size_t header = startup ? 0 : 1;
          if (from_client.size() < header + 4) break;
          const size_t total = header + Be32(from_client, header);
          if (from_client.size() < total) break;
          const std::string message = from_client.substr(0, total);
          from_client.erase(0, total);
          if (startup) startup = Be32(message, 4) != 196608;  // protocol 3.0: the real startup message
          Fault fault = Fault::kNone;
          if (!startup && message[0] == 'Q' && absl::StartsWith(message.substr(5), "COMMIT")) {
            absl::MutexLock lock(&mu_);
            fault = fault_;
            fault_ = Fault::kNone;
          }
          if (fault == Fault::kLoseCommit) return;  // the server sees the client vanish mid-transaction
          if (!WriteAll(server, message.data(), message.size())) return;
          if (fault == Fault::kLoseCommitAnswer) swallowing = true;
        }
      }
    }
  }

  const std::string dir_;
  const std::string server_socket_;
  const int stop_;
  int listener_;
  std::thread acceptor_;
  absl::Mutex mu_;
  Fault fault_ ABSL_GUARDED_BY(mu_) = Fault::kNone;
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
};

v1::LogRecord Decision(int i) {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_DECISION);
  r.set_decision_id(absl::StrCat("d", i));
  r.set_category(v1::CATEGORY_PRESENCE);
  r.set_effect(v1::EFFECT_ALLOW);
  return r;
}

class PostgresOutageTest : public PostgresTest {
 protected:
  PostgresDecisionLogOptions Options(const std::string& dsn) {
    PostgresDecisionLogOptions o;
    o.dsn = dsn;
    o.origin = "grens/a";
    o.signing_key_file = dir_.path() + "/checkpoint.key";
    o.create_signing_key = true;
    o.checkpoint_every_records = 4;
    o.max_reconnect_backoff = absl::Milliseconds(100);
    return o;
  }
  // Appends `record` until the log takes it again after an outage; its index.
  static int64_t AppendWhenBack(DecisionLog* log, const v1::LogRecord& record) {
    int64_t index = -1;
    EXPECT_TRUE(Eventually(
        [&] {
          absl::StatusOr<int64_t> r = log->AppendAndWait(record);
          EXPECT_TRUE(r.ok() || r.status().code() == absl::StatusCode::kUnavailable) << r.status();
          index = r.value_or(-1);
          return r.ok();
        },
        absl::Seconds(30)));
    return index;
  }
  std::vector<std::string> StoredIds() {
    std::vector<std::string> ids;
    auto reader = LogReader::OpenPostgres(dsn_, "grens/a");
    EXPECT_TRUE(reader.ok()) << reader.status();
    int64_t next;
    auto records = (*reader)->List(v1::RecordFilter(), 0, 1000, &next);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) ids.push_back(r.decision_id());
    auto report = (*reader)->Verify({}, "");
    EXPECT_TRUE(report.ok()) << report.status();
    return ids;
  }

  TempDir dir_;
};

TEST_F(PostgresOutageTest, ACommitWhoseAnswerWasLostIsReadBackAndKept) {
  CommitProxy proxy(dir_.path(), server_->socket_dir() + "/.s.PGSQL.5432");
  auto log = OpenPostgresDecisionLog(Options(proxy.Dsn(dsn_)));
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->AppendAndWait(Decision(i)).ok());
  proxy.Arm(CommitProxy::Fault::kLoseCommitAnswer);
  // The server commits d10, the answer never arrives: the caller is refused.
  EXPECT_EQ((*log)->AppendAndWait(Decision(10)).status().code(), absl::StatusCode::kUnavailable);
  // After reconnecting, the writer has read d10 back: the chain goes on at 11.
  EXPECT_EQ(AppendWhenBack(log->get(), Decision(11)), 11);
  ASSERT_TRUE((*log)->Close().ok());
  const std::vector<std::string> ids = StoredIds();
  ASSERT_EQ(ids.size(), 12u);
  EXPECT_EQ(ids[10], "d10");
  EXPECT_EQ(ids[11], "d11");
}

TEST_F(PostgresOutageTest, ACommitThatNeverArrivedIsReadBackAsRolledBack) {
  CommitProxy proxy(dir_.path(), server_->socket_dir() + "/.s.PGSQL.5432");
  auto log = OpenPostgresDecisionLog(Options(proxy.Dsn(dsn_)));
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*log)->AppendAndWait(Decision(i)).ok());
  proxy.Arm(CommitProxy::Fault::kLoseCommit);
  EXPECT_EQ((*log)->AppendAndWait(Decision(10)).status().code(), absl::StatusCode::kUnavailable);
  // d10 rolled back with the vanished session; the next record takes index 10.
  EXPECT_EQ(AppendWhenBack(log->get(), Decision(11)), 10);
  ASSERT_TRUE((*log)->Close().ok());
  const std::vector<std::string> ids = StoredIds();
  ASSERT_EQ(ids.size(), 11u);
  EXPECT_EQ(ids[10], "d11");
}

TEST_F(PostgresOutageTest, AServerCrashFailsAppendsClosedAndTheChainContinuesAfterIt) {
  auto log = OpenPostgresDecisionLog(Options(dsn_));
  ASSERT_TRUE(log.ok()) << log.status();
  std::set<std::string> acknowledged;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE((*log)->AppendAndWait(Decision(i)).ok());
    acknowledged.insert(absl::StrCat("d", i));
  }
  ASSERT_TRUE(server_->Stop("immediate").ok());
  // Every append while the server is down is refused, none hangs.
  for (int i = 6; i < 16; ++i) {
    EXPECT_EQ((*log)->AppendAndWait(Decision(i)).status().code(), absl::StatusCode::kUnavailable) << i;
  }
  ASSERT_TRUE(server_->Restart().ok());
  EXPECT_EQ(AppendWhenBack(log->get(), Decision(16)), 6);
  acknowledged.insert("d16");
  ASSERT_TRUE((*log)->Close().ok());
  const std::vector<std::string> ids = StoredIds();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), acknowledged);
}

TEST_F(PostgresOutageTest, ATailThatContradictsTheAcknowledgedRecordsStopsTheLog) {
  auto log = OpenPostgresDecisionLog(Options(dsn_));
  ASSERT_TRUE(log.ok()) << log.status();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE((*log)->AppendAndWait(Decision(i)).ok());
  // As if an older backup were restored under the running sidecar: the last
  // acknowledged record is gone, and the connection with it.
  ASSERT_TRUE(PostgresServer::Exec(dsn_, "DELETE FROM grens_records WHERE idx = 4").ok());
  ASSERT_TRUE(PostgresServer::Exec(dsn_, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                         " WHERE application_name = 'grensd'")
                  .ok());
  std::string refusal;
  ASSERT_TRUE(Eventually(
      [&] {
        absl::StatusOr<int64_t> r = (*log)->AppendAndWait(Decision(5));
        EXPECT_FALSE(r.ok());
        refusal = std::string(r.status().message());
        return absl::StrContains(refusal, "record 4 as this sidecar committed it is gone");
      },
      absl::Seconds(30)));
  EXPECT_EQ((*log)->AppendAndWait(Decision(6)).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT((*log)->Close().message(), HasSubstr("is gone"));
}

}  // namespace
}  // namespace grens::plugin

#ifndef GRENS_TESTS_SUPPORT_POSTGRES_SERVER_H_
#define GRENS_TESTS_SUPPORT_POSTGRES_SERVER_H_

// A real PostgreSQL server for tests: initdb into a temporary directory and
// pg_ctl start, listening only on a Unix socket in that directory, run as the
// `postgres` OS user when the test runs as root (the server refuses root).
// Readiness is a connection attempt loop, never a sleep. The binaries come
// from $GRENS_PG_BINDIR, else /usr/lib/postgresql/15/bin (Debian's
// `postgresql` package), else the newest /usr/lib/postgresql/*/bin.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace grens::testing {

// External synchronization required (one thread drives start and stop).
class PostgresServer {
 public:
  // Creates the cluster and starts the server; Unavailable with the server's
  // log if it does not come up.
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start();
  // Stops the server (immediately) and removes its directory.
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // A libpq connection string for the database "postgres" as the superuser "grens".
  std::string Dsn() const;
  // Creates the schema `name` and returns a DSN whose search_path is that
  // schema: an empty place for one test's tables, much cheaper than a database.
  absl::StatusOr<std::string> CreateSchema(const std::string& name) const;
  // Runs SQL through `dsn` (for tampering and inspection).
  static absl::Status Exec(const std::string& dsn, const std::string& sql);

  // pg_ctl stop: "immediate" is a crash (recovery at the next start), "fast"
  // a clean shutdown. Returns when the server is gone.
  absl::Status Stop(const std::string& mode = "immediate");
  // Starts the stopped server again and waits until it accepts connections.
  absl::Status Restart();

  // The directory holding the server's socket (.s.PGSQL.5432).
  const std::string& socket_dir() const { return socket_dir_; }

 private:
  explicit PostgresServer(std::string root);
  absl::Status RunTool(const std::string& tool, const std::vector<std::string>& args) const;
  absl::Status StartServer();

  std::string root_;
  std::string bin_dir_;
  std::string data_dir_;
  std::string socket_dir_;
  bool running_ = false;
};

// A GoogleTest fixture for tests against a real PostgreSQL server: one server
// per test suite (started by SetUpTestSuite, stopped by TearDownTestSuite) and
// for each test an empty schema named after the test in lower case, which
// dsn_ selects. Derive a test's fixture from it; a SetUp of its own must call
// PostgresTest::SetUp first. Driven by the test's thread only, like any fixture.
class PostgresTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  void SetUp() override;

  // The suite's server, owned here from SetUpTestSuite to TearDownTestSuite;
  // null if it did not start (SetUp then fails the test).
  static PostgresServer* server_;
  // The current test's schema on server_.
  std::string dsn_;
};

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_POSTGRES_SERVER_H_

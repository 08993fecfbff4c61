#include "tests/support/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "plugin/pg_util.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {
namespace {

// Where initdb and pg_ctl are.
std::string FindBinDir() {
  if (const char* env = std::getenv("GRENS_PG_BINDIR")) return env;
  const std::string debian = "/usr/lib/postgresql/15/bin";
  if (::access((debian + "/initdb").c_str(), X_OK) == 0) return debian;
  std::string newest;
  std::error_code ignored;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ignored)) {
    const std::string bin = entry.path().string() + "/bin";
    if (::access((bin + "/initdb").c_str(), X_OK) == 0 && bin > newest) newest = bin;
  }
  return newest;
}

// The account the server runs as: `postgres` when we are root (the server
// refuses to run as root), else ourselves.
struct Account {
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

absl::StatusOr<Account> ServerAccount() {
  Account a;
  if (::geteuid() != 0) return a;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) {
    return absl::FailedPreconditionError("no 'postgres' user: install the postgresql package (deploy/setup.sh deps)");
  }
  a.switch_user = true;
  a.uid = pw->pw_uid;
  a.gid = pw->pw_gid;
  return a;
}

}  // namespace

PostgresServer::PostgresServer(std::string root)
    : root_(std::move(root)), bin_dir_(FindBinDir()), data_dir_(root_ + "/data"), socket_dir_(root_ + "/sock") {}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start() {
  char pattern[] = "/tmp/grens-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) return absl::InternalError("mkdtemp failed");
  std::unique_ptr<PostgresServer> server(new PostgresServer(pattern));
  if (server->bin_dir_.empty()) {
    return absl::FailedPreconditionError("no PostgreSQL server binaries: install the postgresql package");
  }
  absl::StatusOr<Account> account = ServerAccount();
  if (!account.ok()) return account.status();
  ::mkdir(server->socket_dir_.c_str(), 0700);
  if (account->switch_user) {
    for (const std::string& d : {server->root_, server->socket_dir_}) {
      if (::chown(d.c_str(), account->uid, account->gid) != 0) return absl::InternalError("cannot chown " + d);
    }
  }
  absl::Status made = server->RunTool("initdb", {"-D", server->data_dir_, "-U", "grens", "-A", "trust", "-E", "UTF8",
                                                 "--locale=C", "--no-sync", "--no-instructions"});
  if (!made.ok()) return made;
  // Only the Unix socket in our directory: no port to collide on, nothing on the network.
  std::ofstream(server->data_dir_ + "/postgresql.conf", std::ios::app)
      << "listen_addresses = ''\nunix_socket_directories = '" << server->socket_dir_ << "'\nport = 5432\n"
      << "max_connections = 40\nshared_buffers = 16MB\n";
  absl::Status started = server->StartServer();
  if (!started.ok()) return started;
  return server;
}

PostgresServer::~PostgresServer() {
  if (running_) (void)Stop("immediate");
  std::error_code ignored;
  std::filesystem::remove_all(root_, ignored);
}

absl::Status PostgresServer::RunTool(const std::string& tool, const std::vector<std::string>& args) const {
  absl::StatusOr<Account> account = ServerAccount();
  if (!account.ok()) return account.status();
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls until exec.
  const std::string path = bin_dir_ + "/" + tool;
  const std::string output = root_ + "/" + tool + ".out";
  std::vector<std::string> argv_strings = {path};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  char env_path[] = "PATH=/usr/bin:/bin";
  char env_locale[] = "LC_ALL=C";
  char* envp[] = {env_path, env_locale, nullptr};
  const pid_t pid = ::fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    if (account->switch_user && (::setgroups(0, nullptr) != 0 || ::setgid(account->gid) != 0 ||
                                 ::setuid(account->uid) != 0)) {
      ::_exit(126);
    }
    // The tools need a current directory they can read.
    if (::chdir(root_.c_str()) != 0) ::_exit(126);
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execve(path.c_str(), argv.data(), envp);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(tool, " failed: ", ReadAll(output), "\nserver log:\n",
                                             ReadAll(root_ + "/server.log")));
}

absl::Status PostgresServer::StartServer() {
  absl::Status started = RunTool("pg_ctl", {"-D", data_dir_, "-l", root_ + "/server.log", "-w", "-t", "60", "start"});
  if (!started.ok()) return started;
  running_ = true;
  const bool accepting = Eventually(
      [&] { return plugin::PgConnection::Open(Dsn(), "grens-test").ok(); }, absl::Seconds(60));
  if (!accepting) return absl::UnavailableError("the server does not accept connections: " + ReadAll(root_ + "/server.log"));
  return absl::OkStatus();
}

absl::Status PostgresServer::Stop(const std::string& mode) {
  absl::Status stopped = RunTool("pg_ctl", {"-D", data_dir_, "-m", mode, "-w", "-t", "60", "stop"});
  if (stopped.ok()) running_ = false;
  return stopped;
}

absl::Status PostgresServer::Restart() { return StartServer(); }

std::string PostgresServer::Dsn() const {
  return absl::StrCat("host=", socket_dir_, " port=5432 user=grens dbname=postgres");
}

absl::StatusOr<std::string> PostgresServer::CreateSchema(const std::string& name) const {
  absl::Status made = Exec(Dsn(), absl::StrCat("CREATE SCHEMA \"", name, "\""));
  if (!made.ok()) return made;
  return absl::StrCat(Dsn(), " options='-c search_path=", name, "'");
}

absl::Status PostgresServer::Exec(const std::string& dsn, const std::string& sql) {
  auto conn = plugin::PgConnection::Open(dsn, "grens-test");
  if (!conn.ok()) return conn.status();
  return (*conn)->Exec(sql);
}

PostgresServer* PostgresTest::server_ = nullptr;

void PostgresTest::SetUpTestSuite() {
  auto server = PostgresServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  server_ = std::move(*server).release();
}

void PostgresTest::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
}

void PostgresTest::SetUp() {
  ASSERT_NE(server_, nullptr);
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto dsn = server_->CreateSchema(name);
  ASSERT_TRUE(dsn.ok()) << dsn.status();
  dsn_ = *dsn;
}

}  // namespace grens::testing

#include "tests/support/grensd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"

extern char** environ;

namespace grens::testing {
namespace {

// Spawns grensd with stderr to a file; returns its pid.
pid_t Spawn(const std::vector<std::string>& args, const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

}  // namespace

absl::Time GrensdClockStart() {
  absl::Time t;
  std::string error;
  absl::ParseTime(absl::RFC3339_full, kGrensdClockStart, &t, &error);
  return t;
}

namespace {

std::vector<std::string> Command(const TempDir& dir, const std::string& config_yaml, std::vector<std::string> args) {
  const std::string config = dir.Write("grensd.yaml", config_yaml);
  std::vector<std::string> command = {std::string(GRENS_BIN_DIR) + "/grensd", "--config", config, "--ready_file",
                                      dir.path() + "/ready"};
  if (config_yaml.find("listeners") == std::string::npos) command.push_back("--listen=127.0.0.1:0");
  bool own_clock = false;
  for (const std::string& a : args) own_clock |= a.rfind("--clock_start", 0) == 0;
  if (!own_clock) command.push_back(std::string("--clock_start=") + kGrensdClockStart);
  command.insert(command.end(), args.begin(), args.end());
  return command;
}

}  // namespace

TempDir::TempDir() {
  char pattern[] = "/tmp/grens-test-XXXXXX";
  path_ = mkdtemp(pattern);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(const std::string& name, const std::string& text) const {
  const std::string path = path_ + "/" + name;
  const std::string tmp = path + ".writing";
  std::ofstream(tmp) << text;
  std::rename(tmp.c_str(), path.c_str());
  return path;
}

std::string SourceFile(const std::string& relative) { return ReadAll(std::string(GRENS_SOURCE_DIR) + "/" + relative); }

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  return Eventually(
      [&] {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
        grpc::health::v1::HealthCheckRequest request;
        grpc::health::v1::HealthCheckResponse response;
        return stub->Check(&context, request, &response).ok() &&
               response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
      },
      timeout);
}

absl::StatusOr<std::unique_ptr<GrensdProcess>> GrensdProcess::Start(const TempDir& dir, const std::string& config_yaml,
                                                                   std::vector<std::string> args,
                                                                   absl::Duration timeout) {
  const std::string stderr_path = dir.path() + "/grensd.stderr";
  const std::string ready = dir.path() + "/ready";
  ::unlink(ready.c_str());  // a previous run's file must not count as ready
  const pid_t pid = Spawn(Command(dir, config_yaml, std::move(args)), stderr_path);
  if (pid < 0) return absl::InternalError("cannot spawn grensd");
  std::unique_ptr<GrensdProcess> process(new GrensdProcess(pid, stderr_path));
  // The ready file appears once the listeners are bound and the policy is active.
  const bool up = Eventually(
      [&] {
        int status = 0;
        if (waitpid(pid, &status, WNOHANG) == pid) {
          process->exited_ = true;
          return true;
        }
        return ::access(ready.c_str(), F_OK) == 0;
      },
      timeout);
  if (process->exited_ || !up) {
    return absl::UnavailableError(absl::StrCat("grensd did not come up: ", process->Stderr()));
  }
  std::string first_line = ReadAll(ready);
  process->address_ = first_line.substr(0, first_line.find('\n'));
  if (!WaitForServing(process->Channel(), timeout)) {
    return absl::UnavailableError(absl::StrCat("grensd is not SERVING: ", process->Stderr()));
  }
  return process;
}

std::pair<int, std::string> GrensdProcess::RunToExit(const TempDir& dir, const std::string& config_yaml,
                                                     std::vector<std::string> args) {
  const std::string stderr_path = dir.path() + "/grensd-run.stderr";
  const pid_t pid = Spawn(Command(dir, config_yaml, std::move(args)), stderr_path);
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, ReadAll(stderr_path)};
}

GrensdProcess::~GrensdProcess() {
  if (!exited_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
}

std::shared_ptr<grpc::Channel> GrensdProcess::Channel() const {
  return grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

void GrensdProcess::Signal(int signal) const { ::kill(pid_, signal); }

int GrensdProcess::WaitForExit(absl::Duration timeout) {
  int status = 0;
  bool gone = Eventually([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
  if (!gone) return -1;
  exited_ = true;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string GrensdProcess::Stderr() const { return ReadAll(stderr_path_); }

}  // namespace grens::testing

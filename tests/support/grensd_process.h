#ifndef GRENS_TESTS_SUPPORT_GRENSD_PROCESS_H_
#define GRENS_TESTS_SUPPORT_GRENSD_PROCESS_H_

// Runs the real grensd binary for integration tests: a temporary directory with
// a config, the process on an ephemeral loopback port, readiness by polling the
// health service (never by sleeping), signals, and the exit code.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace grens::testing {

// The instant every grensd these tests start reads at start-up
// (--clock_start; its clock runs at real speed from there): a Wednesday
// afternoon inside both example agreements' terms and after every event the
// tests send, so that the suite never depends on the day or time it runs.
// Tests that start grensd with their own --clock_start keep theirs.
inline constexpr char kGrensdClockStart[] = "2026-06-03T13:00:00Z";
absl::Time GrensdClockStart();

// A fresh directory under /tmp, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `text` to path()/name and returns the full path.
  std::string Write(const std::string& name, const std::string& text) const;

 private:
  std::string path_;
};

// Copies a file of the source tree (relative to the repository root) to `to`.
std::string SourceFile(const std::string& relative);

// The contents of the file at `path`, or "" when it cannot be read (a file
// the process under test has not written yet reads as empty).
std::string ReadAll(const std::string& path);

class GrensdProcess {
 public:
  // Starts grensd with `config_yaml` (written to dir/grensd.yaml) plus `args`,
  // and waits (up to `timeout`) until it is SERVING. The config should leave
  // listeners unset (an ephemeral loopback port is added) or name its own.
  static absl::StatusOr<std::unique_ptr<GrensdProcess>> Start(const TempDir& dir, const std::string& config_yaml,
                                                             std::vector<std::string> args = {},
                                                             absl::Duration timeout = absl::Seconds(30));
  // Runs grensd to completion (for start-up failures): its exit code and stderr.
  static std::pair<int, std::string> RunToExit(const TempDir& dir, const std::string& config_yaml,
                                               std::vector<std::string> args = {});
  // Kills the process (SIGKILL) if it still runs.
  ~GrensdProcess();
  GrensdProcess(const GrensdProcess&) = delete;
  GrensdProcess& operator=(const GrensdProcess&) = delete;

  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> Channel() const;
  void Signal(int signal) const;
  // Waits for the process to exit; its exit code, or -1 on timeout or a signal death.
  int WaitForExit(absl::Duration timeout);
  // What the process wrote to stderr so far.
  std::string Stderr() const;
  pid_t pid() const { return pid_; }

 private:
  GrensdProcess(pid_t pid, std::string stderr_path) : pid_(pid), stderr_path_(std::move(stderr_path)) {}
  pid_t pid_;
  std::string stderr_path_;
  std::string address_;
  bool exited_ = false;
};

// Polls the health service until SERVING or the deadline; true if it got there.
bool WaitForServing(const std::shared_ptr<grpc::Channel>& channel, absl::Duration timeout);

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout);

}  // namespace grens::testing

#include "tests/support/grensd_process_inl.h"

#endif  // GRENS_TESTS_SUPPORT_GRENSD_PROCESS_H_

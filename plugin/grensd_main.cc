// grensd: the grens sidecar. Judges monitoring events against the works
// agreement and records every decision. Thin on purpose: parse flags and the
// config, start the Sidecar, turn signals into reloads and a graceful stop.

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "plugin/process_log.h"
#include "plugin/server.h"
#include "plugin/sidecar_config.h"

ABSL_FLAG(std::string, config, "", "sidecar config file (YAML or text proto); flags below override it");
ABSL_FLAG(std::vector<std::string>, listen, {},
          "listen addresses, comma separated (127.0.0.1:50051, [::1]:0, unix:/run/grens.sock)");
ABSL_FLAG(std::string, policy, "", "policy file (the works agreement)");
ABSL_FLAG(std::string, data_dir, "", "directory of the decision log and keys (default ./grens-data)");
ABSL_FLAG(std::string, log_level, "",
          "process log level: debug, info, warn or error (default info); JSON lines on stderr");
ABSL_FLAG(std::string, metrics_address, "",
          "HTTP address for /metrics, /healthz and /readyz, e.g. 127.0.0.1:9090 (default off)");
ABSL_FLAG(std::string, health_address, "",
          "plaintext gRPC address serving only grpc.health.v1, e.g. 0.0.0.0:8081 (default off)");
ABSL_FLAG(std::string, ready_file, "", "write the bound addresses here, one per line, once serving");
ABSL_FLAG(bool, print_config, false, "print the effective config and exit");
ABSL_FLAG(std::string, clock_start, "",
          "for tests and drills only: judge as if the clock had read this RFC 3339 instant at start-up "
          "(it runs at real speed from there); every record is then stamped with that time too");

namespace {

using grens::plugin::Log;
using grens::plugin::LogLevel;

absl::StatusOr<grens::v1::SidecarConfig> EffectiveConfig() {
  grens::v1::SidecarConfig config;
  if (!absl::GetFlag(FLAGS_config).empty()) {
    absl::StatusOr<grens::v1::SidecarConfig> loaded = grens::plugin::LoadSidecarConfig(absl::GetFlag(FLAGS_config));
    if (!loaded.ok()) return loaded.status();
    config = *loaded;
  }
  if (!absl::GetFlag(FLAGS_listen).empty()) {
    config.clear_listeners();
    for (const std::string& a : absl::GetFlag(FLAGS_listen)) config.add_listeners()->set_address(a);
  }
  if (!absl::GetFlag(FLAGS_policy).empty()) config.set_policy_path(absl::GetFlag(FLAGS_policy));
  if (!absl::GetFlag(FLAGS_data_dir).empty()) config.set_data_dir(absl::GetFlag(FLAGS_data_dir));
  if (!absl::GetFlag(FLAGS_log_level).empty()) config.set_log_level(absl::GetFlag(FLAGS_log_level));
  if (!absl::GetFlag(FLAGS_metrics_address).empty()) config.set_metrics_address(absl::GetFlag(FLAGS_metrics_address));
  if (!absl::GetFlag(FLAGS_health_address).empty()) config.set_health_address(absl::GetFlag(FLAGS_health_address));
  absl::Status finalized = grens::plugin::FinalizeSidecarConfig(&config);
  if (!finalized.ok()) return finalized;
  return config;
}

void WriteReadyFile(const std::string& path, const std::vector<std::string>& addresses) {
  if (path.empty()) return;
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << absl::StrJoin(addresses, "\n") << "\n";
  std::rename(tmp.c_str(), path.c_str());  // readers never see half a file
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("grensd --policy AGREEMENT.yaml [--config grensd.yaml] [--listen ADDR]");
  absl::ParseCommandLine(argc, argv);
  // Debian's Abseil checks every Mutex acquisition for lock-order cycles (a
  // global graph behind a global lock), which costs more than the decisions'
  // own critical sections. Lock order is checked by the clang thread-safety
  // build and the TSan run instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the signals before any thread starts so that only the signal thread
  // below receives them, through sigwait.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGHUP, SIGTERM, SIGINT}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  absl::StatusOr<grens::v1::SidecarConfig> config = EffectiveConfig();
  if (!config.ok()) {
    Log(LogLevel::kError, "bad configuration", {{"error", std::string(config.status().message())}});
    return 2;
  }
  LogLevel level = LogLevel::kInfo;
  if (!config->log_level().empty() && !grens::plugin::ParseLogLevel(config->log_level(), &level)) {
    Log(LogLevel::kError, "bad configuration", {{"error", "log_level: use debug, info, warn or error"}});
    return 2;
  }
  grens::plugin::SetLogLevel(level);
  if (absl::GetFlag(FLAGS_print_config)) {
    std::string text;
    google::protobuf::TextFormat::PrintToString(*config, &text);
    std::fputs(text.c_str(), stdout);
    return 0;
  }

  std::unique_ptr<grens::plugin::Clock> clock = std::make_unique<grens::plugin::SystemClock>();
  if (!absl::GetFlag(FLAGS_clock_start).empty()) {
    absl::Time start;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, absl::GetFlag(FLAGS_clock_start), &start, &error)) {
      Log(LogLevel::kError, "bad configuration", {{"error", "--clock_start: not an RFC 3339 time"}});
      return 2;
    }
    clock = std::make_unique<grens::plugin::OffsetClock>(start);
    Log(LogLevel::kWarn, "the clock is moved: decisions are judged and stamped as of --clock_start",
        {{"clock_start", absl::GetFlag(FLAGS_clock_start)}});
  }
  absl::StatusOr<std::unique_ptr<grens::plugin::Sidecar>> sidecar =
      grens::plugin::Sidecar::Start(*config, clock.get());
  if (!sidecar.ok()) {
    Log(LogLevel::kError, "cannot start", {{"error", std::string(sidecar.status().message())}});
    return 1;
  }
  Log(LogLevel::kInfo, "grensd serving",
      {{"addresses", absl::StrJoin((*sidecar)->addresses(), ",")}, {"policy", config->policy_path()},
       {"data_dir", config->data_dir()}});
  WriteReadyFile(absl::GetFlag(FLAGS_ready_file), (*sidecar)->addresses());

  absl::Status stopped;
  std::thread signal_thread([&] {
    while (true) {
      int signal = 0;
      if (sigwait(&signals, &signal) != 0) continue;
      if (signal == SIGHUP) {
        Log(LogLevel::kInfo, "SIGHUP: reloading the policy");
        (*sidecar)->RequestReload(grens::v1::POLICY_TRIGGER_SIGNAL);
        continue;
      }
      Log(LogLevel::kInfo, "stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
      stopped = (*sidecar)->Shutdown(grens::plugin::ShutdownGrace(*config));
      return;
    }
  });
  (*sidecar)->Wait();
  signal_thread.join();
  if (!stopped.ok()) {
    Log(LogLevel::kError, "the decision log did not close cleanly", {{"error", std::string(stopped.message())}});
    return 1;
  }
  return 0;
}

// grensd's Guard service and decision pipeline over the real policy engine, but
// with a decision log that records nothing: the "logging off" baseline that
// shows what durable logging costs (bench only; grensd has no such mode, since
// an unrecorded decision is exactly what grens exists to prevent).

#include <atomic>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpcpp/grpcpp.h"
#include "plugin/decision_log.h"
#include "plugin/decision_pipeline.h"
#include "plugin/guard_service.h"
#include "plugin/policy_holder.h"
#include "plugin/pseudonymizer.h"
#include "plugin/sidecar_config.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "address to listen on");
ABSL_FLAG(std::string, policy, "", "policy file");
ABSL_FLAG(std::string, ready_file, "", "write the bound address here once serving");
ABSL_FLAG(std::string, clock_start, "2026-06-03T13:00:00Z",
          "judge as if the clock read this at start-up (as grensd --clock_start), inside the example's term");

namespace {

// Answers every append at once with the next index; stores nothing.
class NoLog final : public grens::plugin::DecisionLog {
 public:
  void AppendGroup(Records records, CommitCallback done) override {
    done(next_.fetch_add(static_cast<int64_t>(records.size())));
  }
  int64_t Size() const override { return next_.load(); }
  absl::Status Close() override { return absl::OkStatus(); }

 private:
  std::atomic<int64_t> next_{0};  // appended from many threads
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  absl::Time start;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, absl::GetFlag(FLAGS_clock_start), &start, &error)) return 2;
  grens::plugin::OffsetClock clock(start);
  NoLog log;
  grens::plugin::PolicyHolder policies(absl::GetFlag(FLAGS_policy), &log, &clock, nullptr);
  if (!policies.Reload(grens::v1::POLICY_TRIGGER_STARTUP).activated) return 1;
  auto pseudonymizer = grens::plugin::Pseudonymizer::FromKey(std::string(32, 'k'));
  grens::v1::Limits limits;
  limits.set_max_content_bytes(grens::plugin::kDefaultMaxContentBytes);
  grens::plugin::DecisionPipeline pipeline(&policies, &log, pseudonymizer.get(), &clock, limits);
  grens::plugin::GuardService guard(&pipeline, nullptr);
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen), grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&guard);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) return 1;
  const std::string listen = absl::GetFlag(FLAGS_listen);
  if (!absl::GetFlag(FLAGS_ready_file).empty()) {
    std::ofstream(absl::GetFlag(FLAGS_ready_file) + ".tmp") << listen.substr(0, listen.rfind(':')) << ":" << port << "\n";
    std::rename((absl::GetFlag(FLAGS_ready_file) + ".tmp").c_str(), absl::GetFlag(FLAGS_ready_file).c_str());
  }
  server->Wait();
  return 0;
}

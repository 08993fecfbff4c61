#include "plugin/server.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "plugin/listener_credentials.h"
#include "plugin/listener_gate.h"
#include "plugin/log_backend.h"
#include "plugin/process_log.h"
#include "plugin/sidecar_config.h"
#include "plugin/status_util.h"
#include "policy/file_util.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

// "127.0.0.1:0" with the port the kernel chose.
std::string BoundAddress(const std::string& address, int port) {
  if (absl::StartsWith(address, "unix")) return address;
  const size_t colon = address.rfind(':');
  return absl::StrCat(address.substr(0, colon), ":", port);
}

}  // namespace

Sidecar::Sidecar(const v1::SidecarConfig& config, const Clock* clock)
    : config_(config), clock_(clock), started_at_(clock->Now()) {}

absl::StatusOr<std::unique_ptr<Sidecar>> Sidecar::Start(const v1::SidecarConfig& config, const Clock* clock) {
  std::unique_ptr<Sidecar> sidecar(new Sidecar(config, clock));
  absl::Status status = sidecar->Init();
  if (!status.ok()) {
    (void)sidecar->Shutdown(absl::ZeroDuration());
    return status;
  }
  return sidecar;
}

absl::Status Sidecar::Init() {
  GRENS_ASSIGN_OR_RETURN(log_, OpenConfiguredDecisionLog(config_, clock_, metrics_->log()));
  GRENS_ASSIGN_OR_RETURN(pseudonymizer_, Pseudonymizer::FromKeyFile(config_.pseudonym_key_file(), true));
  GRENS_ASSIGN_OR_RETURN(access_, AccessPolicy::Create(config_));
  limiter_ = std::make_unique<CallLimiter>(config_.limits().max_in_flight_per_client(), access_.get());
  GuardLimits guard_limits;
  guard_limits.in_flight = limiter_.get();
  guard_limits.max_stream_messages = config_.limits().max_stream_messages();
  guard_limits.max_events_per_message = config_.limits().max_events_per_payload();
  control_ = std::make_unique<TaskQueue>();
  GRENS_ASSIGN_OR_RETURN(PolicyHolderOptions holder_options, MakePolicyHolderOptions(config_, pseudonymizer_.get()));
  policies_ = std::make_unique<PolicyHolder>(config_.policy_path(), log_.get(), clock_, nullptr, std::move(holder_options));
  pipeline_ = std::make_unique<DecisionPipeline>(policies_.get(), log_.get(), pseudonymizer_.get(), clock_,
                                                 config_.limits(), metrics_.get());
  GRENS_ASSIGN_OR_RETURN(std::shared_ptr<const adapters::Directory> directory, LoadDirectory(config_));
  GRENS_ASSIGN_OR_RETURN(platform_events_, NewPlatformEvents(config_, directory, pipeline_.get(), clock_));
  guard_ = std::make_unique<GuardService>(
      pipeline_.get(),
      [events = platform_events_.get()](const v1::EvaluatePlatformEventRequest* request,
                                        v1::EvaluatePlatformEventResponse* response, grpc::ServerUnaryReactor* reactor) {
        events->Handle(*request, response, [reactor](absl::Status status) { reactor->Finish(ToGrpcStatus(status)); });
      },
      64, guard_limits);
  // Always served: without a route table every Check gets the policy's
  // default (recorded), so a forgotten table fails closed and visibly.
  GRENS_ASSIGN_OR_RETURN(ext_authz_, NewExtAuthzService(config_, directory, pipeline_.get(), clock_, limiter_.get()));
  admin_ = std::make_unique<PolicyAdminService>(policies_.get(), control_.get(), started_at_, limiter_.get());
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, OpenConfiguredLogReader(config_));
  audit_ = std::make_unique<AuditLogService>(std::move(reader), limiter_.get());
  GRENS_RETURN_IF_ERROR(BuildServer());
  GRENS_RETURN_IF_ERROR(StartOpsEndpoints());
  const ReloadOutcome first = policies_->Reload(v1::POLICY_TRIGGER_STARTUP);
  if (!first.activated) {
    return absl::FailedPreconditionError(absl::StrCat("the policy ", config_.policy_path(),
                                                      " cannot be activated: ", first.loaded.RejectionSummary()));
  }
  SetServing(true);
  if (!config_.disable_policy_watch()) {
    GRENS_ASSIGN_OR_RETURN(watcher_, PolicyWatcher::Start(config_.policy_path(), [this] {
                             RequestReload(v1::POLICY_TRIGGER_FILE_WATCH);
                           }));
  }
  return StartBreakGlass();
}

absl::Status Sidecar::StartBreakGlass() {
  if (config_.break_glass_path().empty()) return absl::OkStatus();
  if (!config_.disable_policy_watch()) {
    GRENS_ASSIGN_OR_RETURN(case_watcher_, PolicyWatcher::Start(config_.break_glass_path(), [this] {
                             control_->Post([this] { policies_->ReloadCases(); });
                           }));
  }
  case_ticker_ = std::make_unique<Ticker>(absl::Seconds(1), [this] {
    control_->Post([this] { policies_->TickCases(); });
  });
  return absl::OkStatus();
}

absl::Status Sidecar::BuildServer() {
  grpc::EnableDefaultHealthCheckService(true);
  // Referenced so the linker keeps the health descriptor for reflection.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  std::vector<int> ports(config_.listeners_size(), 0);
  for (int i = 0; i < config_.listeners_size(); ++i) {
    std::shared_ptr<grpc::AuthMetadataProcessor> gate;
    if (access_->Gated(i)) gate = std::make_shared<ListenerGate>(access_, i);
    GRENS_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                           ListenerCredentials(config_.listeners(i), i, std::move(gate)));
    builder.AddListeningPort(config_.listeners(i).address(), credentials, &ports[i]);
    if (access_->open_mode() && !IsLocalAddress(config_.listeners(i).address())) {
      Log(LogLevel::kWarn, "no roles are configured: only health and reflection answer on this listener",
          {{"listener", config_.listeners(i).address()}});
    }
  }
  builder.SetMaxReceiveMessageSize(config_.limits().max_message_bytes());
  builder.RegisterService(guard_.get());
  builder.RegisterService(ext_authz_.get());
  builder.RegisterService(admin_.get());
  builder.RegisterService(audit_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr) return absl::UnavailableError("cannot start the gRPC server (address in use?)");
  for (int i = 0; i < config_.listeners_size(); ++i) {
    const v1::Listener& l = config_.listeners(i);
    if (ports[i] == 0 && !absl::StartsWith(l.address(), "unix")) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", l.address()));
    }
    addresses_.push_back(BoundAddress(l.address(), ports[i]));
    GRENS_RETURN_IF_ERROR(ApplyUnixSocketAccess(l, i));
  }
  SetServing(false);
  return absl::OkStatus();
}

void Sidecar::SetServing(bool serving) {
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server != nullptr) server->GetHealthCheckService()->SetServingStatus(serving);
  }
}

void Sidecar::RequestReload(v1::PolicyTrigger trigger) {
  control_->Post([this, trigger] { policies_->Reload(trigger); });
}

absl::Status Sidecar::Shutdown(absl::Duration grace) {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  stopping_.store(true);
  watcher_.reset();
  case_watcher_.reset();
  case_ticker_.reset();
  SetServing(false);
  if (server_ != nullptr) {
    // A real deadline: how long callers may still wait, whatever clock the policy sees.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    Log(LogLevel::kDebug, "listeners closed, in-flight calls done");
  }
  if (health_server_ != nullptr) health_server_->Shutdown(absl::ToChronoTime(absl::Now()));
  control_.reset();  // finishes queued reloads
  // The audit reader's connection goes first, so the writer's close can
  // checkpoint the WAL without waiting on a reader.
  audit_.reset();
  Log(LogLevel::kDebug, "closing the decision log");
  absl::Status closed = log_ != nullptr ? log_->Close() : absl::OkStatus();
  std::string refusals;
  for (const auto& [reason, count] : RefusalCounts()) absl::StrAppend(&refusals, refusals.empty() ? "" : ",", reason, "=", count);
  Log(LogLevel::kInfo, "grensd stopped",
      {{"log_size", log_ != nullptr ? absl::StrCat(log_->Size()) : "0"}, {"refusals", refusals}});
  metrics_http_.reset();  // last: scrapes and probes see the whole shutdown
  return closed;
}

std::vector<std::pair<std::string, int64_t>> Sidecar::RefusalCounts() const {
  std::vector<std::pair<std::string, int64_t>> counts;
  if (access_ != nullptr) counts = access_->RefusalCounts();
  if (limiter_ != nullptr) {
    counts.emplace_back("limits.max_in_flight_per_client", limiter_->in_flight_refusals());
    counts.emplace_back("limits.max_stream_messages", limiter_->stream_refusals());
  }
  return counts;
}

void Sidecar::Wait() {
  if (server_ != nullptr) server_->Wait();
}

Sidecar::~Sidecar() { (void)Shutdown(absl::ZeroDuration()); }

}  // namespace grens::plugin

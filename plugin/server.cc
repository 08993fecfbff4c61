#include "plugin/server.h"

#include <sys/stat.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"
#include "plugin/process_log.h"
#include "plugin/sqlite_decision_log.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(const v1::Listener& listener) {
  if (listener.tls().cert_file().empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  absl::StatusOr<std::string> cert = policy::ReadFileToString(listener.tls().cert_file());
  absl::StatusOr<std::string> key = policy::ReadFileToString(listener.tls().key_file());
  if (!cert.ok()) return cert.status();
  if (!key.ok()) return key.status();
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!listener.tls().client_ca_file().empty()) {
    absl::StatusOr<std::string> ca = policy::ReadFileToString(listener.tls().client_ca_file());
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request = GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

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
  SqliteDecisionLogOptions log_options;
  log_options.data_dir = config_.data_dir();
  log_options.signing_key_file = config_.signing_key_file();
  log_options.origin = config_.decision_log().origin().empty() ? "grens" : config_.decision_log().origin();
  if (config_.decision_log().checkpoint_every_records() > 0) {
    log_options.checkpoint_every_records = config_.decision_log().checkpoint_every_records();
  }
  if (!config_.decision_log().checkpoint_interval().empty()) {
    log_options.checkpoint_interval = *policy::ParseAgreementDuration(config_.decision_log().checkpoint_interval());
  }
  if (config_.decision_log().max_batch() > 0) log_options.max_batch = config_.decision_log().max_batch();
  if (!config_.decision_log().retention().empty()) {
    log_options.retention = *policy::ParseAgreementDuration(config_.decision_log().retention());
  }
  log_options.clock = clock_;
  GRENS_ASSIGN_OR_RETURN(log_, OpenSqliteDecisionLog(log_options));
  GRENS_ASSIGN_OR_RETURN(pseudonymizer_, Pseudonymizer::FromKeyFile(config_.pseudonym_key_file(), true));
  control_ = std::make_unique<TaskQueue>();
  GRENS_ASSIGN_OR_RETURN(PolicyHolderOptions holder_options, MakePolicyHolderOptions(config_, pseudonymizer_.get()));
  policies_ = std::make_unique<PolicyHolder>(config_.policy_path(), log_.get(), clock_, nullptr, std::move(holder_options));
  pipeline_ = std::make_unique<DecisionPipeline>(policies_.get(), log_.get(), pseudonymizer_.get(), clock_,
                                                 config_.limits());
  guard_ = std::make_unique<GuardService>(pipeline_.get(), nullptr);
  admin_ = std::make_unique<PolicyAdminService>(policies_.get(), control_.get(), started_at_);
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<LogReader> reader, LogReader::Open(config_.data_dir()));
  audit_ = std::make_unique<AuditLogService>(std::move(reader));
  GRENS_RETURN_IF_ERROR(BuildServer());
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
    GRENS_ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials, Credentials(config_.listeners(i)));
    builder.AddListeningPort(config_.listeners(i).address(), credentials, &ports[i]);
  }
  builder.SetMaxReceiveMessageSize(config_.limits().max_message_bytes());
  builder.RegisterService(guard_.get());
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
    if (absl::StartsWith(l.address(), "unix:") && !l.unix_socket_mode().empty()) {
      const mode_t mode = static_cast<mode_t>(std::strtol(l.unix_socket_mode().c_str(), nullptr, 8));
      if (::chmod(l.address().substr(5).c_str(), mode) != 0) {
        return absl::PermissionDeniedError(absl::StrCat("cannot set mode ", l.unix_socket_mode(), " on ", l.address()));
      }
    }
  }
  SetServing(false);
  return absl::OkStatus();
}

void Sidecar::SetServing(bool serving) {
  if (server_ == nullptr) return;
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  health->SetServingStatus(serving);
}

void Sidecar::RequestReload(v1::PolicyTrigger trigger) {
  control_->Post([this, trigger] { policies_->Reload(trigger); });
}

absl::Status Sidecar::Shutdown(absl::Duration grace) {
  if (shut_down_) return absl::OkStatus();
  shut_down_ = true;
  watcher_.reset();
  case_watcher_.reset();
  case_ticker_.reset();
  if (server_ != nullptr) {
    SetServing(false);
    // A real deadline: how long callers may still wait, whatever clock the policy sees.
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    Log(LogLevel::kDebug, "listeners closed, in-flight calls done");
  }
  control_.reset();  // finishes queued reloads
  // The audit reader's connection goes first, so the writer's close can
  // checkpoint the WAL without waiting on a reader.
  audit_.reset();
  Log(LogLevel::kDebug, "closing the decision log");
  absl::Status closed = log_ != nullptr ? log_->Close() : absl::OkStatus();
  Log(LogLevel::kInfo, "grensd stopped", {{"log_size", log_ != nullptr ? absl::StrCat(log_->Size()) : "0"}});
  return closed;
}

void Sidecar::Wait() {
  if (server_ != nullptr) server_->Wait();
}

Sidecar::~Sidecar() { (void)Shutdown(absl::ZeroDuration()); }

}  // namespace grens::plugin

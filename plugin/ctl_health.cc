#include "plugin/ctl_health.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "plugin/ctl_flags.h"
#include "policy/durations.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

constexpr int kServing = kOk, kNotServing = kFailed;

constexpr char kUsageText[] =
    "usage: grensctl health --addr ADDR [--service NAME] [--timeout 2s] [--ca FILE]\n"
    "  ADDR: 127.0.0.1:50051, unix:/run/grens/grens.sock, or a TLS address with --ca\n"
    "  exit 0 SERVING, 1 not serving or unreachable, 2 usage error\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "grensctl health: %s\n%s", message.c_str(), kUsageText);
  return kUsage;
}

std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& ca_pem) {
  if (ca_pem.empty()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  return grpc::SslCredentials(options);
}

}  // namespace

int RunHealthCommand(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> flags = ParseCtlArgs(args, {"--addr", "--service", "--timeout", "--ca"});
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  if (!flags->positional.empty()) return Usage(absl::StrCat("unexpected argument '", flags->positional.front(), "'"));
  const std::string addr = flags->Get("--addr");
  if (addr.empty()) return Usage("--addr is required");
  absl::StatusOr<absl::Duration> timeout =
      policy::ParseAgreementDuration(flags->flags.count("--timeout") ? flags->Get("--timeout") : "2s");
  if (!timeout.ok() || *timeout <= absl::ZeroDuration()) return Usage("--timeout: use a duration such as 2s");
  std::string ca_pem;
  if (!flags->Get("--ca").empty()) {
    absl::StatusOr<std::string> ca = policy::ReadFileToString(flags->Get("--ca"));
    if (!ca.ok()) return Usage(absl::StrCat("--ca: ", ca.status().message()));
    ca_pem = *ca;
  }
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(addr, Credentials(ca_pem)));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(flags->Get("--service"));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) {
    std::printf("%s: unreachable: %s\n", addr.c_str(), status.error_message().c_str());
    return kNotServing;
  }
  const std::string name = grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
  std::printf("%s: %s\n", addr.c_str(), name.c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kServing : kNotServing;
}

}  // namespace grens::plugin

#include "plugin/sidecar_config.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "plugin/access_policy.h"
#include "plugin/listener_credentials.h"
#include "plugin/metrics_http_server.h"
#include "policy/diagnostic.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {

absl::StatusOr<v1::SidecarConfig> LoadSidecarConfig(const std::string& path) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return text.status();
  v1::SidecarConfig config;
  std::vector<policy::Diagnostic> diagnostics;
  absl::Status parsed =
      policy::ParseMessage(*text, policy::FormatForPath(path), path, &config, &diagnostics, nullptr);
  if (!parsed.ok()) return parsed;
  return config;
}

bool IsLocalAddress(const std::string& address) {
  if (absl::StartsWith(address, "unix:") || absl::StartsWith(address, "unix-abstract:")) return true;
  std::string host = address;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') == std::string::npos ? 0 : host.find(']') - 1);
  } else if (host.rfind(':') != std::string::npos) {
    host = host.substr(0, host.rfind(':'));
  }
  return host == "localhost" || host == "::1" || absl::StartsWith(host, "127.");
}

absl::Duration ShutdownGrace(const v1::SidecarConfig& config) {
  absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(config.shutdown_grace());
  return config.shutdown_grace().empty() || !d.ok() ? absl::Seconds(10) : *d;
}

absl::Status FinalizeSidecarConfig(v1::SidecarConfig* c) {
  if (c->policy_path().empty()) {
    return absl::InvalidArgumentError("policy_path: no policy file given (config policy_path or --policy)");
  }
  if (c->listeners().empty()) c->add_listeners()->set_address(kDefaultListen);
  if (c->data_dir().empty()) c->set_data_dir(kDefaultDataDir);
  if (c->pseudonym_key_file().empty()) c->set_pseudonym_key_file(c->data_dir() + "/pseudonym.key");
  v1::Limits* limits = c->mutable_limits();
  if (limits->max_message_bytes() <= 0) limits->set_max_message_bytes(kDefaultMaxMessageBytes);
  if (limits->max_events_per_payload() <= 0) limits->set_max_events_per_payload(kDefaultMaxEventsPerPayload);
  if (limits->max_content_bytes() <= 0) limits->set_max_content_bytes(kDefaultMaxContentBytes);
  if (limits->max_in_flight_per_client() <= 0) limits->set_max_in_flight_per_client(kDefaultMaxInFlightPerClient);
  for (int i = 0; i < c->listeners_size(); ++i) {
    const v1::Listener& l = c->listeners(i);
    const std::string field = absl::StrCat("listeners[", i, "].address");
    if (l.address().empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": empty address"));
    const bool tls = !l.tls().cert_file().empty();
    if (!tls && !IsLocalAddress(l.address())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": '", l.address(),
          "' is not loopback or a Unix socket; plaintext is refused there: configure tls (cert_file, key_file)"));
    }
    if (tls && l.tls().key_file().empty()) {
      return absl::InvalidArgumentError(absl::StrCat("listeners[", i, "].tls.key_file: missing"));
    }
    absl::Status security = ValidateListenerSecurity(l, i);
    if (!security.ok()) return security;
  }
  absl::StatusOr<std::unique_ptr<AccessPolicy>> access = AccessPolicy::Create(*c);
  if (!access.ok()) return access.status();
  for (const auto& [field, value] : {std::make_pair("shutdown_grace", c->shutdown_grace()),
                                     std::make_pair("decision_log.checkpoint_interval",
                                                    c->decision_log().checkpoint_interval()),
                                     std::make_pair("decision_log.retention", c->decision_log().retention())}) {
    if (value.empty()) continue;
    absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(value);
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", d.status().message()));
  }
  for (const auto& [field, value] : {std::make_pair("metrics_address", c->metrics_address()),
                                     std::make_pair("health_address", c->health_address())}) {
    // The health listener is gRPC and may be a Unix socket; metrics are HTTP over TCP.
    if (value.empty() || (field == std::string("health_address") && absl::StartsWith(value, "unix:"))) continue;
    absl::StatusOr<std::pair<std::string, int>> host_port = SplitHostPort(value);
    if (!host_port.ok()) return absl::InvalidArgumentError(absl::StrCat(field, ": ", host_port.status().message()));
  }
  const std::string& backend = c->decision_log().backend();
  if (!backend.empty() && backend != "sqlite" && backend != "postgres") {
    return absl::InvalidArgumentError(
        absl::StrCat("decision_log.backend: '", backend, "' is not a backend (use sqlite or postgres)"));
  }
  if (backend == "postgres" && c->decision_log().postgres_dsn().empty()) {
    return absl::InvalidArgumentError("decision_log.postgres_dsn: required with backend postgres");
  }
  if (backend != "postgres" && !c->decision_log().postgres_dsn().empty()) {
    // Otherwise decisions would quietly go to a local file nobody audits.
    return absl::InvalidArgumentError("decision_log.postgres_dsn: set, but decision_log.backend is not postgres");
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

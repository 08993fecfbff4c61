#ifndef GRENS_PLUGIN_SIDECAR_CONFIG_H_
#define GRENS_PLUGIN_SIDECAR_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/config.pb.h"

namespace grens::plugin {

// Built-in defaults, applied to fields the config leaves at zero.
inline constexpr char kDefaultListen[] = "127.0.0.1:50051";
inline constexpr char kDefaultDataDir[] = "./grens-data";
inline constexpr int kDefaultMaxMessageBytes = 4 << 20;
inline constexpr int kDefaultMaxEventsPerPayload = 1000;
inline constexpr int kDefaultMaxContentBytes = 64 << 10;
inline constexpr int kDefaultMaxInFlightPerClient = 256;

// Reads a SidecarConfig file (YAML or text proto by extension); errors name the
// file, line and field.
absl::StatusOr<v1::SidecarConfig> LoadSidecarConfig(const std::string& path);

// Fills defaults and checks the result: a policy path is set, every listener
// address parses, plaintext only on loopback or a Unix socket, durations parse,
// listener security fields and roles are well-formed (listener_credentials.h,
// access_policy.h). InvalidArgument naming the field otherwise.
absl::Status FinalizeSidecarConfig(v1::SidecarConfig* config);

// Whether `address` ("host:port", "[v6]:port", "unix:/path") may carry plaintext.
bool IsLocalAddress(const std::string& address);

// shutdown_grace as a duration (default 10s).
absl::Duration ShutdownGrace(const v1::SidecarConfig& config);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_SIDECAR_CONFIG_H_

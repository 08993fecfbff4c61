// The sidecar config loader (plugin/sidecar_config.h) through its public entry
// points, as grensd uses them: LoadSidecarConfig on a file (YAML, and the same
// bytes as text proto), FinalizeSidecarConfig, and the helpers that read the
// result (listener addresses, shutdown grace, log level). Seeds: the configs of
// the tests and deploy examples.

#include <cstddef>
#include <cstdint>
#include <string>

#include "grens/v1/config.pb.h"
#include "plugin/process_log.h"
#include "plugin/sidecar_config.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using grens::fuzzing::Check;
  const absl::string_view text = grens::fuzzing::AsText(data, size);
  for (const char* name : {"grensd.yaml", "grensd.textproto"}) {
    absl::StatusOr<grens::v1::SidecarConfig> config =
        grens::plugin::LoadSidecarConfig(grens::fuzzing::WriteScratchFile(name, text));
    if (!config.ok()) continue;
    if (config->policy_path().empty()) config->set_policy_path("agreement.yaml");  // as --policy would
    const absl::Status finalized = grens::plugin::FinalizeSidecarConfig(&*config);
    if (!finalized.ok()) {
      Check(finalized.code() == absl::StatusCode::kInvalidArgument, "a config error that is not InvalidArgument");
      continue;
    }
    Check(!config->listeners().empty(), "a finalized config without a listener");
    for (const grens::v1::Listener& listener : config->listeners()) {
      (void)grens::plugin::IsLocalAddress(listener.address());
    }
    Check(grens::plugin::ShutdownGrace(*config) >= absl::ZeroDuration(), "a negative shutdown grace");
    grens::plugin::LogLevel level;
    (void)grens::plugin::ParseLogLevel(config->log_level(), &level);
  }
  return 0;
}

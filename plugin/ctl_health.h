#ifndef GRENS_PLUGIN_CTL_HEALTH_H_
#define GRENS_PLUGIN_CTL_HEALTH_H_

#include <string>
#include <vector>

namespace grens::plugin {

// Runs `grensctl health --addr ADDR [--service NAME] [--timeout DURATION]
// [--ca FILE]`: one grpc.health.v1 Check. Returns 0 when SERVING, 1 when not
// serving or unreachable, 2 on a usage error; prints one line. Meant for
// Docker HEALTHCHECK and scripts.
int RunHealthCommand(const std::vector<std::string>& args);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_HEALTH_H_

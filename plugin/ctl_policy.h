#ifndef GRENS_PLUGIN_CTL_POLICY_H_
#define GRENS_PLUGIN_CTL_POLICY_H_

#include <string>
#include <vector>

namespace grens::plugin {

// Runs `grensctl policy <args...>`; returns the process exit code (0 success,
// 1 the policy failed, 2 usage or I/O error). Writes to stdout/stderr.
int RunPolicyCommand(const std::vector<std::string>& args);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_POLICY_H_

#ifndef GRENS_PLUGIN_CTL_SIGN_H_
#define GRENS_PLUGIN_CTL_SIGN_H_

#include <string>
#include <vector>

namespace grens::plugin {

// `grensctl policy keygen|sign|verify-signature ...`: works-council
// co-signature of policy files (format in plugin/policy_signature.h). Each
// returns the exit code (0 success, 1 the check failed, 2 usage or I/O error)
// and writes to stdout/stderr.
int RunPolicyKeygen(const std::vector<std::string>& args);
int RunPolicySign(const std::vector<std::string>& args);
int RunPolicyVerifySignature(const std::vector<std::string>& args);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_SIGN_H_

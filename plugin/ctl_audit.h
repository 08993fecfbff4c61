#ifndef GRENS_PLUGIN_CTL_AUDIT_H_
#define GRENS_PLUGIN_CTL_AUDIT_H_

#include <string>
#include <vector>

namespace grens::plugin {

// Runs `grensctl audit <args...>`; returns the process exit code (0 success,
// 1 verification failed, 2 usage or I/O error). Writes to stdout/stderr.
int RunAuditCommand(const std::vector<std::string>& args);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_AUDIT_H_

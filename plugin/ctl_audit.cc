// Placeholder until the decision log lands: `grensctl audit` is not available yet.
#include "plugin/ctl_audit.h"

#include <cstdio>

namespace grens::plugin {

int RunAuditCommand(const std::vector<std::string>&) {
  std::fputs("grensctl audit: the decision log tools are not built yet\n", stderr);
  return 2;
}

}  // namespace grens::plugin

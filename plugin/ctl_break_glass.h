#ifndef GRENS_PLUGIN_CTL_BREAK_GLASS_H_
#define GRENS_PLUGIN_CTL_BREAK_GLASS_H_

#include <string>
#include <vector>

namespace grens::plugin {

// Runs `grensctl break-glass create|approve|verify ...`: writing a case file,
// adding an approver's signature, and checking a case the way grensd will.
// Returns the exit code (0 success, 1 the case is not valid, 2 usage or I/O
// error); writes to stdout/stderr.
int RunBreakGlassCommand(const std::vector<std::string>& args);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_BREAK_GLASS_H_

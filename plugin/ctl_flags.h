#ifndef GRENS_PLUGIN_CTL_FLAGS_H_
#define GRENS_PLUGIN_CTL_FLAGS_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::plugin {

// grensctl's exit codes: done, failed (the message says why), bad usage.
inline constexpr int kOk = 0;
inline constexpr int kFailed = 1;
inline constexpr int kUsage = 2;

// The arguments of one grensctl command: `--name VALUE` or `--name=VALUE`
// (repeatable) and positional arguments. A plain value.
struct CtlArgs {
  std::multimap<std::string, std::string> flags;
  std::vector<std::string> positional;

  // The last value of `name`, or "".
  std::string Get(const std::string& name) const;
  // Every value of `name`, in order.
  std::vector<std::string> All(const std::string& name) const;
};

// Splits `args`; `flags` are the names it accepts, with their dashes
// ("--out"). InvalidArgument naming an unknown flag or one without a value.
absl::StatusOr<CtlArgs> ParseCtlArgs(const std::vector<std::string>& args, const std::set<std::string>& flags);

// As ParseCtlArgs, but every `--name` is taken as a flag: for commands that
// read the flags they know and ignore the others. InvalidArgument naming a
// flag without a value.
absl::StatusOr<CtlArgs> ParseAnyCtlArgs(const std::vector<std::string>& args);

// Replaces `path` with `contents` by writing a temporary file beside it, syncing
// it and renaming it over `path`, so a watcher (grensd) never reads half a file.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CTL_FLAGS_H_

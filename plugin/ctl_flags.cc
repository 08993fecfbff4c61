#include "plugin/ctl_flags.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace grens::plugin {

std::string CtlArgs::Get(const std::string& name) const {
  auto range = flags.equal_range(name);
  return range.first == range.second ? "" : std::prev(range.second)->second;
}

std::vector<std::string> CtlArgs::All(const std::string& name) const {
  std::vector<std::string> out;
  auto range = flags.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) out.push_back(it->second);
  return out;
}

namespace {

// `known`: the flags accepted, or null for any.
absl::StatusOr<CtlArgs> Parse(const std::vector<std::string>& args, const std::set<std::string>* known) {
  CtlArgs out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a == "--") {
      out.positional.push_back(a);
      continue;
    }
    const size_t eq = a.find('=');
    const std::string name = a.substr(0, eq);
    if (known != nullptr && !known->count(name)) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    if (eq != std::string::npos) {
      out.flags.emplace(name, a.substr(eq + 1));
    } else if (i + 1 < args.size()) {
      out.flags.emplace(name, args[++i]);
    } else {
      return absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<CtlArgs> ParseCtlArgs(const std::vector<std::string>& args, const std::set<std::string>& flags) {
  return Parse(args, &flags);
}

absl::StatusOr<CtlArgs> ParseAnyCtlArgs(const std::vector<std::string>& args) { return Parse(args, nullptr); }

absl::Status WriteFileAtomically(const std::string& path, absl::string_view contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", ::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(tmp, ": ", std::strerror(errno)));
  const bool written = ::write(fd, contents.data(), contents.size()) == static_cast<ssize_t>(contents.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(absl::StrCat(path, ": cannot write: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

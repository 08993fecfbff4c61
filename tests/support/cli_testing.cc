#include "tests/support/cli_testing.h"

#include <sys/wait.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace grens::testing {

int RunGrensctl(const std::string& args, std::string* output) {
  const std::string command = absl::StrCat(GRENS_BIN_DIR, "/grensctl ", args, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  output->clear();
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) output->append(buffer, n);
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string LineValue(const std::string& output, const std::string& label) {
  const std::string prefix = label + ": ";
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    const size_t at = line.find(prefix);
    if (at != absl::string_view::npos) return std::string(line.substr(at + prefix.size()));
  }
  return "";
}

}  // namespace grens::testing

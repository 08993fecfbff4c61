// grensctl: the admin's and the works council's command-line tool.
//   grensctl policy validate|test|explain|keygen|sign|verify-signature ...   (policy files)
//   grensctl break-glass create|approve|verify ...   (break-glass case files)
//   grensctl audit verify|witness|query|summary|export ...  (works council: the log)
//   grensctl health --addr ADDR                      (operators: is grensd serving?)

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "plugin/ctl_audit.h"
#include "plugin/ctl_health.h"
#include "plugin/ctl_break_glass.h"
#include "plugin/ctl_policy.h"

namespace {

constexpr char kUsage[] =
    "usage: grensctl <group> <command> [args]\n"
    "  grensctl policy validate FILE\n"
    "  grensctl policy test FILE [SUITE]\n"
    "  grensctl policy explain FILE --event EVENT.json [--at RFC3339]\n"
    "  grensctl policy keygen --out PREFIX\n"
    "  grensctl policy sign --key KEY FILE\n"
    "  grensctl policy verify-signature --pub PUB.pem [--pub PUB.pem ...] FILE\n"
    "  grensctl break-glass create|approve|verify ...   (grensctl break-glass help)\n"
    "  grensctl audit verify|witness|query|summary|export ...   (grensctl audit help)\n"

    "  grensctl health --addr ADDR [--service NAME] [--timeout 2s] [--ca FILE]\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string group = args[0];
  args.erase(args.begin());
  if (group == "policy") return grens::plugin::RunPolicyCommand(args);
  if (group == "audit") return grens::plugin::RunAuditCommand(args);
  if (group == "health") return grens::plugin::RunHealthCommand(args);
  if (group == "break-glass") return grens::plugin::RunBreakGlassCommand(args);
  std::fprintf(stderr, "grensctl: unknown command group '%s'\n%s", group.c_str(), kUsage);
  return 2;
}

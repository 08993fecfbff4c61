// Route tables as an admin writes them (YAML and text proto, chosen by the
// first byte): RouteTable's loader and compiler, then one described call per
// route and a few unrouted ones. Properties: a table that loads describes
// calls without failing for a well-formed call, or says why. Seeds: the example
// table and the route-table tests' tables.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "adapters/ext_authz/route_table.h"
#include "grens/v1/event.pb.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool yaml = data[0] % 2 == 0;
  const std::string path = absl::StrCat("/tmp/grens-route-fuzz-", getpid(), yaml ? ".yaml" : ".textproto");
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  auto table = grens::adapters::RouteTable::Load(path);
  std::remove(path.c_str());
  if (!table.ok()) return 0;
  for (const char* method : {"GET", "POST"}) {
    for (const char* host : {"graph.microsoft.com", "api.zoom.us", "slack.com", "example.org"}) {
      for (const char* target : {"/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')",
                                 "/v2/report/meetings/123/participants", "/audit/v1/logs?oldest=1",
                                 "/v1.0/users/u-1/presence", "/", "/a/b/c?d=e&f=%2F"}) {
        grens::adapters::HttpCall call{method, host, target, {}};
        grens::v1::MonitoringEvent event;
        (void)(*table)->Describe(call, &event);
      }
    }
  }
  return 0;
}

// ext_authz hot path in process: matching a call against the example route
// table (one RE2::Set pass over the path, then method and host) and reading a
// whole Envoy CheckRequest into its monitoring event, for a routed report, a
// per-person route with a path capture, and a call no route describes. No
// gRPC, no policy, no log: what every proxied call costs before it is judged.

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "adapters/ext_authz/check_request.h"
#include "adapters/ext_authz/route_table.h"
#include "benchmark/benchmark.h"

namespace {

using grens::adapters::RouteTable;

std::unique_ptr<const RouteTable> ExampleTable() {
  auto table = RouteTable::Load(std::string(GRENS_SOURCE_DIR) + "/adapters/ext_authz/examples/routes.yaml");
  return table.ok() ? std::move(*table) : nullptr;
}

envoy::service::auth::v3::CheckRequest Request(const std::string& host, const std::string& path) {
  envoy::service::auth::v3::CheckRequest request;
  auto* r = request.mutable_attributes()->mutable_request();
  r->mutable_time()->set_seconds(1773133200);
  auto* http = r->mutable_http();
  http->set_id("6f1c1a8e-5b0d-4f5e-9c1e-2b8f0e7d9a11");
  http->set_method("GET");
  http->set_host(host);
  http->set_path(path);
  (*http->mutable_headers())["user-agent"] = "collector/1.0";
  (*http->mutable_headers())["accept"] = "application/json";
  (*http->mutable_headers())["x-request-id"] = http->id();
  (*request.mutable_attributes()->mutable_context_extensions())["collector"] = "zoom-reports";
  return request;
}

void BM_Describe(benchmark::State& state, std::string host, std::string path) {
  std::unique_ptr<const RouteTable> table = ExampleTable();
  if (table == nullptr) return state.SkipWithError("cannot load the example route table");
  grens::v1::MonitoringEvent event;
  for (auto _ : state) {
    absl::StatusOr<bool> routed = table->Describe({"GET", host, path, nullptr}, &event);
    benchmark::DoNotOptimize(routed);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_Describe, zoom_report, "api.zoom.us", "/v2/report/meetings/85512345678/participants?page_size=300");
BENCHMARK_CAPTURE(BM_Describe, graph_presence, "graph.microsoft.com", "/v1.0/users/a.devries%40example.nl/presence");
BENCHMARK_CAPTURE(BM_Describe, unrouted, "graph.microsoft.com", "/v1.0/me/messages");

void BM_ReadCheckRequest(benchmark::State& state, std::string host, std::string path) {
  std::unique_ptr<const RouteTable> table = ExampleTable();
  if (table == nullptr) return state.SkipWithError("cannot load the example route table");
  const envoy::service::auth::v3::CheckRequest request = Request(host, path);
  const grens::adapters::CheckOptions options{"voorbeeld-bv", "x-grens-tenant"};
  const absl::Time received = absl::FromUnixSeconds(1773133200);
  for (auto _ : state) {
    auto call = grens::adapters::ReadCheckRequest(*table, request, options, received);
    benchmark::DoNotOptimize(call);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ReadCheckRequest, zoom_report, "api.zoom.us",
                  "/v2/report/meetings/85512345678/participants?page_size=300");
BENCHMARK_CAPTURE(BM_ReadCheckRequest, graph_usage_detail, "graph.microsoft.com",
                  "/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')");
BENCHMARK_CAPTURE(BM_ReadCheckRequest, unrouted, "graph.microsoft.com", "/v1.0/me/messages");

}  // namespace

BENCHMARK_MAIN();

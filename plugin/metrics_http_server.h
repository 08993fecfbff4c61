#ifndef GRENS_PLUGIN_METRICS_HTTP_SERVER_H_
#define GRENS_PLUGIN_METRICS_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"

namespace grens::plugin {

// Splits "127.0.0.1:9090", "0.0.0.0:0", "[::]:9090" or "localhost:9090" into
// host (without brackets) and port. InvalidArgument naming the problem.
absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address);

// The plain-HTTP operations endpoint: GET /metrics (Prometheus text format),
// /healthz (200 while the process serves HTTP at all) and /readyz (200 when
// the sidecar can decide, 503 with the reason otherwise). Runs cpp-httplib on
// its own small thread pool, never on a gRPC thread. Safe for concurrent use;
// the handlers are called from the pool's threads.
class MetricsHttpServer {
 public:
  struct Handlers {
    // The exposition text for /metrics.
    std::function<std::string()> metrics;
    // "" when ready, otherwise why not (the /readyz body).
    std::function<std::string()> not_ready;
  };

  // Binds `address` (port 0 = any free port) and starts serving. InvalidArgument
  // for a bad address, Unavailable if it cannot bind. The handlers must stay
  // callable until the server is destroyed.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(const std::string& address, Handlers handlers);

  // Stops accepting, finishes the requests in progress and joins the threads.
  ~MetricsHttpServer();
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // The bound address, with an ephemeral port resolved ("127.0.0.1:41234").
  const std::string& address() const { return address_; }

 private:
  struct Impl;  // keeps httplib.h (and its compile definitions) out of this header
  explicit MetricsHttpServer(std::unique_ptr<Impl> impl, std::string address);

  const std::unique_ptr<Impl> impl_;
  const std::string address_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_METRICS_HTTP_SERVER_H_

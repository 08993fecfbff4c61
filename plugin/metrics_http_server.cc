#include "plugin/metrics_http_server.h"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace grens::plugin {

absl::StatusOr<std::pair<std::string, int>> SplitHostPort(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", address, "' is not host:port"));
  }
  std::string host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return absl::InvalidArgumentError(absl::StrCat("'", address, "': unclosed '['"));
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("'", address, "': the port is not a number from 0 to 65535"));
  }
  return std::make_pair(host, port);
}

struct MetricsHttpServer::Impl {
  httplib::Server server;
  std::thread thread;
  // Set by the serving thread when listen_after_bind returned; atomic because
  // the destructor reads it from another thread.
  std::atomic<bool> finished{false};
};

namespace {

// Two threads are plenty for probes and a scraper, and keep the idle footprint small.
constexpr size_t kThreads = 2;

void Route(httplib::Server* server, MetricsHttpServer::Handlers handlers) {
  server->Get("/metrics", [metrics = handlers.metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics(), "text/plain; version=0.0.4; charset=utf-8");
  });
  server->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", "text/plain; charset=utf-8");
  });
  server->Get("/readyz", [not_ready = handlers.not_ready](const httplib::Request&, httplib::Response& response) {
    const std::string reason = not_ready();
    response.status = reason.empty() ? 200 : 503;
    response.set_content(reason.empty() ? "ready\n" : absl::StrCat("not ready: ", reason, "\n"),
                         "text/plain; charset=utf-8");
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsHttpServer>> MetricsHttpServer::Start(const std::string& address,
                                                                           Handlers handlers) {
  absl::StatusOr<std::pair<std::string, int>> host_port = SplitHostPort(address);
  if (!host_port.ok()) return host_port.status();
  auto impl = std::make_unique<Impl>();
  impl->server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  Route(&impl->server, std::move(handlers));
  const auto& [host, port] = *host_port;
  int bound = port;
  if (port == 0) {
    bound = impl->server.bind_to_any_port(host);
  } else if (!impl->server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) return absl::UnavailableError(absl::StrCat("metrics: cannot listen on ", address));
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->finished.store(true);
  });
  const bool v6 = host.find(':') != std::string::npos;
  std::string bound_address = absl::StrCat(v6 ? "[" : "", host, v6 ? "]" : "", ":", bound);
  return std::unique_ptr<MetricsHttpServer>(new MetricsHttpServer(std::move(impl), std::move(bound_address)));
}

MetricsHttpServer::MetricsHttpServer(std::unique_ptr<Impl> impl, std::string address)
    : impl_(std::move(impl)), address_(std::move(address)) {}

MetricsHttpServer::~MetricsHttpServer() {
  // httplib's stop() does nothing until the serving loop has started, so wait
  // for it (it starts at once; this is not a wait for readiness).
  while (!impl_->server.is_running() && !impl_->finished.load()) std::this_thread::yield();
  impl_->server.stop();
  impl_->thread.join();
}

}  // namespace grens::plugin

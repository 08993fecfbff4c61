#ifndef GRENS_TESTS_SUPPORT_HTTP_CLIENT_H_
#define GRENS_TESTS_SUPPORT_HTTP_CLIENT_H_

// A minimal HTTP/1.0 GET over a TCP socket, so tests fetch /metrics, /healthz
// and /readyz the way a plain client (curl, Prometheus) would, without linking
// the server's HTTP library.

#include <string>

#include "absl/status/statusor.h"

namespace grens::testing {

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// GET `path` from `host_port` ("127.0.0.1:9090"). Unavailable if the connection
// fails, DataLoss if the answer is not an HTTP response.
absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& path);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_HTTP_CLIENT_H_

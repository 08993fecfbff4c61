#include "tests/support/http_client.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace grens::testing {
namespace {

// Connects to host:port; the socket, or -1.
int Connect(const std::string& host_port) {
  const size_t colon = host_port.rfind(':');
  std::string host = host_port.substr(0, colon);
  if (!host.empty() && host.front() == '[') host = host.substr(1, host.size() - 2);
  const std::string port = host_port.substr(colon + 1);
  addrinfo hints = {};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd >= 0 && ::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(found);
  return fd;
}

}  // namespace

absl::StatusOr<HttpResponse> HttpGet(const std::string& host_port, const std::string& path) {
  const int fd = Connect(host_port);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot connect to ", host_port));
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", host_port, "\r\n\r\n");
  if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    ::close(fd);
    return absl::UnavailableError("send failed");
  }
  std::string raw;
  char buffer[16384];
  ssize_t n;
  while ((n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0) raw.append(buffer, n);  // HTTP/1.0: the server closes
  ::close(fd);
  const size_t end = raw.find("\r\n\r\n");
  if (!absl::StartsWith(raw, "HTTP/1.") || end == std::string::npos) {
    return absl::DataLossError(absl::StrCat("not an HTTP response: ", raw.substr(0, 80)));
  }
  HttpResponse response;
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, end), "\r\n");
  std::vector<std::string> status_line = absl::StrSplit(lines[0], ' ');
  if (status_line.size() < 2 || !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (const std::string& line : lines) {
    std::pair<std::string, std::string> header = absl::StrSplit(line, absl::MaxSplits(':', 1));
    if (absl::AsciiStrToLower(header.first) == "content-type") {
      response.content_type = std::string(absl::StripAsciiWhitespace(header.second));
    }
  }
  response.body = raw.substr(end + 4);
  return response;
}

}  // namespace grens::testing

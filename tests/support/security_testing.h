#ifndef GRENS_TESTS_SUPPORT_SECURITY_TESTING_H_
#define GRENS_TESTS_SUPPORT_SECURITY_TESTING_H_

// For tests of grensd's transport security, roles and limits: certificates
// made with OpenSSL inside the test (a CA, server and client certificates,
// expired ones), channels that present them, and one call per grens service.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grens/v1/event.pb.h"
#include "grpcpp/channel.h"
#include "grpcpp/support/status.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {

// A private key and its certificate, both PEM.
struct KeyAndCert {
  std::string key_pem;
  std::string cert_pem;
};

// A throw-away certificate authority (P-256, SHA-256). Validity is relative to
// the real clock because the TLS stack checks certificates against it.
// Immutable after construction, so safe to share.
class TestCa {
 public:
  explicit TestCa(const std::string& common_name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // A leaf certificate signed by this CA for `common_name` with subject
  // alternative names such as "DNS:localhost", "URI:spiffe://x/y",
  // "IP:127.0.0.1"; valid from now + `from` to now + `until`.
  KeyAndCert Issue(const std::string& common_name, const std::vector<std::string>& sans,
                   absl::Duration from = -absl::Hours(1), absl::Duration until = absl::Hours(24)) const;

  const std::string& cert_pem() const { return cert_pem_; }

 private:
  EVP_PKEY* key_;
  X509* cert_;
  std::string cert_pem_;
};

// A channel to `address` that trusts `ca_pem`, checks the server's name as
// "localhost", and presents `client` if given. Each channel gets its own
// connection (no subchannel sharing), so a new channel sees the server's
// current certificate.
std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::string& ca_pem,
                                          const KeyAndCert* client = nullptr);

// The addresses grensd bound, in config order (its --ready_file in `dir`).
std::vector<std::string> ReadyAddresses(const TempDir& dir);

// Writes `pair` to dir/name.key and dir/name.crt (by rename, so a watcher
// never sees half a file) and returns the two paths.
std::pair<std::string, std::string> WriteKeyAndCert(const TempDir& dir, const std::string& name,
                                                    const KeyAndCert& pair);

// A presence event the Dutch example agreement allows (Tuesday 10:00 local).
v1::MonitoringEvent AllowedPresence(const std::string& id);

// The three role-guarded services.
enum class Service { kGuard, kPolicyAdmin, kAuditLog };
const char* ServiceName(Service service);

// One cheap call to `service` (Guard.Evaluate, PolicyAdmin.Status,
// AuditLog.ListRecords), with "authorization: SCHEME TOKEN" if `token` is set.
grpc::Status CallService(const std::shared_ptr<grpc::Channel>& channel, Service service,
                         const std::string& token = "", const std::string& scheme = "Bearer");

// A health check without credentials.
grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_SECURITY_TESTING_H_

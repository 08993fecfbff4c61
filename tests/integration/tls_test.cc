// TLS and mTLS through the real grensd, with certificates made in the test:
// handshakes with a good, a wrong-CA, an expired and a missing client
// certificate; plaintext to a TLS listener; a replaced server certificate and
// a replaced client CA are used without a restart; bad files stop start-up.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "policy/file_util.h"
#include "tests/support/grensd_process.h"
#include "tests/support/security_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kPlatformSan[] = "URI:spiffe://grens.test/platform";

// The common name of the certificate the server presents on a new connection
// ("" if the handshake fails).
std::string ServedCommonName(const std::string& address, const std::string& ca_pem, const KeyAndCert& client) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = grpc::health::v1::Health::NewStub(TlsChannel(address, ca_pem, &client))
                                  ->Check(&context, grpc::health::v1::HealthCheckRequest(), &response);
  if (!status.ok() || context.auth_context() == nullptr) return "";
  const std::vector<grpc::string_ref> names = context.auth_context()->FindPropertyValues("x509_common_name");
  return names.empty() ? "" : std::string(names[0].data(), names[0].size());
}

// grensd with a loopback plaintext listener (health) and an mTLS listener
// whose files are re-read every second.
class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::tie(server_key_, server_cert_) =
        WriteKeyAndCert(dir_, "server", server_ca_.Issue("grensd-1", {"DNS:localhost", "IP:127.0.0.1"}));
    client_ca_file_ = dir_.Write("clients-ca.crt", client_ca_.cert_pem());
    dir_.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
    auto process = GrensdProcess::Start(dir_, Config());
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    ASSERT_EQ(ReadyAddresses(dir_).size(), 2u);
    tls_address_ = ReadyAddresses(dir_)[1];
  }

  std::string Config() const {
    return absl::StrCat("policy_path: ", dir_.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")),
                        "\ndata_dir: ", dir_.path(), "/data\nlisteners:\n  - address: \"127.0.0.1:0\"\n",
                        "  - address: \"127.0.0.1:0\"\n    tls: {cert_file: ", server_cert_, ", key_file: ", server_key_,
                        ", client_ca_file: ", client_ca_file_, ", reload_interval: 1s}\n",
                        "roles:\n  - role: platform\n    client_names: [\"", std::string(kPlatformSan).substr(4),
                        "\"]\n");
  }

  grpc::Status Evaluate(const KeyAndCert* client) const {
    return CallService(TlsChannel(tls_address_, server_ca_.cert_pem(), client), Service::kGuard);
  }

  TempDir dir_;
  TestCa server_ca_{"grens test server CA"};
  TestCa client_ca_{"grens test clients CA"};
  std::string server_key_, server_cert_, client_ca_file_, tls_address_;
  std::unique_ptr<GrensdProcess> grensd_;
};

TEST_F(TlsTest, AGoodClientCertificateIsServed) {
  const KeyAndCert client = client_ca_.Issue("platform", {kPlatformSan});
  const grpc::Status status = Evaluate(&client);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ServedCommonName(tls_address_, server_ca_.cert_pem(), client), "grensd-1");
}

TEST_F(TlsTest, AClientCertificateFromAnotherCaFailsTheHandshake) {
  TestCa stranger_ca("someone else's CA");
  const KeyAndCert client = stranger_ca.Issue("platform", {kPlatformSan});
  EXPECT_EQ(Evaluate(&client).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, AnExpiredClientCertificateFailsTheHandshake) {
  const KeyAndCert client = client_ca_.Issue("platform", {kPlatformSan}, -absl::Hours(48), -absl::Hours(24));
  EXPECT_EQ(Evaluate(&client).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, NoClientCertificateFailsTheHandshake) {
  EXPECT_EQ(Evaluate(nullptr).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, PlaintextToTheTlsListenerFails) {
  const auto plaintext = grpc::CreateChannel(tls_address_, grpc::InsecureChannelCredentials());
  EXPECT_EQ(CheckHealth(plaintext).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(CallService(plaintext, Service::kGuard).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, AReplacedServerCertificateIsServedWithoutARestart) {
  const KeyAndCert client = client_ca_.Issue("platform", {kPlatformSan});
  ASSERT_EQ(ServedCommonName(tls_address_, server_ca_.cert_pem(), client), "grensd-1");
  WriteKeyAndCert(dir_, "server", server_ca_.Issue("grensd-2", {"DNS:localhost", "IP:127.0.0.1"}));
  EXPECT_TRUE(Eventually([&] { return ServedCommonName(tls_address_, server_ca_.cert_pem(), client) == "grensd-2"; },
                         absl::Seconds(30)));
  EXPECT_TRUE(Evaluate(&client).ok());
}

TEST_F(TlsTest, AReplacedClientCaIsUsedWithoutARestart) {
  TestCa next_ca("next clients CA");
  const KeyAndCert old_client = client_ca_.Issue("platform", {kPlatformSan});
  const KeyAndCert new_client = next_ca.Issue("platform", {kPlatformSan});
  ASSERT_EQ(Evaluate(&new_client).error_code(), grpc::StatusCode::UNAVAILABLE);
  dir_.Write("clients-ca.crt", next_ca.cert_pem());
  EXPECT_TRUE(Eventually([&] { return Evaluate(&new_client).ok(); }, absl::Seconds(30)));
  EXPECT_EQ(Evaluate(&old_client).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TlsTest, AKeyThatDoesNotMatchItsCertificateStopsStartUp) {
  TempDir other;
  const KeyAndCert a = server_ca_.Issue("a", {"DNS:localhost"});
  const KeyAndCert b = server_ca_.Issue("b", {"DNS:localhost"});
  const std::string config = absl::StrCat(
      "policy_path: ", other.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")),
      "\ndata_dir: ", other.path(), "/data\nlisteners:\n  - address: \"127.0.0.1:0\"\n    tls: {cert_file: ",
      other.Write("a.crt", a.cert_pem), ", key_file: ", other.Write("b.key", b.key_pem), "}\n");
  other.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  const auto [code, stderr_text] = GrensdProcess::RunToExit(other, config);
  EXPECT_NE(code, 0);
  EXPECT_THAT(stderr_text, HasSubstr("listeners[0].tls.key_file"));
  EXPECT_THAT(stderr_text, HasSubstr("is not the key of"));
}

TEST_F(TlsTest, ABadReloadIntervalIsAConfigError) {
  TempDir other;
  const std::string config = absl::StrCat(
      "policy_path: ", other.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")),
      "\nlisteners:\n  - address: \"127.0.0.1:0\"\n    tls: {cert_file: ", server_cert_, ", key_file: ", server_key_,
      ", reload_interval: soon}\n");
  const auto [code, stderr_text] = GrensdProcess::RunToExit(other, config);
  EXPECT_EQ(code, 2);
  EXPECT_THAT(stderr_text, HasSubstr("listeners[0].tls.reload_interval"));
}

}  // namespace
}  // namespace grens::testing

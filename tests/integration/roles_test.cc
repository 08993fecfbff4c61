// Roles through the real grensd: each role x each service with bearer tokens
// and with mTLS client certificates, callers without credentials, bad tokens,
// unmapped certificates, a Unix socket whose file permissions grant a role,
// and the refusal counts grensd reports when it stops.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "policy/file_util.h"
#include "tests/support/grensd_process.h"
#include "tests/support/security_testing.h"

namespace grens::testing {
namespace {

using ::testing::HasSubstr;

constexpr Service kServices[] = {Service::kGuard, Service::kPolicyAdmin, Service::kAuditLog};

struct RoleCase {
  const char* role;
  Service allowed;
  const char* token;
  const char* certificate_san;  // mapped in roles[].client_names
};
constexpr RoleCase kRoles[] = {
    {"platform", Service::kGuard, "platform-token-7c1f", "URI:spiffe://grens.test/platform"},
    {"admin", Service::kPolicyAdmin, "admin-token-93ab", "DNS:admin.grens.test"},
    {"auditor", Service::kAuditLog, "auditor-token-5e20", "URI:spiffe://grens.test/works-council"},
};

// Listeners, in config order.
enum Listener { kPlaintext = 0, kMutualTls = 1, kServerTls = 2, kUnixSocket = 3 };

// grensd with four listeners: loopback plaintext (tokens), mTLS, server-only
// TLS (tokens), and a Unix socket that grants the platform role.
class RolesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto [server_key, server_cert] =
        WriteKeyAndCert(dir_, "server", ca_.Issue("grensd", {"DNS:localhost", "IP:127.0.0.1"}));
    const std::string ca = dir_.Write("clients-ca.crt", ca_.cert_pem());
    socket_ = dir_.path() + "/grens.sock";
    std::string config = absl::StrCat(
        "policy_path: ", dir_.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")),
        "\ndata_dir: ", dir_.path(), "/data\nlisteners:\n",
        "  - address: \"127.0.0.1:0\"\n",
        "  - address: \"127.0.0.1:0\"\n    tls: {cert_file: ", server_cert, ", key_file: ", server_key,
        ", client_ca_file: ", ca, "}\n",
        "  - address: \"127.0.0.1:0\"\n    tls: {cert_file: ", server_cert, ", key_file: ", server_key, "}\n",
        "  - address: \"unix:", socket_, "\"\n    grant_roles: [platform]\n    unix_socket_mode: \"0600\"\n",
        "roles:\n");
    for (const RoleCase& r : kRoles) {
      const std::string name = std::string(r.certificate_san).substr(4);
      absl::StrAppend(&config, "  - role: ", r.role, "\n    token_sha256: [", policy::Sha256Hex(r.token),
                      "]\n    client_names: [\"", name, "\"]\n");
    }
    dir_.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
    auto process = GrensdProcess::Start(dir_, config);
    ASSERT_TRUE(process.ok()) << process.status();
    grensd_ = std::move(*process);
    addresses_ = ReadyAddresses(dir_);
    ASSERT_EQ(addresses_.size(), 4u);
  }

  std::shared_ptr<grpc::Channel> Plain(Listener listener) const {
    return grpc::CreateChannel(addresses_[listener], grpc::InsecureChannelCredentials());
  }
  std::shared_ptr<grpc::Channel> MutualTls(const KeyAndCert& client) const {
    return TlsChannel(addresses_[kMutualTls], ca_.cert_pem(), &client);
  }

  // Stops grensd and returns its refusal counts from the "grensd stopped" line.
  std::string StopAndReadRefusals() {
    grensd_->Signal(SIGTERM);
    EXPECT_EQ(grensd_->WaitForExit(absl::Seconds(30)), 0);
    const std::string log = grensd_->Stderr();
    const size_t at = log.find("\"refusals\":\"");
    if (at == std::string::npos) return "";
    const size_t begin = at + 12;
    return log.substr(begin, log.find('"', begin) - begin);
  }

  TempDir dir_;
  TestCa ca_{"grens test clients CA"};
  std::string socket_;
  std::unique_ptr<GrensdProcess> grensd_;
  std::vector<std::string> addresses_;
};

TEST_F(RolesTest, EachTokenRoleMayCallItsServiceOnlyOnPlaintextAndTls) {
  const std::shared_ptr<grpc::Channel> tls = TlsChannel(addresses_[kServerTls], ca_.cert_pem());
  for (const RoleCase& r : kRoles) {
    for (Service service : kServices) {
      for (const auto& channel : {Plain(kPlaintext), tls}) {
        const grpc::Status status = CallService(channel, service, r.token);
        SCOPED_TRACE(absl::StrCat(r.role, " token -> ", ServiceName(service)));
        if (service == r.allowed) {
          EXPECT_TRUE(status.ok()) << status.error_message();
        } else {
          EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
          EXPECT_THAT(status.error_message(), HasSubstr(absl::StrCat("the caller holds ", r.role)));
        }
      }
    }
  }
}

TEST_F(RolesTest, EachCertificateRoleMayCallItsServiceOnly) {
  for (const RoleCase& r : kRoles) {
    const KeyAndCert client = ca_.Issue(absl::StrCat(r.role, "-client"), {r.certificate_san});
    const std::shared_ptr<grpc::Channel> channel = MutualTls(client);
    for (Service service : kServices) {
      const grpc::Status status = CallService(channel, service);
      SCOPED_TRACE(absl::StrCat(r.role, " certificate -> ", ServiceName(service)));
      if (service == r.allowed) {
        EXPECT_TRUE(status.ok()) << status.error_message();
      } else {
        EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
      }
    }
  }
}

TEST_F(RolesTest, WithoutACredentialOnlyHealthAnswers) {
  for (const auto& channel : {Plain(kPlaintext), TlsChannel(addresses_[kServerTls], ca_.cert_pem())}) {
    EXPECT_TRUE(CheckHealth(channel).ok());
    for (Service service : kServices) {
      const grpc::Status status = CallService(channel, service);
      EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << ServiceName(service);
      EXPECT_THAT(status.error_message(), HasSubstr("no credential"));
    }
  }
}

TEST_F(RolesTest, AnUnknownOrMalformedTokenIsRefusedEvenWhereTheListenerGrantsTheRole) {
  EXPECT_EQ(CallService(Plain(kPlaintext), Service::kGuard, "guessed-token").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::shared_ptr<grpc::Channel> unix = Plain(kUnixSocket);
  EXPECT_EQ(CallService(unix, Service::kGuard, "guessed-token").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CallService(Plain(kPlaintext), Service::kGuard, kRoles[0].token, "Basic").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(CallService(Plain(kPlaintext), Service::kGuard, kRoles[0].token, "bearer").ok());
}

TEST_F(RolesTest, ACertificateFromTheRightCaWithAnUnmappedNameIsDenied) {
  const KeyAndCert stranger = ca_.Issue("stranger", {"URI:spiffe://grens.test/stranger", "DNS:stranger.grens.test"});
  const grpc::Status status = CallService(MutualTls(stranger), Service::kGuard);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("roles[].client_names"));
  EXPECT_TRUE(CheckHealth(MutualTls(stranger)).ok());
}

TEST_F(RolesTest, TheUnixSocketGrantsPlatformAndATokenAddsItsRole) {
  struct stat info;
  ASSERT_EQ(::stat(socket_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::shared_ptr<grpc::Channel> unix = Plain(kUnixSocket);
  EXPECT_TRUE(CallService(unix, Service::kGuard).ok());
  EXPECT_EQ(CallService(unix, Service::kPolicyAdmin).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(CallService(unix, Service::kAuditLog).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(CallService(unix, Service::kPolicyAdmin, kRoles[1].token).ok());
}

TEST_F(RolesTest, RefusalsAreCountedPerReason) {
  {
    const std::shared_ptr<grpc::Channel> plain = Plain(kPlaintext);
    EXPECT_FALSE(CallService(plain, Service::kGuard).ok());                      // no_credentials
    EXPECT_FALSE(CallService(plain, Service::kGuard, "nope").ok());              // bad_token
    EXPECT_FALSE(CallService(plain, Service::kGuard, "nope").ok());              // bad_token
    EXPECT_FALSE(CallService(plain, Service::kAuditLog, kRoles[0].token).ok());  // wrong_role
    EXPECT_FALSE(CallService(MutualTls(ca_.Issue("x", {"DNS:x.grens.test"})), Service::kGuard).ok());  // unmapped
    EXPECT_TRUE(CallService(plain, Service::kGuard, kRoles[0].token).ok());
  }  // channels closed: grensd's stop does not wait on their idle connections
  EXPECT_EQ(StopAndReadRefusals(),
            "no_credentials=1,bad_token=2,unmapped_identity=1,wrong_role=1,unknown_method=0,"
            "limits.max_in_flight_per_client=0,limits.max_stream_messages=0");
}

TEST(UnixSocketAccess, ModeOwnerAndGroupAreAppliedAndAnUnknownGroupStopsStartUp) {
  TempDir dir;
  dir.Write("nl-agreement.tests.yaml", SourceFile("policy/examples/nl-agreement.tests.yaml"));
  const std::string socket = dir.path() + "/grens.sock";
  const std::string head = absl::StrCat(
      "policy_path: ", dir.Write("policy.yaml", SourceFile("policy/examples/nl-agreement.yaml")), "\ndata_dir: ",
      dir.path(), "/data\nlisteners:\n  - address: \"127.0.0.1:0\"\n  - address: \"unix:", socket,
      "\"\n    grant_roles: [auditor]\n    unix_socket_mode: \"0640\"\n    unix_socket_owner: \"", getuid(), "\"\n");
  {
    auto process = GrensdProcess::Start(dir, absl::StrCat(head, "    unix_socket_group: \"", getgid(), "\"\n"));
    ASSERT_TRUE(process.ok()) << process.status();
    struct stat info;
    ASSERT_EQ(::stat(socket.c_str(), &info), 0);
    EXPECT_EQ(info.st_mode & 0777, 0640u);
    EXPECT_EQ(info.st_uid, getuid());
    EXPECT_EQ(info.st_gid, getgid());
    const auto unix = grpc::CreateChannel("unix:" + socket, grpc::InsecureChannelCredentials());
    EXPECT_TRUE(CallService(unix, Service::kAuditLog).ok());
    EXPECT_EQ(CallService(unix, Service::kGuard).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  const auto [code, stderr_text] =
      GrensdProcess::RunToExit(dir, absl::StrCat(head, "    unix_socket_group: no-such-group-grens\n"));
  EXPECT_NE(code, 0);
  EXPECT_THAT(stderr_text, HasSubstr("listeners[1].unix_socket_group: no group named 'no-such-group-grens'"));
}

}  // namespace
}  // namespace grens::testing

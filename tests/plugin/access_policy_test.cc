// AccessPolicy: config errors name the field, the role table covers every
// method of the grens services, credentials combine as documented, open mode
// gates only network listeners, refusals are counted, tokens are recognised
// by digest, and clients get stable names for limits.

#include "plugin/access_policy.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grens/v1/audit_log.pb.h"
#include "grens/v1/guard.pb.h"
#include "grens/v1/policy_admin.pb.h"
#include "gtest/gtest.h"
#include "plugin/token_verifier.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

using ::testing::HasSubstr;

// An auth context holding a verified client certificate's names.
class FakeAuthContext final : public grpc::AuthContext {
 public:
  FakeAuthContext(std::initializer_list<std::pair<const std::string, std::string>> properties)
      : properties_(properties) {}
  bool IsPeerAuthenticated() const override { return !properties_.empty(); }
  std::vector<grpc::string_ref> GetPeerIdentity() const override { return {}; }
  std::string GetPeerIdentityPropertyName() const override { return ""; }
  std::vector<grpc::string_ref> FindPropertyValues(const std::string& name) const override {
    std::vector<grpc::string_ref> values;
    const auto [begin, end] = properties_.equal_range(name);
    for (auto it = begin; it != end; ++it) values.emplace_back(it->second);
    return values;
  }
  grpc::AuthPropertyIterator begin() const override { return EmptyIterator(); }
  grpc::AuthPropertyIterator end() const override { return EmptyIterator(); }
  void AddProperty(const std::string&, const grpc::string_ref&) override {}
  bool SetPeerIdentityPropertyName(const std::string&) override { return false; }

 private:
  struct EmptyIterator : grpc::AuthPropertyIterator {};
  std::multimap<std::string, std::string> properties_;
};

v1::SidecarConfig Config(const std::string& text) {
  v1::SidecarConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return config;
}

const std::string kPlatformDigest = policy::Sha256Hex("p-token");
const std::string kAuditorDigest = policy::Sha256Hex("a-token");

// Listener 0: loopback, 1: network TLS, 2: Unix socket granting platform.
const std::string kConfig = R"pb(
  listeners { address: "127.0.0.1:50051" }
  listeners { address: "0.0.0.0:443" tls { cert_file: "c" key_file: "k" } }
  listeners { address: "unix:/run/grens.sock" grant_roles: "platform" }
  roles { role: "platform" token_sha256: ")pb" + kPlatformDigest + R"pb(" client_names: "spiffe://t/platform" }
  roles { role: "auditor" token_sha256: ")pb" + kAuditorDigest + R"pb(" client_names: "council.example" }
  roles { role: "admin" client_names: "spiffe://t/admin" client_names: "council.example" }
)pb";

class AccessPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = AccessPolicy::Create(Config(kConfig));
    ASSERT_TRUE(created.ok()) << created.status();
    policy_ = std::move(*created);
  }

  absl::Status Call(int listener, absl::string_view path, absl::optional<absl::string_view> authorization,
                    const grpc::AuthContext* auth = nullptr) {
    CallCredentials call;
    call.path = path;
    call.authorization = authorization;
    call.auth_context = auth;
    return policy_->Authorize(listener, call);
  }

  std::unique_ptr<AccessPolicy> policy_;
};

absl::Status CreateError(const std::string& text) { return AccessPolicy::Create(Config(text)).status(); }

TEST(AccessPolicyConfig, ErrorsNameTheField) {
  EXPECT_THAT(CreateError(R"pb(roles { role: "root" client_names: "x" })pb").message(),
              HasSubstr("roles[0].role: unknown role 'root'"));
  EXPECT_THAT(CreateError(R"pb(roles { role: "admin" token_sha256: "abc" })pb").message(),
              HasSubstr("roles[0].token_sha256[0]: not a SHA-256"));
  EXPECT_THAT(CreateError(R"pb(roles { role: "admin" })pb").message(), HasSubstr("roles[0]: names no token_sha256"));
  EXPECT_THAT(CreateError(R"pb(listeners { address: "unix:/s" grant_roles: "boss" })pb").message(),
              HasSubstr("listeners[0].grant_roles[0]: unknown role 'boss'"));
  EXPECT_THAT(CreateError(R"pb(listeners { address: "10.0.0.1:443" grant_roles: "admin" })pb").message(),
              HasSubstr("listeners[0].grant_roles[0]: roles can be granted only on a Unix socket or loopback"));
}

TEST_F(AccessPolicyTest, EveryMethodOfTheGrensServicesNeedsItsRole) {
  const struct {
    const google::protobuf::FileDescriptor* file;
    const char* service;
    const char* token;  // a token whose role may call it
  } services[] = {{v1::EvaluateRequest::descriptor()->file(), "Guard", "p-token"},
                  {v1::StatusRequest::descriptor()->file(), "PolicyAdmin", nullptr},
                  {v1::ListRecordsRequest::descriptor()->file(), "AuditLog", "a-token"}};
  for (const auto& s : services) {
    const google::protobuf::ServiceDescriptor* service = s.file->FindServiceByName(s.service);
    ASSERT_NE(service, nullptr) << s.service;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string path = "/" + service->full_name() + "/" + service->method(i)->name();
      SCOPED_TRACE(path);
      EXPECT_TRUE(absl::IsUnauthenticated(Call(0, path, absl::nullopt)));
      const std::string other = s.token != nullptr && std::string(s.token) == "p-token" ? "a-token" : "p-token";
      EXPECT_TRUE(absl::IsPermissionDenied(Call(0, path, "Bearer " + other)));
      if (s.token != nullptr) {
        EXPECT_TRUE(Call(0, path, std::string("Bearer ") + s.token).ok());
      }
    }
  }
}

TEST_F(AccessPolicyTest, HealthAndReflectionAreOpenUnknownMethodsAreNot) {
  EXPECT_TRUE(Call(1, "/grpc.health.v1.Health/Check", absl::nullopt).ok());
  EXPECT_TRUE(Call(1, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", absl::nullopt).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(Call(0, "/grens.v1.Secret/Open", "Bearer p-token")));
  EXPECT_TRUE(absl::IsPermissionDenied(Call(0, "/grens.v1.GuardX/Evaluate", "Bearer p-token")));
  EXPECT_TRUE(absl::IsPermissionDenied(Call(0, "", "Bearer p-token")));
  EXPECT_TRUE(Call(0, "/envoy.service.auth.v3.Authorization/Check", "Bearer p-token").ok());
}

TEST_F(AccessPolicyTest, CertificateNamesMapToRolesAndCombine) {
  const FakeAuthContext council({{"peer_dns", "council.example"}});
  EXPECT_TRUE(Call(1, "/grens.v1.AuditLog/ListRecords", absl::nullopt, &council).ok());
  EXPECT_TRUE(Call(1, "/grens.v1.PolicyAdmin/Reload", absl::nullopt, &council).ok());
  EXPECT_THAT(Call(1, "/grens.v1.Guard/Evaluate", absl::nullopt, &council).message(),
              HasSubstr("the caller holds admin,auditor"));
  const FakeAuthContext platform({{"peer_uri", "spiffe://t/platform"}, {"peer_dns", "unmapped.example"}});
  EXPECT_TRUE(Call(1, "/grens.v1.Guard/Evaluate", absl::nullopt, &platform).ok());
  const FakeAuthContext stranger({{"peer_uri", "spiffe://t/stranger"}});
  const absl::Status denied = Call(1, "/grens.v1.Guard/Evaluate", absl::nullopt, &stranger);
  EXPECT_TRUE(absl::IsPermissionDenied(denied));
  EXPECT_THAT(denied.message(), HasSubstr("roles[].client_names"));
  const FakeAuthContext common_name_only({{"x509_common_name", "spiffe://t/platform"}});
  EXPECT_TRUE(absl::IsUnauthenticated(Call(1, "/grens.v1.Guard/Evaluate", absl::nullopt, &common_name_only)));
}

TEST_F(AccessPolicyTest, TheUnixSocketGrantsPlatformButABadTokenStillFails) {
  EXPECT_TRUE(Call(2, "/grens.v1.Guard/Evaluate", absl::nullopt).ok());
  EXPECT_TRUE(absl::IsPermissionDenied(Call(2, "/grens.v1.AuditLog/ListRecords", absl::nullopt)));
  EXPECT_TRUE(Call(2, "/grens.v1.AuditLog/ListRecords", "Bearer a-token").ok());
  EXPECT_TRUE(absl::IsUnauthenticated(Call(2, "/grens.v1.Guard/Evaluate", "Bearer wrong")));
  EXPECT_TRUE(absl::IsUnauthenticated(Call(2, "/grens.v1.Guard/Evaluate", "Basic p-token")));
  EXPECT_TRUE(absl::IsUnauthenticated(Call(2, "/grens.v1.Guard/Evaluate", "Bearer ")));
  EXPECT_TRUE(Call(2, "/grens.v1.Guard/Evaluate", "BEARER  p-token ").ok());
}

TEST_F(AccessPolicyTest, RefusalsAreCountedByReason) {
  const FakeAuthContext stranger({{"peer_uri", "spiffe://t/stranger"}});
  (void)Call(0, "/grens.v1.Guard/Evaluate", absl::nullopt);
  (void)Call(0, "/grens.v1.Guard/Evaluate", "Bearer nope");
  (void)Call(1, "/grens.v1.Guard/Evaluate", absl::nullopt, &stranger);
  (void)Call(0, "/grens.v1.AuditLog/Summarize", "Bearer p-token");
  (void)Call(0, "/grens.v1.AuditLog/Summarize", "Bearer p-token");
  (void)Call(0, "/x.Y/Z", absl::nullopt);
  (void)Call(0, "/grens.v1.Guard/Evaluate", "Bearer p-token");
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"no_credentials", 1}, {"bad_token", 1}, {"unmapped_identity", 1}, {"wrong_role", 2}, {"unknown_method", 1}};
  EXPECT_EQ(policy_->RefusalCounts(), expected);
}

TEST_F(AccessPolicyTest, ClientKeysNameTheIdentityOrThePeer) {
  const FakeAuthContext platform({{"peer_dns", "x.example"}, {"peer_uri", "spiffe://t/platform"}});
  EXPECT_EQ(policy_->ClientKey(&platform, absl::nullopt, "ipv4:10.0.0.1:555"), "x509:spiffe://t/platform");
  const std::string token_key = policy_->ClientKey(nullptr, std::string("Bearer a-token"), "ipv4:10.0.0.1:555");
  EXPECT_THAT(token_key, ::testing::StartsWith("token:"));
  EXPECT_EQ(policy_->ClientKey(nullptr, std::string("Bearer a-token"), "ipv6:[::1]:7"), token_key);
  EXPECT_NE(policy_->ClientKey(nullptr, std::string("Bearer p-token"), "ipv4:10.0.0.1:555"), token_key);
  EXPECT_EQ(policy_->ClientKey(nullptr, std::string("Bearer forged"), "ipv4:10.0.0.1:555"), "ipv4:10.0.0.1");
  EXPECT_EQ(policy_->ClientKey(nullptr, absl::nullopt, "ipv6:[::1]:5000"), "ipv6:[::1]");
  EXPECT_EQ(policy_->ClientKey(nullptr, absl::nullopt, "unix:/run/grens.sock"), "unix");
}

TEST(AccessPolicyOpenMode, WithoutRolesLocalListenersAreOpenAndNetworkListenersGrantNothing) {
  auto created = AccessPolicy::Create(Config(R"pb(
    listeners { address: "127.0.0.1:50051" }
    listeners { address: "unix:/run/grens.sock" }
    listeners { address: "[::]:443" tls { cert_file: "c" key_file: "k" } }
  )pb"));
  ASSERT_TRUE(created.ok());
  std::unique_ptr<AccessPolicy> policy = std::move(*created);
  EXPECT_TRUE(policy->open_mode());
  EXPECT_FALSE(policy->Gated(0));
  EXPECT_FALSE(policy->Gated(1));
  ASSERT_TRUE(policy->Gated(2));
  CallCredentials call;
  call.path = "/grens.v1.Guard/Evaluate";
  EXPECT_TRUE(absl::IsUnauthenticated(policy->Authorize(2, call)));
}

TEST(AccessPolicyOpenMode, AnyRoleOrGrantTurnsItOff) {
  auto with_grant = AccessPolicy::Create(Config(R"pb(
    listeners { address: "127.0.0.1:50051" }
    listeners { address: "unix:/run/grens.sock" grant_roles: "platform" }
  )pb"));
  ASSERT_TRUE(with_grant.ok());
  EXPECT_FALSE((*with_grant)->open_mode());
  EXPECT_TRUE((*with_grant)->Gated(0));
  CallCredentials call;
  call.path = "/grens.v1.PolicyAdmin/Reload";
  EXPECT_TRUE(absl::IsUnauthenticated((*with_grant)->Authorize(0, call)));
  EXPECT_TRUE(absl::IsPermissionDenied((*with_grant)->Authorize(1, call)));
}

TEST(TokenVerifier, FindsTokensByDigestAndRemembersOnlyThose) {
  const TokenVerifier verifier({{policy::Sha256Hex("one"), 1}, {policy::Sha256Hex("two"), 6}});
  for (int round = 0; round < 2; ++round) {  // the second round answers from the remembered tokens
    EXPECT_EQ(verifier.Find("one").slot, 0);
    EXPECT_EQ(verifier.Find("one").value, 1u);
    EXPECT_EQ(verifier.Find("two").slot, 1);
    EXPECT_EQ(verifier.Find("two").value, 6u);
    EXPECT_EQ(verifier.Find("three").slot, -1);
    EXPECT_EQ(verifier.Find("").slot, -1);
    EXPECT_EQ(verifier.Find("on").slot, -1);
    EXPECT_EQ(verifier.Find("one ").slot, -1);
  }
}

}  // namespace
}  // namespace grens::plugin

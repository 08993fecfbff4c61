#include "plugin/access_policy.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "plugin/sidecar_config.h"

namespace grens::plugin {
namespace {

// Who may call what: the one table to extend when a service is added. A row
// names a service ("pkg.Service") or a single method ("pkg.Service/Method");
// the first row that covers a call's path decides, so list a method before
// its service. `roles` are the roles any one of which suffices; `open` rows
// need none. A path no row covers is refused, so a new service stays closed
// until it is listed here.
struct AccessRule {
  absl::string_view name;
  RoleSet roles;
  bool open;
};
constexpr AccessRule kAccessRules[] = {
    {"grens.v1.Guard", kRolePlatform, false},
    {"envoy.service.auth.v3.Authorization", kRolePlatform, false},
    {"grens.v1.PolicyAdmin", kRoleAdmin, false},
    {"grens.v1.AuditLog", kRoleAuditor, false},
    {"grpc.health.v1.Health", 0, true},
    {"grpc.reflection.v1alpha.ServerReflection", 0, true},
    {"grpc.reflection.v1.ServerReflection", 0, true},
};

// The row covering `path` ("/pkg.Service/Method"), or null.
const AccessRule* RuleFor(absl::string_view path) {
  if (!absl::ConsumePrefix(&path, "/")) return nullptr;
  for (const AccessRule& rule : kAccessRules) {
    if (!absl::StartsWith(path, rule.name)) continue;
    if (path.size() == rule.name.size() || path[rule.name.size()] == '/') return &rule;
  }
  return nullptr;
}

constexpr const char* kRefusalNames[kRefusalCount] = {"no_credentials", "bad_token", "unmapped_identity",
                                                      "wrong_role", "unknown_method"};

absl::StatusOr<RoleSet> ParseRole(absl::string_view name, const std::string& field) {
  if (name == "platform") return kRolePlatform;
  if (name == "admin") return kRoleAdmin;
  if (name == "auditor") return kRoleAuditor;
  return absl::InvalidArgumentError(
      absl::StrCat(field, ": unknown role '", name, "' (use platform, admin or auditor)"));
}

bool IsHexDigest(absl::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isxdigit(c); });
}

// The token of an "authorization: Bearer TOKEN" value, or empty.
absl::string_view BearerToken(absl::string_view value) {
  if (value.size() < 7 || !absl::EqualsIgnoreCase(value.substr(0, 7), "bearer ")) return {};
  return absl::StripAsciiWhitespace(value.substr(7));
}

// "ipv4:10.0.0.1:5000" -> "ipv4:10.0.0.1", "ipv6:[::1]:5000" -> "ipv6:[::1]";
// Unix-socket peers are all "unix" (they have no address of their own).
std::string PeerWithoutPort(absl::string_view peer) {
  if (absl::StartsWith(peer, "unix")) return "unix";
  const size_t scheme = peer.find(':');
  if (scheme == absl::string_view::npos) return std::string(peer);
  const absl::string_view address = peer.substr(scheme + 1);
  const size_t colon = address.rfind(':');
  const size_t bracket = address.rfind(']');
  if (colon == absl::string_view::npos || (bracket != absl::string_view::npos && colon < bracket)) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, scheme + 1 + colon));
}

}  // namespace

AccessPolicy::AccessPolicy(std::vector<std::pair<std::string, uint32_t>> digests) : tokens_(digests) {}

namespace {

// Adds roles[index] to the digest and name maps.
absl::Status AddBinding(const v1::RoleBinding& binding, int index, absl::flat_hash_map<std::string, RoleSet>* digests,
                        absl::flat_hash_map<std::string, RoleSet>* names) {
  const std::string field = absl::StrCat("roles[", index, "]");
  absl::StatusOr<RoleSet> role = ParseRole(binding.role(), field + ".role");
  if (!role.ok()) return role.status();
  if (binding.token_sha256().empty() && binding.client_names().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": names no token_sha256 and no client_names"));
  }
  for (int j = 0; j < binding.token_sha256_size(); ++j) {
    const std::string& hex = binding.token_sha256(j);
    if (!IsHexDigest(hex)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".token_sha256[", j, "]: not a SHA-256 in hex (64 digits)"));
    }
    (*digests)[absl::AsciiStrToLower(hex)] |= *role;
  }
  for (int j = 0; j < binding.client_names_size(); ++j) {
    if (binding.client_names(j).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(field, ".client_names[", j, "]: empty"));
    }
    (*names)[binding.client_names(j)] |= *role;
  }
  return absl::OkStatus();
}

// The roles listeners[index] grants to every caller on it.
absl::StatusOr<RoleSet> ListenerGrant(const v1::Listener& listener, int index) {
  RoleSet granted = 0;
  for (int j = 0; j < listener.grant_roles_size(); ++j) {
    const std::string field = absl::StrCat("listeners[", index, "].grant_roles[", j, "]");
    absl::StatusOr<RoleSet> role = ParseRole(listener.grant_roles(j), field);
    if (!role.ok()) return role.status();
    if (!IsLocalAddress(listener.address())) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, ": roles can be granted only on a Unix socket or loopback listener; on '", listener.address(),
          "' map client certificates or bearer tokens to roles (roles[])"));
    }
    granted |= *role;
  }
  return granted;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessPolicy>> AccessPolicy::Create(const v1::SidecarConfig& config) {
  absl::flat_hash_map<std::string, RoleSet> digests;
  absl::flat_hash_map<std::string, RoleSet> names;
  for (int i = 0; i < config.roles_size(); ++i) {
    absl::Status added = AddBinding(config.roles(i), i, &digests, &names);
    if (!added.ok()) return added;
  }
  std::unique_ptr<AccessPolicy> policy(new AccessPolicy({digests.begin(), digests.end()}));
  policy->names_ = std::move(names);
  bool any_grant = false;
  for (int i = 0; i < config.listeners_size(); ++i) {
    absl::StatusOr<RoleSet> granted = ListenerGrant(config.listeners(i), i);
    if (!granted.ok()) return granted.status();
    any_grant = any_grant || *granted != 0;
    policy->granted_.push_back(*granted);
  }
  policy->open_mode_ = config.roles().empty() && !any_grant;
  for (int i = 0; i < config.listeners_size(); ++i) {
    const bool local = IsLocalAddress(config.listeners(i).address());
    policy->gated_.push_back(!(policy->open_mode_ && local));
  }
  return policy;
}

bool AccessPolicy::Gated(int index) const {
  return index < 0 || index >= static_cast<int>(gated_.size()) || gated_[index];
}

RoleSet AccessPolicy::CertificateRoles(const grpc::AuthContext* auth_context, bool* has_certificate) const {
  RoleSet roles = 0;
  if (auth_context == nullptr) return roles;
  // gRPC puts a verified client certificate's URI and DNS names here; other
  // SAN types (e-mail, IP) and the subject CN are not identities for grens.
  for (const char* property : {"peer_uri", "peer_dns"}) {
    for (const grpc::string_ref& value : auth_context->FindPropertyValues(property)) {
      *has_certificate = true;
      const auto it = names_.find(absl::string_view(value.data(), value.size()));
      if (it != names_.end()) roles |= it->second;
    }
  }
  return roles;
}

absl::Status AccessPolicy::Authorize(int listener, const CallCredentials& call) {
  const AccessRule* rule = RuleFor(call.path);
  if (rule == nullptr) {
    return Refuse(Refusal::kUnknownMethod,
                  absl::PermissionDeniedError(absl::StrCat("no role may call ", call.path)));
  }
  if (rule->open) return absl::OkStatus();
  RoleSet roles = listener >= 0 && listener < static_cast<int>(granted_.size()) ? granted_[listener] : 0;
  // A token that does not verify refuses the call even where the listener or
  // a certificate would suffice: it is a misconfigured or hostile caller.
  if (call.authorization.has_value()) {
    const absl::string_view token = BearerToken(*call.authorization);
    const TokenVerifier::Match match = token.empty() ? TokenVerifier::Match() : tokens_.Find(token);
    if (match.slot < 0) {
      return Refuse(Refusal::kBadToken, absl::UnauthenticatedError(
                                            "the authorization header is not 'Bearer TOKEN' with a known token"));
    }
    roles |= match.value;
  }
  if ((roles & rule->roles) != 0) return absl::OkStatus();
  bool has_certificate = false;
  roles |= CertificateRoles(call.auth_context, &has_certificate);
  if ((roles & rule->roles) != 0) return absl::OkStatus();
  const std::string needs = absl::StrCat(call.path, " needs the role ", RoleNames(rule->roles));
  if (roles != 0) {
    return Refuse(Refusal::kWrongRole,
                  absl::PermissionDeniedError(absl::StrCat(needs, "; the caller holds ", RoleNames(roles))));
  }
  if (has_certificate) {
    return Refuse(Refusal::kUnmappedIdentity,
                  absl::PermissionDeniedError(absl::StrCat(
                      needs, "; the client certificate's names are not in roles[].client_names")));
  }
  return Refuse(Refusal::kNoCredentials,
                absl::UnauthenticatedError(absl::StrCat(
                    needs, "; the call presented no credential that grants a role (an mTLS client "
                           "certificate or 'authorization: Bearer TOKEN')")));
}

absl::Status AccessPolicy::Refuse(Refusal reason, absl::Status status) {
  refusals_[static_cast<int>(reason)].fetch_add(1, std::memory_order_relaxed);
  return status;
}

std::string AccessPolicy::ClientKey(const grpc::AuthContext* auth_context,
                                    absl::optional<absl::string_view> authorization, absl::string_view peer) const {
  if (auth_context != nullptr && !names_.empty()) {
    for (const char* property : {"peer_uri", "peer_dns"}) {
      for (const grpc::string_ref& value : auth_context->FindPropertyValues(property)) {
        const absl::string_view name(value.data(), value.size());
        if (names_.contains(name)) return absl::StrCat("x509:", name);
      }
    }
  }
  if (authorization.has_value() && !tokens_.empty()) {
    const absl::string_view token = BearerToken(*authorization);
    const TokenVerifier::Match match = token.empty() ? TokenVerifier::Match() : tokens_.Find(token);
    if (match.slot >= 0) return absl::StrCat("token:", match.slot);
  }
  return PeerWithoutPort(peer);
}

std::vector<std::pair<std::string, int64_t>> AccessPolicy::RefusalCounts() const {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (int i = 0; i < kRefusalCount; ++i) {
    counts.emplace_back(kRefusalNames[i], refusals_[i].load(std::memory_order_relaxed));
  }
  return counts;
}

std::string AccessPolicy::RoleNames(RoleSet roles) {
  std::vector<absl::string_view> names;
  if (roles & kRolePlatform) names.push_back("platform");
  if (roles & kRoleAdmin) names.push_back("admin");
  if (roles & kRoleAuditor) names.push_back("auditor");
  return names.empty() ? "none" : absl::StrJoin(names, ",");
}

}  // namespace grens::plugin

#ifndef GRENS_PLUGIN_ACCESS_POLICY_H_
#define GRENS_PLUGIN_ACCESS_POLICY_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "grens/v1/config.pb.h"
#include "grpcpp/security/auth_context.h"
#include "plugin/token_verifier.h"

namespace grens::plugin {

// The roles of DESIGN.md "Security", as bits: one caller may hold several.
using RoleSet = uint32_t;
inline constexpr RoleSet kRolePlatform = 1;  // Guard, ext_authz
inline constexpr RoleSet kRoleAdmin = 2;     // PolicyAdmin
inline constexpr RoleSet kRoleAuditor = 4;   // AuditLog
inline constexpr RoleSet kAllRoles = kRolePlatform | kRoleAdmin | kRoleAuditor;

// Why a call was refused. Counted per reason (AccessPolicy::RefusalCounts).
enum class Refusal {
  kNoCredentials,     // UNAUTHENTICATED: nothing presented grants a role
  kBadToken,          // UNAUTHENTICATED: a bearer token no digest matches
  kUnmappedIdentity,  // PERMISSION_DENIED: a verified certificate whose names map to no role
  kWrongRole,         // PERMISSION_DENIED: the caller holds roles, not the one needed
  kUnknownMethod,     // PERMISSION_DENIED: no row of the access table covers the method
};
inline constexpr int kRefusalCount = 5;

// The parts of one call that access is judged on.
struct CallCredentials {
  // The ":path" of the call, "/grens.v1.Guard/Evaluate".
  absl::string_view path;
  // The value of the "authorization" header, if one was sent.
  absl::optional<absl::string_view> authorization;
  // The connection's peer properties (TLS: the verified client certificate's
  // names). May be null; borrowed for the duration of the call to Authorize.
  const grpc::AuthContext* auth_context = nullptr;
};

// Who may call what, from the config: the method -> role table, the roles of
// mTLS client names and bearer tokens, and the roles each listener grants to
// every caller on it. A caller holds the union of its listener's grant, the
// roles of its certificate's names, and those of its bearer token.
//
// Open mode: with no `roles` and no listener `grant_roles` in the config,
// loopback and Unix-socket listeners are not gated at all (the behaviour
// before roles existed, so `grensd --policy FILE` keeps working) and other
// listeners grant nothing.
//
// Immutable after Create except for counters and the token cache, so safe for
// concurrent use; never blocks.
class AccessPolicy {
 public:
  // Parses roles[] and listeners[].grant_roles; InvalidArgument naming the
  // field (an unknown role, a digest that is not 64 hex digits, a binding that
  // names nobody, a grant on a network listener).
  static absl::StatusOr<std::unique_ptr<AccessPolicy>> Create(const v1::SidecarConfig& config);
  AccessPolicy(const AccessPolicy&) = delete;
  AccessPolicy& operator=(const AccessPolicy&) = delete;

  // Whether calls on listener `index` (of config.listeners) are checked at all.
  bool Gated(int index) const;
  // True in open mode (see the class comment).
  bool open_mode() const { return open_mode_; }

  // OK if the caller may make the call; otherwise UNAUTHENTICATED or
  // PERMISSION_DENIED (see Refusal) with a message naming the method and the
  // role it needs, and the refusal is counted. Never blocks; hashes a bearer
  // token only the first time it is seen.
  absl::Status Authorize(int listener, const CallCredentials& call);

  // A stable name for the caller, for per-client limits: "x509:NAME" (the
  // first certificate name mapped to a role), "token:N" (the N-th configured
  // digest), or the peer address without its port (anonymous callers).
  std::string ClientKey(const grpc::AuthContext* auth_context, absl::optional<absl::string_view> authorization,
                        absl::string_view peer) const;
  // Whether ClientKey looks at certificates or tokens (if not, only the peer).
  bool knows_identities() const { return !names_.empty() || !tokens_.empty(); }

  // Refusals so far, by reason name ("no_credentials", "bad_token",
  // "unmapped_identity", "wrong_role", "unknown_method"), in that order.
  std::vector<std::pair<std::string, int64_t>> RefusalCounts() const;

  // "platform,admin" for log lines and messages.
  static std::string RoleNames(RoleSet roles);

 private:
  AccessPolicy(std::vector<std::pair<std::string, uint32_t>> digests);
  absl::Status Refuse(Refusal reason, absl::Status status);
  RoleSet CertificateRoles(const grpc::AuthContext* auth_context, bool* has_certificate) const;

  bool open_mode_ = false;
  std::vector<bool> gated_;          // per listener
  std::vector<RoleSet> granted_;     // per listener
  absl::flat_hash_map<std::string, RoleSet> names_;  // mTLS client name -> roles
  TokenVerifier tokens_;

  // Atomic: incremented by concurrent calls, read by the metrics endpoint.
  std::array<std::atomic<int64_t>, kRefusalCount> refusals_{};
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_ACCESS_POLICY_H_

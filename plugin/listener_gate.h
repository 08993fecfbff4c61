#ifndef GRENS_PLUGIN_LISTENER_GATE_H_
#define GRENS_PLUGIN_LISTENER_GATE_H_

#include <memory>

#include "grpcpp/security/auth_metadata_processor.h"
#include "plugin/access_policy.h"

namespace grens::plugin {

// Checks every call on one listener against the AccessPolicy, before gRPC
// hands the call to any service.
//
// Why an AuthMetadataProcessor, and not a server interceptor or a check in
// each handler:
// - It runs in gRPC's server auth filter for every call on the listener's
//   credentials, before any handler: callback services, ext_authz and any
//   service added later are covered without code in their handlers, and a
//   path the access table does not list is refused (fail closed). A check per
//   handler is one forgotten line away from an open method.
// - Its refusal is the call's status (PERMISSION_DENIED / UNAUTHENTICATED
//   with our message). A gRPC 1.51 server interceptor cannot fail a call with
//   a status of its choosing, only cancel it.
// - It is attached to one listener's credentials, so it knows the listener
//   the call arrived on; a handler cannot tell (gRPC does not expose the local
//   address), and per-listener grants (a Unix socket in the pod) need it.
// - IsBlocking() is false, so gRPC runs it inline on the thread that read the
//   call's headers; it never waits (no lock, no I/O; a token is hashed only
//   the first time it is seen) and no reactor is involved.
// The price: gRPC copies the call's headers into a small map for it, and only
// secure credentials take a processor, so gated plaintext listeners use
// gRPC's local credentials (plaintext on the wire, accepted by insecure
// clients). Ungated listeners (open mode) carry no processor and pay nothing.
//
// Safe for concurrent use.
class ListenerGate final : public grpc::AuthMetadataProcessor {
 public:
  // `listener` is the index in config.listeners.
  ListenerGate(std::shared_ptr<AccessPolicy> policy, int listener);

  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& metadata, grpc::AuthContext* context, OutputMetadata* consumed,
                       OutputMetadata* response) override;

 private:
  const std::shared_ptr<AccessPolicy> policy_;
  const int listener_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LISTENER_GATE_H_

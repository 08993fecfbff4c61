#ifndef GRENS_PLUGIN_LISTENER_CREDENTIALS_H_
#define GRENS_PLUGIN_LISTENER_CREDENTIALS_H_

// Transport security of grensd's listeners: TLS and mTLS from files that are
// re-read while the server runs, plaintext on loopback and Unix sockets, and
// the file mode and ownership of Unix sockets.

#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/config.pb.h"
#include "grpcpp/security/auth_metadata_processor.h"
#include "grpcpp/security/server_credentials.h"

namespace grens::plugin {

// Checks what can be checked without touching files: tls.reload_interval
// parses and is at least 1s, unix_socket_mode is octal, owner and group only
// on Unix sockets. InvalidArgument naming `listeners[index].<field>`.
absl::Status ValidateListenerSecurity(const v1::Listener& listener, int index);

// tls.reload_interval as a duration (default 60s).
absl::Duration TlsReloadInterval(const v1::TlsConfig& tls);

// The server credentials of listener `index`:
// - with tls: gRPC's TLS credentials on a FileWatcherCertificateProvider, so a
//   replaced certificate, key or client CA is served to new connections after
//   at most reload_interval; with client_ca_file, clients must present a
//   certificate that chains to it (mTLS). The files are checked first (PEM
//   parses, the key matches the certificate): InvalidArgument naming the field.
// - without tls and with a `gate`: gRPC's local credentials (UDS or loopback
//   TCP). On the wire they are plaintext like insecure credentials, but unlike
//   those they can carry an AuthMetadataProcessor.
// - without tls or gate: insecure credentials (open mode, as before roles).
// `gate`, when set, is run for every call on the listener.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const v1::Listener& listener, int index, std::shared_ptr<grpc::AuthMetadataProcessor> gate);

// Applies unix_socket_mode, unix_socket_owner and unix_socket_group to a bound
// Unix socket (a no-op for other listeners). PermissionDenied / NotFound /
// InvalidArgument naming the field.
absl::Status ApplyUnixSocketAccess(const v1::Listener& listener, int index);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LISTENER_CREDENTIALS_H_

#ifndef GRENS_ADAPTERS_EXT_AUTHZ_CHECK_REQUEST_H_
#define GRENS_ADAPTERS_EXT_AUTHZ_CHECK_REQUEST_H_

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/ext_authz/route_table.h"
#include "envoy/service/auth/v3/external_auth.pb.h"
#include "grens/v1/event.pb.h"

namespace grens::adapters {

// Where the tenant and collector of a Check come from (grens.v1.ExtAuthzConfig).
struct CheckOptions {
  // Tenant of every event, unless the route's "tenant" context extension
  // names one or, failing that, ...
  std::string tenant;
  // ... this header (lower case; empty: none) does.
  std::string tenant_header;
  // Source principal (attributes.source.principal) -> the collector of its
  // calls, unless the route's "collector" context extension names one.
  absl::flat_hash_map<std::string, std::string> collectors_by_principal;
};

// One Envoy Check, read.
struct CheckedCall {
  // True when a route describes the call: `event` is then ready for the
  // policy but for the subject's groups and time zone. False: no route
  // describes it, and `event` holds only what is known for the record
  // (platform = the API's host, tenant, collector, time, HTTP facts), with no
  // category and no subject.
  bool routed = false;
  v1::MonitoringEvent event;
};

// Reads an Envoy CheckRequest into the event its route describes, completed
// with the id (Envoy's x-request-id), tenant, time (the request's time, or
// `received_at` flagged as receipt time when Envoy sends none) and the
// collector and purpose that Envoy's per-route context_extensions "collector"
// and "purpose" set, which override the route's (the collector, failing an
// extension, from `collectors_by_principal`). InvalidArgument naming the
// field ("attributes.request.http: missing", "path: bad percent-escape at byte
// 12", "route 'slack-presence': query parameter 'user' (the subject) is
// missing") when the request cannot be read; Internal if matching fails.
absl::StatusOr<CheckedCall> ReadCheckRequest(const RouteTable& routes,
                                             const envoy::service::auth::v3::CheckRequest& request,
                                             const CheckOptions& options, absl::Time received_at);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_EXT_AUTHZ_CHECK_REQUEST_H_

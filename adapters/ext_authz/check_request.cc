#include "adapters/ext_authz/check_request.h"

#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "adapters/event_util.h"
#include "adapters/ext_authz/http_call.h"

namespace grens::adapters {
namespace {

using envoy::service::auth::v3::AttributeContext;

// Envoy's headers: the lower-case map, or the raw header map when the filter
// sets encode_raw_headers (then the map is empty).
class EnvoyHeaders final : public HeaderLookup {
 public:
  explicit EnvoyHeaders(const AttributeContext::HttpRequest& http) : http_(http) {}

  std::optional<absl::string_view> Find(absl::string_view lower_name) const override {
    auto it = http_.headers().find(std::string(lower_name));
    if (it != http_.headers().end()) return absl::string_view(it->second);
    for (const auto& h : http_.header_map().headers()) {
      if (absl::EqualsIgnoreCase(h.key(), lower_name)) {
        return absl::string_view(h.value().empty() ? h.raw_value() : h.value());
      }
    }
    return std::nullopt;
  }

 private:
  const AttributeContext::HttpRequest& http_;
};

absl::Status Missing(absl::string_view field) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": missing"));
}

// The value of a per-route context extension, or "" when Envoy sets none.
absl::string_view Extension(const AttributeContext& attributes, const std::string& key) {
  auto it = attributes.context_extensions().find(key);
  return it == attributes.context_extensions().end() ? absl::string_view() : absl::string_view(it->second);
}

// The route's own tenant (a context extension the Envoy operator wrote into
// the route) before a header: the route is config, a header is a request's.
std::string TenantOf(const AttributeContext& attributes, const HeaderLookup& headers, const CheckOptions& options) {
  const absl::string_view extension = Extension(attributes, "tenant");
  if (!extension.empty()) return std::string(extension);
  if (!options.tenant_header.empty()) {
    std::optional<absl::string_view> header = headers.Find(options.tenant_header);
    if (header.has_value() && !header->empty()) return std::string(*header);
  }
  return options.tenant;
}

// The request's time, or `received_at` flagged when Envoy sends none.
absl::Status SetTime(const AttributeContext::Request& request, absl::Time received_at, v1::MonitoringEvent* event) {
  if (request.has_time() && (request.time().seconds() != 0 || request.time().nanos() != 0)) {
    if (request.time().nanos() < 0 || request.time().nanos() > 999999999) {
      return absl::InvalidArgumentError("attributes.request.time.nanos: out of range");
    }
    *event->mutable_occurred_at() = request.time();
    return absl::OkStatus();
  }
  SetOccurredAt(received_at, /*receipt_time=*/true, event);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CheckedCall> ReadCheckRequest(const RouteTable& routes,
                                             const envoy::service::auth::v3::CheckRequest& request,
                                             const CheckOptions& options, absl::Time received_at) {
  if (!request.has_attributes()) return Missing("attributes");
  const AttributeContext& attributes = request.attributes();
  if (!attributes.has_request()) return Missing("attributes.request");
  if (!attributes.request().has_http()) return Missing("attributes.request.http");
  const AttributeContext::HttpRequest& http = attributes.request().http();
  if (http.method().empty()) return Missing("attributes.request.http.method");
  if (http.path().empty()) return Missing("attributes.request.http.path");
  const EnvoyHeaders headers(http);
  CheckedCall call;
  absl::StatusOr<bool> routed = routes.Describe({http.method(), http.host(), http.path(), &headers}, &call.event);
  if (!routed.ok()) return routed.status();
  call.routed = *routed;
  v1::MonitoringEvent& e = call.event;
  if (!call.routed) {
    e.set_platform(CanonicalHost(http.host()));
    (*e.mutable_attributes())["http.method"] = http.method();
    (*e.mutable_attributes())["http.host"] = e.platform();
  }
  e.set_id(http.id());
  e.set_tenant(TenantOf(attributes, headers, options));
  if (absl::string_view collector = Extension(attributes, "collector"); !collector.empty()) {
    e.set_collector(std::string(collector));
  } else if (!options.collectors_by_principal.empty()) {
    auto it = options.collectors_by_principal.find(attributes.source().principal());
    if (it != options.collectors_by_principal.end()) e.set_collector(it->second);
  }
  if (absl::string_view purpose = Extension(attributes, "purpose"); !purpose.empty()) e.set_purpose(std::string(purpose));
  absl::Status timed = SetTime(attributes.request(), received_at, &e);
  if (!timed.ok()) return timed;
  return call;
}

}  // namespace grens::adapters

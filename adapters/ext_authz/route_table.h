#ifndef GRENS_ADAPTERS_EXT_AUTHZ_ROUTE_TABLE_H_
#define GRENS_ADAPTERS_EXT_AUTHZ_ROUTE_TABLE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/ext_authz/http_call.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/route_table.pb.h"
#include "policy/yaml_proto.h"
#include "re2/set.h"

namespace grens::adapters {

// Subject id of events about many people at once (SubjectSource.everyone).
inline constexpr char kEveryoneSubject[] = "*";

// Compiled route (defined in route_table.cc).
struct CompiledRoute;

// The ext_authz route table, compiled: which HTTP calls to monitoring pull APIs
// are which canonical MonitoringEvents. All path patterns sit in one RE2::Set,
// so finding the candidate routes of a call is one pass over its path whatever
// the number of routes; the first candidate (in file order) whose method and
// host also match wins. Immutable, so safe for concurrent use.
class RouteTable {
 public:
  // Reads a YAML or text proto grens.v1.RouteTable. InvalidArgument listing
  // every problem with file, line and field path (bad RE2, unknown capture
  // group, missing category or subject, duplicate id ...).
  static absl::StatusOr<std::unique_ptr<const RouteTable>> Load(const std::string& path);
  // The same checks for a table already in memory; `source` names it in errors.
  static absl::StatusOr<std::unique_ptr<const RouteTable>> FromProto(const v1::RouteTable& proto,
                                                                     const std::string& source);
  // A table without routes: every call is undescribed.
  static std::unique_ptr<const RouteTable> Empty();

  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;
  ~RouteTable();

  // Maps `call` to the event its route describes. True: `event` is cleared and
  // gets platform, category, collector, purpose, granularity, group size,
  // requested retention, the subject id and the attributes "grens.route",
  // "http.method" and "http.host" plus the route's own. False: no route
  // matches (`event` untouched). InvalidArgument naming the part of the call
  // when its path cannot be read or its route's subject is missing or empty;
  // Internal if matching itself fails (RE2 out of memory).
  absl::StatusOr<bool> Describe(const HttpCall& call, v1::MonitoringEvent* event) const;

  // Number of routes.
  size_t size() const { return routes_.size(); }

 private:
  RouteTable();
  static absl::StatusOr<std::unique_ptr<const RouteTable>> Build(const v1::RouteTable& proto,
                                                                 const std::string& source,
                                                                 const policy::SourceMap* positions);
  // Index of the first route matching, or -1.
  absl::StatusOr<int> FindRoute(absl::string_view method, absl::string_view host, absl::string_view path) const;

  std::vector<std::unique_ptr<const CompiledRoute>> routes_;
  // routes_[i]'s path pattern is the set's pattern i. Null when there are no routes.
  std::unique_ptr<RE2::Set> paths_;
};

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_EXT_AUTHZ_ROUTE_TABLE_H_

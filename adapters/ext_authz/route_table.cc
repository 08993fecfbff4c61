// RouteTable: loading and validation (every problem with its line and field),
// compilation into one RE2::Set, and the per-call match and mapping.

#include "adapters/ext_authz/route_table.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "policy/diagnostic.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "re2/re2.h"

namespace grens::adapters {

struct CompiledRoute {
  std::string id;
  std::vector<std::string> methods;  // empty: any
  std::string host;                  // lower case; empty: any
  bool host_is_suffix = false;       // host is ".zoom.us" from "*.zoom.us"
  // The path pattern again, on its own, to read capture groups; only for
  // routes whose subject is a path group (the set cannot capture).
  std::unique_ptr<const RE2> path;
  int path_group = 0;
  v1::SubjectSource::SourceCase subject = v1::SubjectSource::SOURCE_NOT_SET;
  std::string subject_name;  // header (lower case) or query parameter
  // What every call on this route is, but the subject and the HTTP facts.
  v1::MonitoringEvent event;
};

namespace {

// Collects the problems of one table, each located by its field path.
class Problems {
 public:
  Problems(const std::string& source, const policy::SourceMap* positions) : source_(source), positions_(positions) {}
  void Add(std::string field, std::string message) {
    policy::Diagnostic d;
    d.file = source_;
    d.field_path = std::move(field);
    d.message = std::move(message);
    if (positions_ != nullptr) positions_->Locate(&d);
    diagnostics_.push_back(std::move(d));
  }
  absl::Status ToStatus() const { return policy::DiagnosticsToStatus(diagnostics_); }
  bool empty() const { return diagnostics_.empty(); }

 private:
  const std::string& source_;
  const policy::SourceMap* positions_;
  std::vector<policy::Diagnostic> diagnostics_;
};

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '[' || c == ']' || c == ':'; }

void CompileHost(const v1::Route& r, const std::string& field, CompiledRoute* route, Problems* problems) {
  std::string host = absl::AsciiStrToLower(r.host());
  if (absl::StartsWith(host, "*.")) {
    route->host_is_suffix = true;
    host = host.substr(1);
  }
  const bool ipv6 = absl::StartsWith(host, "[");
  if (!std::all_of(host.begin(), host.end(), IsHostChar) || absl::StrContains(host, '*') ||
      (!ipv6 && absl::StrContains(host, ':'))) {
    problems->Add(field + ".host", absl::StrCat("'", r.host(), "' is not a host name (no port; '*.' only in front)"));
  }
  route->host = std::move(host);
}

void CompileMethods(const v1::Route& r, const std::string& field, CompiledRoute* route, Problems* problems) {
  for (int j = 0; j < r.methods_size(); ++j) {
    const std::string& m = r.methods(j);
    if (m.empty() || !std::all_of(m.begin(), m.end(), absl::ascii_isupper)) {
      problems->Add(absl::StrCat(field, ".methods[", j, "]"),
                    absl::StrCat("'", m, "' is not an upper-case HTTP method (\"GET\")"));
    }
    route->methods.push_back(m);
  }
}

void CompileSubject(const v1::Route& r, const std::string& field, CompiledRoute* route, Problems* problems) {
  const v1::SubjectSource& s = r.subject();
  route->subject = s.source_case();
  switch (s.source_case()) {
    case v1::SubjectSource::kPathGroup: {
      route->path = std::make_unique<const RE2>(r.path(), RE2::Quiet);
      if (!route->path->ok()) return;  // reported with the path
      int number = 0;
      if (absl::SimpleAtoi(s.path_group(), &number)) {
        if (number < 1 || number > route->path->NumberOfCapturingGroups()) number = 0;
      } else {
        auto named = route->path->NamedCapturingGroups().find(s.path_group());
        if (named != route->path->NamedCapturingGroups().end()) number = named->second;
      }
      if (number == 0) {
        problems->Add(field + ".subject.path_group",
                      absl::StrCat("the path pattern has no capture group '", s.path_group(), "'"));
      }
      route->path_group = number;
      return;
    }
    case v1::SubjectSource::kHeader:
    case v1::SubjectSource::kQuery: {
      const bool header = s.source_case() == v1::SubjectSource::kHeader;
      route->subject_name = header ? absl::AsciiStrToLower(s.header()) : s.query();
      if (route->subject_name.empty()) problems->Add(field + (header ? ".subject.header" : ".subject.query"), "empty name");
      return;
    }
    case v1::SubjectSource::kEveryone:
      if (!s.everyone()) problems->Add(field + ".subject.everyone", "must be true when given");
      return;
    case v1::SubjectSource::SOURCE_NOT_SET:
      problems->Add(field + ".subject",
                    "missing: name a path_group, header or query parameter, or everyone: true for reports about many "
                    "people");
      return;
  }
}

// The route's granularity given the verified facts: the first granularity_if that holds.
v1::Granularity EffectiveGranularity(const v1::RouteTable& table, const v1::Route& r, const std::string& field,
                                     Problems* problems) {
  for (int j = 0; j < r.granularity_if_size(); ++j) {
    const v1::GranularityIf& g = r.granularity_if(j);
    const std::string at = absl::StrCat(field, ".granularity_if[", j, "]");
    if (g.fact().empty()) problems->Add(at + ".fact", "missing");
    if (g.granularity() == v1::GRANULARITY_UNSPECIFIED) problems->Add(at + ".granularity", "missing");
  }
  for (const v1::GranularityIf& g : r.granularity_if()) {
    auto fact = table.facts().find(g.fact());
    if (fact != table.facts().end() && fact->second == g.equals()) return g.granularity();
  }
  return r.granularity();
}

// The event template: everything that does not depend on the call.
void CompileEvent(const v1::RouteTable& table, const v1::Route& r, const std::string& field, CompiledRoute* route,
                  Problems* problems) {
  v1::MonitoringEvent& e = route->event;
  if (r.platform().empty()) problems->Add(field + ".platform", "missing");
  if (r.category() == v1::CATEGORY_UNSPECIFIED) problems->Add(field + ".category", "missing");
  if (r.granularity() == v1::GRANULARITY_UNSPECIFIED) {
    problems->Add(field + ".granularity", "missing: say INDIVIDUAL, PSEUDONYMOUS or AGGREGATE");
  }
  if (r.group_size() < 0) problems->Add(field + ".group_size", "negative");
  e.set_platform(r.platform());
  e.set_category(r.category());
  e.set_collector(r.collector());
  e.set_purpose(r.purpose());
  e.set_granularity(EffectiveGranularity(table, r, field, problems));
  if (e.granularity() == v1::GRANULARITY_AGGREGATE) {
    e.set_group_size(r.group_size() > 0 || !r.subject().everyone() ? r.group_size() : table.tenant_population());
  }
  if (!r.requested_retention().empty()) {
    absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(r.requested_retention());
    if (!d.ok()) {
      problems->Add(field + ".requested_retention", std::string(d.status().message()));
    } else {
      e.mutable_requested_retention()->set_seconds(absl::ToInt64Seconds(*d));
    }
  }
  for (const auto& [key, value] : r.attributes()) {
    if (absl::StartsWith(key, "grens.") || absl::StartsWith(key, "http.")) {
      problems->Add(absl::StrCat(field, ".attributes.", key), "keys starting with grens. or http. are reserved");
    }
    (*e.mutable_attributes())[key] = value;
  }
  (*e.mutable_attributes())["grens.route"] = r.id();
  if (r.subject().everyone()) (*e.mutable_attributes())["grens.subject_scope"] = "everyone";
}

std::unique_ptr<CompiledRoute> CompileRoute(const v1::RouteTable& table, int i, RE2::Set* paths,
                                            absl::flat_hash_set<std::string>* ids, Problems* problems) {
  const v1::Route& r = table.routes(i);
  const std::string field = absl::StrCat("routes[", i, "]");
  auto route = std::make_unique<CompiledRoute>();
  route->id = r.id();
  if (r.id().empty()) {
    problems->Add(field + ".id", "missing");
  } else if (!ids->insert(r.id()).second) {
    problems->Add(field + ".id", absl::StrCat("'", r.id(), "' is used by an earlier route"));
  }
  CompileMethods(r, field, route.get(), problems);
  CompileHost(r, field, route.get(), problems);
  std::string error;
  if (r.path().empty()) {
    problems->Add(field + ".path", "missing");
  } else if (paths->Add(r.path(), &error) < 0) {  // later indices shift, but the table is refused anyway
    problems->Add(field + ".path", absl::StrCat("not a valid RE2 pattern: ", error));
  }
  CompileSubject(r, field, route.get(), problems);
  CompileEvent(table, r, field, route.get(), problems);
  return route;
}

bool MethodMatches(const CompiledRoute& r, absl::string_view method) {
  return r.methods.empty() || std::find(r.methods.begin(), r.methods.end(), method) != r.methods.end();
}

bool HostMatches(const CompiledRoute& r, absl::string_view host) {
  if (r.host.empty()) return true;
  if (!r.host_is_suffix) return host == r.host;
  return host.size() > r.host.size() && absl::EndsWith(host, r.host);
}

// The subject of `call` on `route`; InvalidArgument when it is missing or empty.
absl::StatusOr<std::string> SubjectOf(const CompiledRoute& route, const HttpCall& call, absl::string_view path) {
  switch (route.subject) {
    case v1::SubjectSource::kPathGroup: {
      std::vector<re2::StringPiece> groups(route.path_group + 1);
      if (route.path->Match(re2::StringPiece(path.data(), path.size()), 0, path.size(), RE2::ANCHOR_BOTH,
                            groups.data(), static_cast<int>(groups.size())) &&
          !groups[route.path_group].empty()) {
        return std::string(groups[route.path_group].data(), groups[route.path_group].size());
      }
      return absl::InvalidArgumentError(absl::StrCat("route '", route.id, "': path group ", route.path_group,
                                                     " (the subject) is empty"));
    }
    case v1::SubjectSource::kHeader: {
      std::optional<absl::string_view> value =
          call.headers != nullptr ? call.headers->Find(route.subject_name) : std::nullopt;
      if (value.has_value() && !value->empty()) return std::string(*value);
      return absl::InvalidArgumentError(
          absl::StrCat("route '", route.id, "': header '", route.subject_name, "' (the subject) is missing"));
    }
    case v1::SubjectSource::kQuery: {
      absl::StatusOr<std::optional<std::string>> value = QueryParameter(call.path, route.subject_name);
      if (!value.ok()) return absl::InvalidArgumentError(absl::StrCat("route '", route.id, "': ", value.status().message()));
      if (value->has_value() && !(*value)->empty()) return std::move(**value);
      return absl::InvalidArgumentError(absl::StrCat("route '", route.id, "': query parameter '", route.subject_name,
                                                     "' (the subject) is missing"));
    }
    default:
      return std::string(kEveryoneSubject);
  }
}

}  // namespace

RouteTable::RouteTable() = default;
RouteTable::~RouteTable() = default;

std::unique_ptr<const RouteTable> RouteTable::Empty() { return std::unique_ptr<const RouteTable>(new RouteTable()); }

absl::StatusOr<std::unique_ptr<const RouteTable>> RouteTable::Load(const std::string& path) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return text.status();
  v1::RouteTable proto;
  std::vector<policy::Diagnostic> diagnostics;
  policy::SourceMap positions;
  absl::Status parsed = policy::ParseMessage(*text, policy::FormatForPath(path), path, &proto, &diagnostics, &positions);
  if (!parsed.ok()) return parsed;
  return Build(proto, path, &positions);
}

absl::StatusOr<std::unique_ptr<const RouteTable>> RouteTable::FromProto(const v1::RouteTable& proto,
                                                                         const std::string& source) {
  return Build(proto, source, nullptr);
}

absl::StatusOr<std::unique_ptr<const RouteTable>> RouteTable::Build(const v1::RouteTable& proto,
                                                                     const std::string& source,
                                                                     const policy::SourceMap* positions) {
  Problems problems(source, positions);
  if (proto.tenant_population() < 0) problems.Add("tenant_population", "negative");
  std::unique_ptr<RouteTable> table(new RouteTable());
  RE2::Options options;
  options.set_log_errors(false);
  auto paths = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < proto.routes_size(); ++i) {
    table->routes_.push_back(CompileRoute(proto, i, paths.get(), &ids, &problems));
  }
  if (!problems.empty()) return problems.ToStatus();
  if (!table->routes_.empty()) {
    if (!paths->Compile()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source, ": routes: the path patterns are too large to compile together"));
    }
    table->paths_ = std::move(paths);
  }
  return std::unique_ptr<const RouteTable>(std::move(table));
}

absl::StatusOr<int> RouteTable::FindRoute(absl::string_view method, absl::string_view host,
                                          absl::string_view path) const {
  if (paths_ == nullptr) return -1;
  std::vector<int> candidates;
  RE2::Set::ErrorInfo error;
  if (!paths_->Match(re2::StringPiece(path.data(), path.size()), &candidates, &error) &&
      error.kind != RE2::Set::kNoError) {
    return absl::InternalError(absl::StrCat("route table: matching the path failed (RE2::Set error ", static_cast<int>(error.kind), ")"));
  }
  std::sort(candidates.begin(), candidates.end());
  for (int i : candidates) {
    if (MethodMatches(*routes_[i], method) && HostMatches(*routes_[i], host)) return i;
  }
  return -1;
}

absl::StatusOr<bool> RouteTable::Describe(const HttpCall& call, v1::MonitoringEvent* event) const {
  if (paths_ == nullptr) return false;
  absl::StatusOr<std::string> path = CanonicalPath(call.path);
  if (!path.ok()) return path.status();
  const std::string host = CanonicalHost(call.host);
  absl::StatusOr<int> index = FindRoute(call.method, host, *path);
  if (!index.ok()) return index.status();
  if (*index < 0) return false;
  const CompiledRoute& route = *routes_[*index];
  absl::StatusOr<std::string> subject = SubjectOf(route, call, *path);
  if (!subject.ok()) return subject.status();
  *event = route.event;
  event->mutable_subject()->set_id(std::move(*subject));
  auto& attributes = *event->mutable_attributes();
  attributes["http.method"] = std::string(call.method);
  attributes["http.host"] = host;
  return true;
}

}  // namespace grens::adapters

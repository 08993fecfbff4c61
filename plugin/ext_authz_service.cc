#include "plugin/ext_authz_service.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "plugin/process_log.h"

namespace grens::plugin {
namespace {

using envoy::service::auth::v3::CheckRequest;
using envoy::service::auth::v3::CheckResponse;

// One Check between reading and answering: the event must live until the
// pipeline has taken it, the decision until the log has committed it.
struct PendingCheck {
  v1::MonitoringEvent event;
  v1::Decision decision;
};

absl::StatusOr<adapters::AnswerHeaders> ParseAnswerHeaders(const std::string& value) {
  if (value.empty() || value == "both") return adapters::AnswerHeaders::kBoth;
  if (value == "upstream") return adapters::AnswerHeaders::kUpstream;
  if (value == "downstream") return adapters::AnswerHeaders::kDownstream;
  return absl::InvalidArgumentError(absl::StrCat("ext_authz.answer_headers: '", value,
                                                 "' is not one of both, upstream, downstream"));
}

}  // namespace

ExtAuthzService::ExtAuthzService(std::unique_ptr<const adapters::RouteTable> routes,
                                 std::shared_ptr<const adapters::Directory> directory,
                                 adapters::CheckOptions options, adapters::AnswerHeaders answer_headers,
                                 DecisionPipeline* pipeline, const Clock* clock, CallLimiter* limiter)
    : routes_(std::move(routes)),
      directory_(std::move(directory)),
      options_(std::move(options)),
      answer_headers_(answer_headers),
      pipeline_(pipeline),
      clock_(clock),
      limiter_(limiter) {
  SetMessageAllocatorFor_Check(&messages_);
}

grpc::ServerUnaryReactor* ExtAuthzService::Check(grpc::CallbackServerContext* context, const CheckRequest* request,
                                                 CheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // Over limits.max_in_flight_per_client: a denial like any other failure, so
  // Envoy refuses the call whatever its failure_mode_allow says.
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(limiter_, *context);
  if (!ticket.ok()) {
    adapters::AnswerFailure(ticket.status(), response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  absl::StatusOr<adapters::CheckedCall> call = adapters::ReadCheckRequest(*routes_, *request, options_, clock_->Now());
  if (!call.ok()) {
    // Not recorded: there is no event to judge. Logged so the operator sees
    // an Envoy that sends too little, or clients that send odd paths.
    Log(LogLevel::kWarn, "ext_authz: request refused unread", {{"reason", std::string(call.status().message())}});
    adapters::AnswerFailure(call.status(), response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto pending = std::make_shared<PendingCheck>();
  pending->event = std::move(call->event);
  if (call->routed && directory_ != nullptr) directory_->Enrich(&pending->event);
  auto done = [pending, request, response, reactor, where = answer_headers_,
               ticket = *std::move(ticket)](absl::Status status) mutable {
    ticket.Release();
    if (status.ok()) {
      adapters::AnswerDecision(pending->decision, *request, where, response);
    } else {
      Log(LogLevel::kWarn, "ext_authz: no decision, call refused", {{"reason", std::string(status.message())}});
      adapters::AnswerFailure(status, response);
    }
    reactor->Finish(grpc::Status::OK);
  };
  if (call->routed) {
    pipeline_->Decide(pending->event, &pending->decision, std::move(done));
  } else {
    pipeline_->DecideDefault(pending->event, &pending->decision, std::move(done));
  }
  return reactor;
}

absl::StatusOr<std::unique_ptr<ExtAuthzService>> NewExtAuthzService(
    const v1::SidecarConfig& config, std::shared_ptr<const adapters::Directory> directory,
    DecisionPipeline* pipeline, const Clock* clock, CallLimiter* limiter) {
  const v1::ExtAuthzConfig& c = config.ext_authz();
  absl::StatusOr<adapters::AnswerHeaders> where = ParseAnswerHeaders(c.answer_headers());
  if (!where.ok()) return where.status();
  std::unique_ptr<const adapters::RouteTable> routes = adapters::RouteTable::Empty();
  if (!c.route_table_file().empty()) {
    absl::StatusOr<std::unique_ptr<const adapters::RouteTable>> loaded =
        adapters::RouteTable::Load(c.route_table_file());
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("ext_authz.route_table_file: ", loaded.status().message()));
    }
    routes = std::move(*loaded);
  }
  adapters::CheckOptions options{c.tenant(), absl::AsciiStrToLower(c.tenant_header()), {}};
  for (const auto& [principal, collector] : c.collectors_by_principal()) {
    if (principal.empty() || collector.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("ext_authz.collectors_by_principal[\"", principal,
                                                     "\"]: ", principal.empty() ? "empty principal" : "empty collector"));
    }
    options.collectors_by_principal.emplace(principal, collector);
  }
  Log(LogLevel::kInfo, "ext_authz ready",
      {{"routes", absl::StrCat(routes->size())},
       {"route_table", c.route_table_file().empty() ? "none: every call gets the policy's default"
                                                    : c.route_table_file()}});
  return std::make_unique<ExtAuthzService>(std::move(routes), std::move(directory), std::move(options), *where,
                                           pipeline, clock, limiter);
}

}  // namespace grens::plugin

#include "plugin/audit_service.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "plugin/status_util.h"
#include "policy/status_macros.h"

namespace grens::plugin {

AuditLogService::AuditLogService(std::unique_ptr<LogReader> reader, CallLimiter* in_flight)
    : reader_(std::move(reader)), in_flight_(in_flight) {}

grpc::ServerUnaryReactor* AuditLogService::Run(grpc::CallbackServerContext* context,
                                               std::function<absl::Status()> work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<CallLimiter::Ticket> ticket = CallLimiter::Admit(in_flight_, *context);
  if (!ticket.ok()) {
    reactor->Finish(ToGrpcStatus(ticket.status()));
    return reactor;
  }
  queries_.Post([reactor, work = std::move(work), ticket = *std::move(ticket)]() mutable {
    const absl::Status status = work();
    ticket.Release();
    reactor->Finish(ToGrpcStatus(status));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AuditLogService::GetLatestCheckpoint(grpc::CallbackServerContext* context,
                                                               const v1::GetLatestCheckpointRequest*,
                                                               v1::GetLatestCheckpointResponse* response) {
  return Run(context, [this, response]() -> absl::Status {
    GRENS_ASSIGN_OR_RETURN(*response->mutable_checkpoint(), reader_->LatestCheckpoint());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditLogService::ListRecords(grpc::CallbackServerContext* context,
                                                       const v1::ListRecordsRequest* request,
                                                       v1::ListRecordsResponse* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    int64_t start = 0;
    if (!request->page_token().empty() && !absl::SimpleAtoi(request->page_token(), &start)) {
      return absl::InvalidArgumentError("page_token: not a token from a previous response");
    }
    const int limit = request->page_size() > 0 ? std::min(request->page_size(), 10000) : 100;
    int64_t next = -1;
    GRENS_ASSIGN_OR_RETURN(std::vector<v1::LogRecord> records, reader_->List(request->filter(), start, limit, &next));
    for (v1::LogRecord& r : records) *response->add_records() = std::move(r);
    if (next >= 0) response->set_next_page_token(absl::StrCat(next));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditLogService::Summarize(grpc::CallbackServerContext* context,
                                                     const v1::SummarizeRequest* request,
                                                     v1::SummarizeResponse* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    GRENS_ASSIGN_OR_RETURN(*response, reader_->Summarize(*request));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditLogService::GetInclusionProof(grpc::CallbackServerContext* context,
                                                             const v1::GetInclusionProofRequest* request,
                                                             v1::GetInclusionProofResponse* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    GRENS_ASSIGN_OR_RETURN(std::vector<Hash> leaves, reader_->LeafHashes(request->tree_size()));
    GRENS_ASSIGN_OR_RETURN(std::vector<Hash> path, InclusionProof(leaves, request->index(), request->tree_size()));
    response->set_index(request->index());
    response->set_tree_size(request->tree_size());
    response->set_leaf_hash(HashToBytes(leaves[request->index()]));
    for (const Hash& h : path) response->add_audit_path(HashToBytes(h));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditLogService::GetConsistencyProof(grpc::CallbackServerContext* context,
                                                               const v1::GetConsistencyProofRequest* request,
                                                               v1::GetConsistencyProofResponse* response) {
  return Run(context, [this, request, response]() -> absl::Status {
    GRENS_ASSIGN_OR_RETURN(std::vector<Hash> leaves, reader_->LeafHashes(request->second()));
    GRENS_ASSIGN_OR_RETURN(std::vector<Hash> proof, ConsistencyProof(leaves, request->first(), request->second()));
    response->set_first(request->first());
    response->set_second(request->second());
    for (const Hash& h : proof) response->add_proof(HashToBytes(h));
    return absl::OkStatus();
  });
}

}  // namespace grens::plugin

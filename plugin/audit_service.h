#ifndef GRENS_PLUGIN_AUDIT_SERVICE_H_
#define GRENS_PLUGIN_AUDIT_SERVICE_H_

#include <memory>

#include "grens/v1/audit_log.grpc.pb.h"
#include "plugin/call_limiter.h"
#include "plugin/log_reader.h"
#include "plugin/task_queue.h"

namespace grens::plugin {

// grens.v1.AuditLog (auditor role): the works council's read-only view of the
// decision log. Queries read the log's store (SQLite or PostgreSQL), so they
// run one at a time on the service's own thread; reactors only hand work over
// and finish. Safe for concurrent use.
class AuditLogService final : public v1::AuditLog::CallbackService {
 public:
  // `in_flight` bounds each client's queued queries; null for no limit.
  // Borrowed, must outlive the service.
  explicit AuditLogService(std::unique_ptr<LogReader> reader, CallLimiter* in_flight = nullptr);

  grpc::ServerUnaryReactor* GetLatestCheckpoint(grpc::CallbackServerContext* context,
                                                const v1::GetLatestCheckpointRequest* request,
                                                v1::GetLatestCheckpointResponse* response) override;
  grpc::ServerUnaryReactor* ListRecords(grpc::CallbackServerContext* context, const v1::ListRecordsRequest* request,
                                        v1::ListRecordsResponse* response) override;
  grpc::ServerUnaryReactor* Summarize(grpc::CallbackServerContext* context, const v1::SummarizeRequest* request,
                                      v1::SummarizeResponse* response) override;
  grpc::ServerUnaryReactor* GetInclusionProof(grpc::CallbackServerContext* context,
                                              const v1::GetInclusionProofRequest* request,
                                              v1::GetInclusionProofResponse* response) override;
  grpc::ServerUnaryReactor* GetConsistencyProof(grpc::CallbackServerContext* context,
                                                const v1::GetConsistencyProofRequest* request,
                                                v1::GetConsistencyProofResponse* response) override;

 private:
  // Runs `work` on the query thread and finishes `reactor` with its status.
  grpc::ServerUnaryReactor* Run(grpc::CallbackServerContext* context, std::function<absl::Status()> work);

  std::unique_ptr<LogReader> reader_;  // used on queries_ only
  CallLimiter* const in_flight_;
  TaskQueue queries_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_AUDIT_SERVICE_H_

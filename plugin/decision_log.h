#ifndef GRENS_PLUGIN_DECISION_LOG_H_
#define GRENS_PLUGIN_DECISION_LOG_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"
#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/decision_record.h"

namespace grens::plugin {

// Where every decision and every policy change is recorded before anyone is told
// about it. Implementations append records to a tamper-evident (RFC 6962) log and
// commit them durably in groups. Safe for concurrent use.
class DecisionLog {
 public:
  // Called exactly once per Append, on a log thread, when the record's
  // transaction is durable (the record's index) or has failed (the caller must
  // then fail closed); callbacks run in commit order. Must not block.
  using CommitCallback = std::function<void(absl::StatusOr<int64_t> index)>;

  // Records prepared on the caller's thread (decision_record.h).
  using Records = absl::InlinedVector<PreparedRecord, 1>;

  virtual ~DecisionLog() = default;

  // Queues `records` to be committed in one transaction at consecutive
  // indices; the log assigns index, time and leaf hash, and `done` gets the
  // first record's index. One lock and one callback for a whole stream
  // message. Never blocks on I/O; returns immediately. After Close, `done`
  // gets FailedPrecondition.
  virtual void AppendGroup(Records records, CommitCallback done) = 0;

  // A group of one.
  void Append(PreparedRecord record, CommitCallback done);

  // Prepares `record`, appends it and waits for the commit. For policy
  // activations and other control records, never on a gRPC callback thread.
  absl::StatusOr<int64_t> AppendAndWait(v1::LogRecord record);

  // Records committed so far.
  virtual int64_t Size() const = 0;

  // Commits what is queued, signs a final checkpoint and stops the writer.
  // Idempotent.
  virtual absl::Status Close() = 0;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_DECISION_LOG_H_

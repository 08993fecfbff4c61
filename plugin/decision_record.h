#ifndef GRENS_PLUGIN_DECISION_RECORD_H_
#define GRENS_PLUGIN_DECISION_RECORD_H_

#include <string>

#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "plugin/pseudonymizer.h"

namespace grens::plugin {

// The log record of one decision: every policy-relevant attribute of the event
// (so a later policy can be replayed against it) and the decision's effect,
// clauses and obligations; the subject only as its pseudonym, and never any
// content text.
v1::LogRecord MakeDecisionRecord(const v1::MonitoringEvent& event, const v1::Decision& decision,
                                 const Pseudonymizer& pseudonymizer);

// The record of a policy activation, rejection or reload.
v1::LogRecord MakePolicyChangeRecord(v1::RecordKind kind, v1::PolicyChange change);

// The bytes the leaf hash covers: the deterministic serialization of `record`
// without leaf_hash and pruned.
std::string CanonicalBytes(const v1::LogRecord& record);

// A record made ready for a log's writer on the appending thread, so that the
// single writer thread, which every decision waits for, only stamps, hashes
// and stores it: the canonical bytes without index and time (which only the
// writer knows) and the query columns a backend stores beside the body, which
// are exactly what RecordFilterSql (log_store.h) filters on; everything else
// is read from the body. A plain value, so safe to move between threads.
struct PreparedRecord {
  v1::RecordKind kind = v1::RECORD_KIND_UNSPECIFIED;
  int effect = 0;
  int category = 0;
  // CanonicalBytes of the record with index and time cleared.
  std::string tail;
  std::string platform;
  std::string collector;
  // ",1.1,6.1," so that LIKE '%,6.1,%' finds a clause; "" without clauses.
  std::string clause_ids;
};

// Prepares `record` (its index, time, leaf_hash and pruned are ignored).
PreparedRecord PrepareRecord(v1::LogRecord record);

// PrepareRecord(MakeDecisionRecord(event, decision, pseudonymizer)), written
// straight from the event and the decision: the hot path of every decision,
// which this spares a LogRecord with a dozen string copies and its
// serialization. Same bytes, checked by tests/plugin/decision_record_test.cc.
PreparedRecord PrepareDecisionRecord(const v1::MonitoringEvent& event, const v1::Decision& decision,
                                     const Pseudonymizer& pseudonymizer);

// Appends to `out` the canonical bytes of the prepared record once stamped
// with `index` and `time`: byte for byte CanonicalBytes of the full record,
// because index (1) and time (2) are its first fields and deterministic
// serialization writes fields in number order.
void AppendCanonicalBytes(const PreparedRecord& record, int64_t index, absl::Time time, std::string* out);

// `time` as the record's google.protobuf.Timestamp sets it (floor seconds, nanos).
void SetRecordTime(absl::Time time, google::protobuf::Timestamp* out);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_DECISION_RECORD_H_

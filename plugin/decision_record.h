#ifndef GRENS_PLUGIN_DECISION_RECORD_H_
#define GRENS_PLUGIN_DECISION_RECORD_H_

#include <string>

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

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_DECISION_RECORD_H_

#include "plugin/decision_record.h"

#include <set>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace grens::plugin {

v1::LogRecord MakeDecisionRecord(const v1::MonitoringEvent& event, const v1::Decision& decision,
                                 const Pseudonymizer& pseudonymizer) {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_DECISION);
  r.set_decision_id(decision.decision_id());
  r.set_event_id(event.id());
  r.set_effect(decision.effect());
  std::set<std::string> clauses;
  for (const v1::Reason& reason : decision.reasons()) {
    if (clauses.insert(reason.clause_id()).second) r.add_clause_ids(reason.clause_id());
    r.add_rule_ids(reason.rule_id());
  }
  r.set_policy_revision(decision.policy_revision());
  r.set_category(event.category());
  r.set_platform(event.platform());
  r.set_tenant(event.tenant());
  r.set_collector(event.collector());
  r.set_purpose(event.purpose());
  r.set_granularity(event.granularity());
  r.set_group_size(event.group_size());
  r.set_visibility(event.visibility());
  *r.mutable_subject_groups() = event.subject().groups();
  r.set_subject_zone(event.subject().time_zone());
  if (event.has_occurred_at()) *r.mutable_occurred_at() = event.occurred_at();
  if (event.has_requested_retention()) *r.mutable_requested_retention() = event.requested_retention();
  if (decision.obligations().retention_limited()) {
    *r.mutable_granted_retention() = decision.obligations().max_retention();
  }
  r.set_break_glass_case(decision.obligations().break_glass_case());
  if (!event.subject().id().empty()) {
    r.set_subject_pseudonym(pseudonymizer.Pseudonym(event.tenant(), event.subject().id()));
    r.set_pseudonym_key_id(pseudonymizer.key_id());
  }
  return r;
}

v1::LogRecord MakePolicyChangeRecord(v1::RecordKind kind, v1::PolicyChange change) {
  v1::LogRecord r;
  r.set_kind(kind);
  r.set_policy_revision(change.revision());
  *r.mutable_policy_change() = std::move(change);
  return r;
}

std::string CanonicalBytes(const v1::LogRecord& record) {
  v1::LogRecord copy;
  const v1::LogRecord* source = &record;
  if (!record.leaf_hash().empty() || record.pruned()) {
    copy = record;
    copy.clear_leaf_hash();
    copy.clear_pruned();
    source = &copy;
  }
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  source->SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

}  // namespace grens::plugin

#include "plugin/decision_record.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <set>
#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

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

PreparedRecord PrepareRecord(v1::LogRecord r) {
  PreparedRecord p;
  p.kind = r.kind();
  p.effect = r.effect();
  p.category = r.category();
  if (!r.clause_ids().empty()) p.clause_ids = absl::StrCat(",", absl::StrJoin(r.clause_ids(), ","), ",");
  r.clear_index();
  r.clear_time();
  p.tail = CanonicalBytes(r);
  p.platform = std::move(*r.mutable_platform());
  p.collector = std::move(*r.mutable_collector());
  return p;
}

void SetRecordTime(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(time);  // floors, so nanos are never negative
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
}

void AppendCanonicalBytes(const PreparedRecord& record, int64_t index, absl::Time time, std::string* out) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::Timestamp stamp;
  SetRecordTime(time, &stamp);
  uint8_t prefix[2 * (1 + 10) + 1 + 1 + 10 + 1 + 5];
  uint8_t* p = prefix;
  // proto3 leaves a zero scalar out; the time message is always set.
  if (index != 0) p = WireFormatLite::WriteInt64ToArray(1, index, p);
  p = WireFormatLite::WriteTagToArray(2, WireFormatLite::WIRETYPE_LENGTH_DELIMITED, p);
  p = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(stamp.ByteSizeLong()), p);
  if (stamp.seconds() != 0) p = WireFormatLite::WriteInt64ToArray(1, stamp.seconds(), p);
  if (stamp.nanos() != 0) p = WireFormatLite::WriteInt32ToArray(2, stamp.nanos(), p);
  out->reserve(out->size() + static_cast<size_t>(p - prefix) + record.tail.size());
  out->append(reinterpret_cast<const char*>(prefix), static_cast<size_t>(p - prefix));
  out->append(record.tail);
}

}  // namespace grens::plugin

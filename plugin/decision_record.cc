#include "plugin/decision_record.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/wire_format_lite.h"

namespace grens::plugin {
namespace {

using google::protobuf::internal::WireFormatLite;

// Whether `reason` is the first to cite its clause: a record lists each clause
// once. Decisions cite a handful of reasons, so a scan beats a set.
bool FirstCitation(const v1::Decision& decision, const v1::Reason& reason) {
  for (const v1::Reason& earlier : decision.reasons()) {
    if (&earlier == &reason) return true;
    if (earlier.clause_id() == reason.clause_id()) return false;
  }
  return true;
}

// Appends protobuf wire format to a string, leaving out what proto3 leaves
// out (zero scalars, empty strings), so that the bytes equal the
// deterministic serialization of the message being described.
class WireWriter {
 public:
  explicit WireWriter(std::string* out) : out_(out) {}

  void Varint(int field, uint64_t value) {
    if (value == 0) return;
    Tag(field, WireFormatLite::WIRETYPE_VARINT);
    Raw(value);
  }
  // int32 and enums: negative values take ten bytes, as protobuf writes them.
  void Int(int field, int64_t value) { Varint(field, static_cast<uint64_t>(value)); }
  void String(int field, absl::string_view value) {
    if (!value.empty()) Element(field, value);
  }
  // An element of a repeated string field: written even when empty.
  void Element(int field, absl::string_view value) {
    Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    Raw(value.size());
    out_->append(value.data(), value.size());
  }
  // A Timestamp or Duration (seconds = 1, nanos = 2), written even when zero:
  // a set message field is always serialized.
  void SecondsNanos(int field, int64_t seconds, int32_t nanos) {
    uint8_t body[2 * 11];
    uint8_t* p = body;
    if (seconds != 0) p = WireFormatLite::WriteInt64ToArray(1, seconds, p);
    if (nanos != 0) p = WireFormatLite::WriteInt32ToArray(2, nanos, p);
    Tag(field, WireFormatLite::WIRETYPE_LENGTH_DELIMITED);
    Raw(static_cast<uint64_t>(p - body));
    out_->append(reinterpret_cast<const char*>(body), static_cast<size_t>(p - body));
  }

 private:
  void Tag(int field, WireFormatLite::WireType type) { Raw(WireFormatLite::MakeTag(field, type)); }
  void Raw(uint64_t value) {
    uint8_t buf[10];
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(value, buf);
    out_->append(reinterpret_cast<const char*>(buf), static_cast<size_t>(end - buf));
  }

  std::string* out_;
};

}  // namespace

v1::LogRecord MakeDecisionRecord(const v1::MonitoringEvent& event, const v1::Decision& decision,
                                 const Pseudonymizer& pseudonymizer) {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_DECISION);
  r.set_decision_id(decision.decision_id());
  r.set_event_id(event.id());
  r.set_effect(decision.effect());
  for (const v1::Reason& reason : decision.reasons()) {
    if (FirstCitation(decision, reason)) r.add_clause_ids(reason.clause_id());
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

PreparedRecord PrepareDecisionRecord(const v1::MonitoringEvent& event, const v1::Decision& decision,
                                     const Pseudonymizer& pseudonymizer) {
  PreparedRecord p;
  p.kind = v1::RECORD_KIND_DECISION;
  p.effect = decision.effect();
  p.category = event.category();
  p.platform = event.platform();
  p.collector = event.collector();
  p.tail.reserve(512);
  WireWriter w(&p.tail);
  // LogRecord's fields in number order (audit_log.proto); 1 index and 2 time
  // are the writer's.
  w.Int(3, v1::RECORD_KIND_DECISION);
  w.String(4, decision.decision_id());
  w.Int(5, decision.effect());
  for (const v1::Reason& reason : decision.reasons()) {
    if (!FirstCitation(decision, reason)) continue;
    w.Element(6, reason.clause_id());
    absl::StrAppend(&p.clause_ids, p.clause_ids.empty() ? "," : "", reason.clause_id(), ",");
  }
  for (const v1::Reason& reason : decision.reasons()) w.Element(7, reason.rule_id());
  w.String(8, decision.policy_revision());
  w.Int(9, event.category());
  w.String(10, event.platform());
  w.String(11, event.tenant());
  w.String(12, event.collector());
  w.String(13, event.purpose());
  w.Int(14, event.granularity());
  w.Int(15, event.group_size());
  for (const std::string& group : event.subject().groups()) w.Element(16, group);
  w.String(17, event.subject().time_zone());
  if (event.has_occurred_at()) w.SecondsNanos(18, event.occurred_at().seconds(), event.occurred_at().nanos());
  if (event.has_requested_retention()) {
    w.SecondsNanos(19, event.requested_retention().seconds(), event.requested_retention().nanos());
  }
  if (decision.obligations().retention_limited()) {
    w.SecondsNanos(20, decision.obligations().max_retention().seconds(), decision.obligations().max_retention().nanos());
  }
  const bool has_subject = !event.subject().id().empty();
  if (has_subject) w.String(21, pseudonymizer.Pseudonym(event.tenant(), event.subject().id()));
  w.String(23, event.id());
  w.Int(24, event.visibility());
  w.String(25, decision.obligations().break_glass_case());
  if (has_subject) w.String(29, pseudonymizer.key_id());
  return p;
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
  const int64_t seconds = absl::ToUnixSeconds(time);  // as SetRecordTime
  const auto nanos = static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds)));
  out->reserve(out->size() + 2 * (1 + 10) + 1 + 1 + 10 + 1 + 5 + record.tail.size());
  WireWriter w(out);
  w.Int(1, index);  // proto3 leaves a zero scalar out; the time message is always set
  w.SecondsNanos(2, seconds, nanos);
  out->append(record.tail);
}

}  // namespace grens::plugin

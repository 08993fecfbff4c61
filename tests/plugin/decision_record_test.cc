// The prepared form of a log record (serialized on the appending thread, stamped
// by the writer) must give exactly the canonical bytes of the whole record, or
// leaf hashes would stop matching what `grensctl audit verify` recomputes.

#include "plugin/decision_record.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace grens::plugin {
namespace {

v1::LogRecord Decision() {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_DECISION);
  r.set_decision_id("01a2109eec727b61846356080759e64d");
  r.set_event_id("evt-1");
  r.set_effect(v1::EFFECT_DENY);
  r.add_clause_ids("6.1");
  r.add_clause_ids("9.1");
  r.add_rule_ids("buiten-werktijd");
  r.set_policy_revision(std::string(64, 'a'));
  r.set_category(v1::CATEGORY_PRESENCE);
  r.set_platform("teams");
  r.set_tenant("acme");
  r.set_collector("teams-presence");
  r.set_purpose("colleague_availability");
  r.add_subject_groups("sales");
  r.mutable_occurred_at()->set_seconds(1773133200);
  r.set_subject_pseudonym(std::string(64, 'b'));
  r.set_pseudonym_key_id("0123456789abcdef");
  return r;
}

std::string Whole(v1::LogRecord r, int64_t index, absl::Time time) {
  r.set_index(index);
  SetRecordTime(time, r.mutable_time());
  return CanonicalBytes(r);
}

TEST(PreparedRecord, StampedBytesEqualTheWholeRecordsCanonicalBytes) {
  v1::LogRecord policy_change;
  policy_change.set_kind(v1::RECORD_KIND_POLICY_ACTIVATED);
  policy_change.mutable_policy_change()->set_revision("r2");
  const std::vector<v1::LogRecord> records = {Decision(), policy_change, v1::LogRecord()};
  const std::vector<int64_t> indices = {0, 1, 127, 128, 300, int64_t{1} << 40};
  const std::vector<absl::Time> times = {absl::UnixEpoch(), absl::FromUnixSeconds(1773133200),
                                         absl::FromUnixNanos(1773133200123456789), absl::FromUnixNanos(1),
                                         absl::FromUnixSeconds(-1) + absl::Nanoseconds(5)};
  for (const v1::LogRecord& r : records) {
    const PreparedRecord prepared = PrepareRecord(r);
    for (int64_t index : indices) {
      for (absl::Time time : times) {
        std::string stamped;
        AppendCanonicalBytes(prepared, index, time, &stamped);
        EXPECT_EQ(stamped, Whole(r, index, time)) << "index " << index << " time " << time;
      }
    }
  }
}

TEST(PreparedRecord, IgnoresWhatTheWriterSetsAndKeepsTheQueryColumns) {
  v1::LogRecord r = Decision();
  r.set_index(99);
  r.mutable_time()->set_seconds(5);
  r.set_leaf_hash("stale");
  r.set_pruned(true);
  const PreparedRecord p = PrepareRecord(r);
  std::string stamped;
  AppendCanonicalBytes(p, 7, absl::FromUnixSeconds(1000), &stamped);
  EXPECT_EQ(stamped, Whole(Decision(), 7, absl::FromUnixSeconds(1000)));
  EXPECT_EQ(p.kind, v1::RECORD_KIND_DECISION);
  EXPECT_EQ(p.effect, v1::EFFECT_DENY);
  EXPECT_EQ(p.category, v1::CATEGORY_PRESENCE);
  EXPECT_EQ(p.clause_ids, ",6.1,9.1,");
  EXPECT_EQ(p.platform, "teams");
  EXPECT_EQ(p.collector, "teams-presence");
  EXPECT_EQ(PrepareRecord(v1::LogRecord()).clause_ids, "");
}

// Events and decisions that exercise every field the direct encoder writes,
// including the ones proto3 leaves out when empty and repeated empty strings.
std::vector<std::pair<v1::MonitoringEvent, v1::Decision>> Samples() {
  std::vector<std::pair<v1::MonitoringEvent, v1::Decision>> out;
  v1::MonitoringEvent e;
  e.set_id("evt-1");
  e.set_platform("teams");
  e.set_tenant("acme");
  e.set_collector("teams-presence");
  e.set_category(v1::CATEGORY_PRESENCE);
  e.set_purpose("colleague_availability");
  e.mutable_subject()->set_id("u-1001");
  e.mutable_subject()->add_groups("sales");
  e.mutable_subject()->add_groups("");
  e.mutable_subject()->set_time_zone("Europe/Amsterdam");
  e.mutable_occurred_at()->set_seconds(1773133200);
  e.mutable_occurred_at()->set_nanos(5);
  e.set_granularity(v1::GRANULARITY_AGGREGATE);
  e.set_group_size(12);
  e.set_visibility(v1::VISIBILITY_COVERT);
  e.mutable_requested_retention()->set_seconds(86400);
  e.add_content()->set_text("never in the record");
  v1::Decision d;
  d.set_effect(v1::EFFECT_ALLOW_WITH_OBLIGATIONS);
  d.set_decision_id("01a2109eec727b61846356080759e64d");
  d.set_policy_revision(std::string(64, 'a'));
  for (const auto& [clause, rule] : std::vector<std::pair<std::string, std::string>>{
           {"1.1", "aanwezigheid-live"}, {"7.2", "bewaartermijn"}, {"1.1", "nog-een"}, {"", ""}}) {
    v1::Reason* r = d.add_reasons();
    r->set_clause_id(clause);
    r->set_rule_id(rule);
  }
  d.mutable_obligations()->set_retention_limited(true);
  d.mutable_obligations()->mutable_max_retention()->set_seconds(0);
  d.mutable_obligations()->set_break_glass_case("SEC-1");
  out.emplace_back(e, d);

  // The bare minimum: no subject, no times set, nothing optional.
  out.emplace_back(v1::MonitoringEvent(), v1::Decision());

  // Zero time and retention messages that are set but empty; a negative time.
  v1::MonitoringEvent zero = e;
  zero.mutable_occurred_at()->Clear();
  zero.mutable_requested_retention()->Clear();
  zero.mutable_subject()->clear_id();
  v1::Decision deny;
  deny.set_effect(v1::EFFECT_DENY);
  deny.add_reasons()->set_clause_id("6.1");
  out.emplace_back(zero, deny);
  v1::MonitoringEvent old = e;
  old.mutable_occurred_at()->set_seconds(-5);
  out.emplace_back(old, deny);
  return out;
}

TEST(PreparedRecord, TheDirectEncoderWritesWhatTheLogRecordWould) {
  auto pseudonymizer = Pseudonymizer::FromKey(std::string(32, 'k'));
  for (const auto& [event, decision] : Samples()) {
    const PreparedRecord direct = PrepareDecisionRecord(event, decision, *pseudonymizer);
    const PreparedRecord reference = PrepareRecord(MakeDecisionRecord(event, decision, *pseudonymizer));
    EXPECT_EQ(direct.tail, reference.tail) << event.DebugString() << decision.DebugString();
    EXPECT_EQ(direct.kind, reference.kind);
    EXPECT_EQ(direct.effect, reference.effect);
    EXPECT_EQ(direct.category, reference.category);
    EXPECT_EQ(direct.platform, reference.platform);
    EXPECT_EQ(direct.collector, reference.collector);
    EXPECT_EQ(direct.clause_ids, reference.clause_ids);
  }
}

}  // namespace
}  // namespace grens::plugin

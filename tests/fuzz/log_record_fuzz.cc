// A decision-log record as stored: the canonical bytes of a grens.v1.LogRecord
// (plugin/decision_record.h) read back by the log reader (ParseStoredRecord in
// plugin/log_reader.h), as grensctl audit and the AuditLog service do with
// every row. Whatever parses must round-trip: the canonical bytes of a record
// read from canonical bytes are the same bytes again, or two readers of one log
// could disagree about what a leaf hash covers. Seeds: records the decision
// log tests write.

#include <cstddef>
#include <cstdint>
#include <string>

#include "grens/v1/audit_log.pb.h"
#include "plugin/decision_record.h"
#include "plugin/log_reader.h"
#include "plugin/merkle.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using grens::fuzzing::Check;
  const absl::string_view body = grens::fuzzing::AsText(data, size);
  const grens::plugin::Hash leaf = grens::plugin::LeafHash(body);
  const std::string leaf_bytes = grens::plugin::HashToBytes(leaf);
  for (const bool pruned : {false, true}) {
    absl::StatusOr<grens::v1::LogRecord> record = grens::plugin::ParseStoredRecord(body, leaf_bytes, pruned, 42);
    if (!record.ok()) {
      Check(!pruned && record.status().code() == absl::StatusCode::kDataLoss, "an unreadable record that is not DataLoss");
      continue;
    }
    Check(record->index() == 42 && record->pruned() == pruned && record->leaf_hash() == leaf_bytes,
          "the row's index, leaf hash or prune flag was not kept");
    const std::string canonical = grens::plugin::CanonicalBytes(*record);
    absl::StatusOr<grens::v1::LogRecord> again = grens::plugin::ParseStoredRecord(canonical, "", false, 42);
    Check(again.ok(), "canonical bytes that do not parse");
    Check(grens::plugin::CanonicalBytes(*again) == canonical, "canonical bytes that do not round-trip");
  }
  return 0;
}

#include "plugin/decision_log.h"

#include <utility>

#include "absl/synchronization/notification.h"

namespace grens::plugin {

void DecisionLog::Append(PreparedRecord record, CommitCallback done) {
  Records records;
  records.push_back(std::move(record));
  AppendGroup(std::move(records), std::move(done));
}

absl::StatusOr<int64_t> DecisionLog::AppendAndWait(v1::LogRecord record) {
  absl::Notification committed;
  absl::StatusOr<int64_t> result;
  Append(PrepareRecord(std::move(record)), [&](absl::StatusOr<int64_t> index) {
    result = std::move(index);
    committed.Notify();
  });
  committed.WaitForNotification();
  return result;
}

}  // namespace grens::plugin

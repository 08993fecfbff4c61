#ifndef GRENS_PLUGIN_LOG_BACKEND_H_
#define GRENS_PLUGIN_LOG_BACKEND_H_

#include <memory>

#include "absl/status/statusor.h"
#include "grens/v1/config.pb.h"
#include "plugin/clock.h"
#include "plugin/decision_log.h"
#include "plugin/log_metrics.h"
#include "plugin/log_reader.h"

namespace grens::plugin {

// Opens the decision log that `config.decision_log.backend` selects: "sqlite"
// (default; in data_dir) or "postgres" (postgres_dsn, one chain per origin).
// `config` must be finalized; `clock` must outlive the log.
// `metrics` (may be null) receives the writer's commit figures and must
// outlive the log too.
absl::StatusOr<std::unique_ptr<DecisionLog>> OpenConfiguredDecisionLog(const v1::SidecarConfig& config,
                                                                      const Clock* clock,
                                                                      DecisionLogMetrics* metrics);

// A reader of the same log, for the AuditLog service. Open the log first: it
// creates what the reader reads.
absl::StatusOr<std::unique_ptr<LogReader>> OpenConfiguredLogReader(const v1::SidecarConfig& config);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_LOG_BACKEND_H_

#include "plugin/log_backend.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>

#include "absl/strings/str_cat.h"
#include "plugin/postgres_decision_log.h"
#include "plugin/sqlite_decision_log.h"
#include "policy/durations.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

bool UsesPostgres(const v1::SidecarConfig& config) { return config.decision_log().backend() == "postgres"; }

// The chain's identity: configured, else "grens" for the embedded log (as it
// always was) and "grens/<hostname>" in a shared database.
std::string Origin(const v1::SidecarConfig& config) {
  if (!config.decision_log().origin().empty()) return config.decision_log().origin();
  if (!UsesPostgres(config)) return "grens";
  char host[HOST_NAME_MAX + 1] = {};
  ::gethostname(host, sizeof(host) - 1);
  return absl::StrCat("grens/", host);
}

// Settings both backends share; durations were checked by FinalizeSidecarConfig.
template <typename Options>
void CommonOptions(const v1::SidecarConfig& config, const Clock* clock, DecisionLogMetrics* metrics, Options* o) {
  const v1::DecisionLogConfig& c = config.decision_log();
  o->origin = Origin(config);
  if (c.checkpoint_every_records() > 0) o->checkpoint_every_records = c.checkpoint_every_records();
  if (!c.checkpoint_interval().empty()) o->checkpoint_interval = *policy::ParseAgreementDuration(c.checkpoint_interval());
  if (c.max_batch() > 0) o->max_batch = c.max_batch();
  if (!c.retention().empty()) o->retention = *policy::ParseAgreementDuration(c.retention());
  o->clock = clock;
  o->metrics = metrics;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DecisionLog>> OpenConfiguredDecisionLog(const v1::SidecarConfig& config,
                                                                      const Clock* clock,
                                                                      DecisionLogMetrics* metrics) {
  if (!UsesPostgres(config)) {
    SqliteDecisionLogOptions o;
    o.data_dir = config.data_dir();
    o.signing_key_file = config.signing_key_file();
    CommonOptions(config, clock, metrics, &o);
    return OpenSqliteDecisionLog(o);
  }
  // The keys stay on the sidecar, in data_dir, unless configured elsewhere.
  if (::mkdir(config.data_dir().c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::PermissionDeniedError(absl::StrCat(config.data_dir(), ": cannot create the data directory"));
  }
  PostgresDecisionLogOptions o;
  o.dsn = config.decision_log().postgres_dsn();
  o.signing_key_file = config.signing_key_file().empty() ? config.data_dir() + "/checkpoint.key" : config.signing_key_file();
  o.create_signing_key = config.signing_key_file().empty();
  CommonOptions(config, clock, metrics, &o);
  return OpenPostgresDecisionLog(o);
}

absl::StatusOr<std::unique_ptr<LogReader>> OpenConfiguredLogReader(const v1::SidecarConfig& config) {
  if (!UsesPostgres(config)) return LogReader::Open(config.data_dir());
  return LogReader::OpenPostgres(config.decision_log().postgres_dsn(), Origin(config));
}

}  // namespace grens::plugin

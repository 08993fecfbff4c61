// `grensctl audit ...`: the works council's own tools for the decision log.
//   verify     recompute the whole tree from the log files and check every
//              checkpoint (and, with --checkpoints, the council's stored ones)
//   witness    fetch the current checkpoint from a running grensd, prove it
//              extends every checkpoint stored before, then store it
//   query      list records with filters
//   summary    counts per day/week and dimension, small cells withheld
//   export     records as CSV or JSON Lines
//   chains     the sidecars' chains in a shared PostgreSQL log
//   pseudonym  compute one person's pseudonym (key holder, lawful request)
// verify, query, summary and export read the embedded log (--data-dir) or one
// chain of a PostgreSQL log (--dsn, --origin) through the same LogReader, so
// the checks are the same for both.

#include "plugin/ctl_audit.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"
#include "grens/v1/audit_log.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "plugin/checkpoint.h"
#include "plugin/ctl_flags.h"
#include "plugin/log_reader.h"
#include "plugin/postgres_log_store.h"
#include "plugin/pseudonymizer.h"

namespace grens::plugin {
namespace {

constexpr char kUsageText[] =
    "usage:\n"
    "  grensctl audit verify LOG [--checkpoints FILE]\n"
    "  grensctl audit witness --server ADDR --store FILE\n"
    "  grensctl audit query LOG [FILTERS] [--limit N]\n"
    "  grensctl audit summary LOG [FILTERS] [--by category,effect,collector,clause,platform]\n"
    "                         [--period day|week] [--min-subjects K]\n"
    "  grensctl audit export LOG --format csv|jsonl [FILTERS]\n"
    "  grensctl audit chains --dsn DSN\n"
    "  grensctl audit pseudonym --key FILE --tenant T --subject ID\n"
    "LOG: --data-dir DIR (embedded SQLite log), or --dsn DSN [--origin ORIGIN] (PostgreSQL;\n"
    "     the origin names one sidecar's chain and may be left out when there is only one)\n"
    "FILTERS: --since RFC3339 --until RFC3339 --category C --platform P --collector C --effect E --clause ID\n";

int Usage(const std::string& message) {
  std::fprintf(stderr, "grensctl audit: %s\n%s", message.c_str(), kUsageText);
  return kUsage;
}

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "grensctl audit: %s\n", std::string(status.message()).c_str());
  return kFailed;
}

// --name value and --name=value pairs, by name without the dashes (the last of
// a repeated flag wins); anything else is an error.
absl::StatusOr<std::map<std::string, std::string>> Flags(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> parsed = ParseAnyCtlArgs(args);
  if (!parsed.ok()) return parsed.status();
  if (!parsed->positional.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected '", parsed->positional.front(), "'"));
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : parsed->flags) out[name.substr(2)] = value;
  return out;
}

template <typename Enum>
absl::Status ParseEnum(const std::string& text, const std::string& prefix, bool (*parse)(const std::string&, Enum*),
                       Enum* out) {
  std::string upper = absl::AsciiStrToUpper(text);
  if (upper.rfind(prefix, 0) != 0) upper = prefix + upper;
  if (!parse(upper, out)) return absl::InvalidArgumentError(absl::StrCat("unknown value '", text, "'"));
  return absl::OkStatus();
}

absl::Status SetTime(const std::string& text, google::protobuf::Timestamp* out) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat("not an RFC 3339 time: '", text, "'"));
  }
  out->set_seconds(absl::ToUnixSeconds(t));
  return absl::OkStatus();
}

absl::StatusOr<v1::RecordFilter> Filter(const std::map<std::string, std::string>& flags) {
  v1::RecordFilter f;
  for (const auto& [name, value] : flags) {
    absl::Status s;
    if (name == "since") {
      s = SetTime(value, f.mutable_since());
    } else if (name == "until") {
      s = SetTime(value, f.mutable_until());
    } else if (name == "category") {
      v1::Category c;
      s = ParseEnum<v1::Category>(value, "CATEGORY_", &v1::Category_Parse, &c);
      f.add_categories(c);
    } else if (name == "effect") {
      v1::Effect e;
      s = ParseEnum<v1::Effect>(value, "EFFECT_", &v1::Effect_Parse, &e);
      f.add_effects(e);
    } else if (name == "platform") {
      f.add_platforms(value);
    } else if (name == "collector") {
      f.add_collectors(value);
    } else if (name == "clause") {
      f.add_clause_ids(value);
    }
    if (!s.ok()) return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", s.message()));
  }
  return f;
}

absl::StatusOr<std::unique_ptr<LogReader>> OpenReader(const std::map<std::string, std::string>& flags) {
  const auto dir = flags.find("data-dir");
  const auto dsn = flags.find("dsn");
  if ((dir == flags.end()) == (dsn == flags.end())) {
    return absl::InvalidArgumentError("give the log as either --data-dir DIR or --dsn DSN [--origin ORIGIN]");
  }
  if (dir != flags.end()) return LogReader::Open(dir->second);
  const auto origin = flags.find("origin");
  return LogReader::OpenPostgres(dsn->second, origin == flags.end() ? "" : origin->second);
}

std::string Short(const std::string& name, const std::string& prefix) {
  return name.rfind(prefix, 0) == 0 ? name.substr(prefix.size()) : name;
}

std::string TimeText(const google::protobuf::Timestamp& t) {
  return absl::FormatTime(absl::RFC3339_sec, absl::FromUnixSeconds(t.seconds()), absl::UTCTimeZone());
}

// The council's stored checkpoints: one JSON object per line.
absl::StatusOr<std::vector<v1::Checkpoint>> ReadStore(const std::string& path) {
  std::vector<v1::Checkpoint> out;
  std::ifstream in(path);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    v1::Checkpoint c;
    if (!google::protobuf::util::JsonStringToMessage(line, &c).ok()) {
      return absl::DataLossError(absl::StrCat(path, ":", n, ": not a stored checkpoint"));
    }
    out.push_back(std::move(c));
  }
  return out;
}

int Verify(const std::map<std::string, std::string>& flags) {
  auto reader = OpenReader(flags);
  if (!reader.ok()) return Fail(reader.status());
  std::vector<v1::Checkpoint> external;
  std::string pinned;
  if (auto it = flags.find("checkpoints"); it != flags.end()) {
    auto stored = ReadStore(it->second);
    if (!stored.ok()) return Fail(stored.status());
    external = *std::move(stored);
    if (!external.empty()) pinned = external.front().public_key();
  }
  absl::StatusOr<VerifyReport> report = (*reader)->Verify(external, pinned);
  if (!report.ok()) {
    std::printf("FAIL  %s\n", std::string(report.status().message()).c_str());
    return kFailed;
  }
  const double seconds = absl::ToDoubleSeconds(report->elapsed);
  std::printf("ok: %lld records, %lld checkpoints of the log and %lld of yours verified in %.3f s (%.0f records/s)\n",
              static_cast<long long>(report->records), static_cast<long long>(report->checkpoints),
              static_cast<long long>(report->external_checkpoints), seconds,
              seconds > 0 ? static_cast<double>(report->records) / seconds : 0.0);
  return kOk;
}

// The hashes of a server's consistency proof; DataLoss naming the first that
// is not a hash (the server is the party the witness does not trust).
absl::StatusOr<std::vector<Hash>> ProofHashes(const v1::GetConsistencyProofResponse& proof) {
  std::vector<Hash> path;
  for (int i = 0; i < proof.proof_size(); ++i) {
    absl::StatusOr<Hash> h = HashFromBytes(proof.proof(i));
    if (!h.ok()) {
      return absl::DataLossError(absl::StrCat("the server's consistency proof from ", proof.first(), " to ",
                                              proof.second(), ": element ", i, ": ", h.status().message()));
    }
    path.push_back(*h);
  }
  return path;
}

int Witness(const std::map<std::string, std::string>& flags) {
  if (!flags.count("server") || !flags.count("store")) return Usage("witness needs --server and --store");
  auto stub = v1::AuditLog::NewStub(grpc::CreateChannel(flags.at("server"), grpc::InsecureChannelCredentials()));
  auto stored = ReadStore(flags.at("store"));
  if (!stored.ok()) return Fail(stored.status());
  grpc::ClientContext context;
  v1::GetLatestCheckpointResponse latest;
  grpc::Status s = stub->GetLatestCheckpoint(&context, v1::GetLatestCheckpointRequest(), &latest);
  if (!s.ok()) return Fail(absl::UnavailableError(absl::StrCat("GetLatestCheckpoint: ", s.error_message())));
  const v1::Checkpoint& now = latest.checkpoint();
  const std::string pinned = stored->empty() ? now.public_key() : stored->front().public_key();
  absl::Status signature = VerifyCheckpoint(now, pinned);
  if (!signature.ok()) return Fail(absl::DataLossError(absl::StrCat("the current checkpoint is not signed by the key you pinned: ", signature.message())));
  absl::StatusOr<Hash> now_root = HashFromBytes(now.root_hash());
  if (!now_root.ok()) return Fail(now_root.status());
  for (const v1::Checkpoint& old : *stored) {
    if (old.tree_size() > now.tree_size()) {
      return Fail(absl::DataLossError(absl::StrCat("the log was cut off: it has ", now.tree_size(),
                                                   " records, you saw ", old.tree_size())));
    }
    grpc::ClientContext proof_context;
    v1::GetConsistencyProofRequest request;
    request.set_first(old.tree_size());
    request.set_second(now.tree_size());
    v1::GetConsistencyProofResponse proof;
    s = stub->GetConsistencyProof(&proof_context, request, &proof);
    if (!s.ok()) return Fail(absl::UnavailableError(absl::StrCat("GetConsistencyProof: ", s.error_message())));
    absl::StatusOr<std::vector<Hash>> path = ProofHashes(proof);
    if (!path.ok()) return Fail(path.status());
    absl::StatusOr<Hash> old_root = HashFromBytes(old.root_hash());
    if (!old_root.ok()) return Fail(old_root.status());
    absl::Status consistent = VerifyConsistency(old.tree_size(), now.tree_size(), *old_root, *now_root, *path);
    if (!consistent.ok()) return Fail(consistent);
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(now, &json, options);
  std::ofstream(flags.at("store"), std::ios::app) << json << "\n";
  std::printf("ok: checkpoint of size %lld extends all %zu stored checkpoints; stored\n",
              static_cast<long long>(now.tree_size()), stored->size());
  return kOk;
}

std::string Line(const v1::LogRecord& r) {
  if (r.pruned()) return absl::StrCat(r.index(), "  (pruned by log retention)");
  if (r.kind() != v1::RECORD_KIND_DECISION) {
    return absl::StrCat(r.index(), "  ", TimeText(r.time()), "  ", Short(v1::RecordKind_Name(r.kind()), "RECORD_KIND_"),
                        "  revision ", r.policy_change().revision().substr(0, 12), " (was ",
                        r.policy_change().previous_revision().substr(0, 12), ")  ", r.policy_change().rejection());
  }
  return absl::StrCat(r.index(), "  ", TimeText(r.time()), "  ", Short(v1::Effect_Name(r.effect()), "EFFECT_"), "  ",
                      Short(v1::Category_Name(r.category()), "CATEGORY_"), "  ", r.platform(), "/", r.collector(),
                      "  clauses ", absl::StrJoin(r.clause_ids(), ","), "  subject ", r.subject_pseudonym().substr(0, 12));
}

// Calls `visit` for every record matching the filter flags, page by page.
absl::Status ForEachRecord(LogReader* reader, const std::map<std::string, std::string>& flags, int64_t limit,
                           const std::function<void(const v1::LogRecord&)>& visit) {
  absl::StatusOr<v1::RecordFilter> filter = Filter(flags);
  if (!filter.ok()) return filter.status();
  int64_t start = 0, seen = 0;
  while (start >= 0 && seen < limit) {
    int64_t next = -1;
    auto page = reader->List(*filter, start, 1000, &next);
    if (!page.ok()) return page.status();
    for (const v1::LogRecord& r : *page) {
      if (seen++ >= limit) break;
      visit(r);
    }
    start = next;
  }
  return absl::OkStatus();
}

int Query(std::map<std::string, std::string> flags) {
  auto reader = OpenReader(flags);
  if (!reader.ok()) return Fail(reader.status());
  int64_t limit = 100;
  if (flags.count("limit") && !absl::SimpleAtoi(flags["limit"], &limit)) return Usage("--limit: not a number");
  flags.erase("limit");
  absl::Status s = ForEachRecord(reader->get(), flags, limit, [](const v1::LogRecord& r) {
    std::printf("%s\n", Line(r).c_str());
  });
  return s.ok() ? kOk : Fail(s);
}

int Summary(std::map<std::string, std::string> flags) {
  auto reader = OpenReader(flags);
  if (!reader.ok()) return Fail(reader.status());
  v1::SummarizeRequest request;
  auto filter = Filter(flags);
  if (!filter.ok()) return Usage(std::string(filter.status().message()));
  *request.mutable_filter() = *filter;
  for (absl::string_view by : absl::StrSplit(flags.count("by") ? flags["by"] : "category,effect", ',')) {
    v1::SummaryDimension d;
    if (!v1::SummaryDimension_Parse(absl::StrCat("SUMMARY_DIMENSION_", absl::AsciiStrToUpper(by)), &d)) {
      return Usage(absl::StrCat("--by: unknown dimension '", by, "'"));
    }
    request.add_group_by(d);
  }
  request.set_period(flags.count("period") && flags["period"] == "week" ? v1::SUMMARY_PERIOD_WEEK : v1::SUMMARY_PERIOD_DAY);
  if (flags.count("min-subjects")) {
    int k = 0;
    if (!absl::SimpleAtoi(flags["min-subjects"], &k)) return Usage("--min-subjects: not a number");
    request.set_min_subjects(k);
  }
  auto response = (*reader)->Summarize(request);
  if (!response.ok()) return Fail(response.status());
  for (const v1::SummaryCell& c : response->cells()) {
    std::printf("%s  %-50s  %6lld decisions  %5lld people\n", TimeText(c.period_start()).substr(0, 10).c_str(),
                absl::StrJoin(c.keys(), " / ").c_str(), static_cast<long long>(c.decisions()),
                static_cast<long long>(c.subjects()));
  }
  std::printf("%lld cells withheld (fewer people than the minimum)\n", static_cast<long long>(response->suppressed_cells()));
  return kOk;
}

std::string Csv(const std::string& field) {
  if (field.find_first_of(",\"\n") == std::string::npos) return field;
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

int Export(std::map<std::string, std::string> flags) {
  auto reader = OpenReader(flags);
  if (!reader.ok()) return Fail(reader.status());
  const std::string format = flags.count("format") ? flags["format"] : "";
  if (format != "csv" && format != "jsonl") return Usage("--format must be csv or jsonl");
  flags.erase("format");
  if (format == "csv") {
    std::printf("index,time,kind,decision_id,effect,category,platform,tenant,collector,purpose,clauses,"
                "subject_pseudonym,policy_revision,leaf_hash\n");
  }
  absl::Status s = ForEachRecord(reader->get(), flags, INT64_MAX, [&](const v1::LogRecord& r) {
    if (format == "jsonl") {
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(r, &json);
      std::printf("%s\n", json.c_str());
      return;
    }
    const std::vector<std::string> fields = {
        absl::StrCat(r.index()), r.pruned() ? "" : TimeText(r.time()), Short(v1::RecordKind_Name(r.kind()), "RECORD_KIND_"),
        r.decision_id(), Short(v1::Effect_Name(r.effect()), "EFFECT_"), Short(v1::Category_Name(r.category()), "CATEGORY_"),
        r.platform(), r.tenant(), r.collector(), r.purpose(), absl::StrJoin(r.clause_ids(), ";"), r.subject_pseudonym(),
        r.policy_revision(), absl::BytesToHexString(r.leaf_hash())};
    std::vector<std::string> quoted;
    for (const std::string& f : fields) quoted.push_back(Csv(f));
    std::printf("%s\n", absl::StrJoin(quoted, ",").c_str());
  });
  return s.ok() ? kOk : Fail(s);
}

int Chains(const std::map<std::string, std::string>& flags) {
  if (!flags.count("dsn")) return Usage("chains needs --dsn");
  auto chains = ListPostgresChains(flags.at("dsn"));
  if (!chains.ok()) return Fail(chains.status());
  for (const PostgresChainSummary& c : *chains) {
    std::printf("%s  %lld records, last checkpoint at %lld\n", c.origin.c_str(), static_cast<long long>(c.records),
                static_cast<long long>(c.checkpointed));
  }
  return kOk;
}

int PseudonymCommand(const std::map<std::string, std::string>& flags) {
  if (!flags.count("key") || !flags.count("subject")) return Usage("pseudonym needs --key and --subject");
  auto p = Pseudonymizer::FromKeyFile(flags.at("key"), false);
  if (!p.ok()) return Fail(p.status());
  std::printf("%s\n", (*p)->Pseudonym(flags.count("tenant") ? flags.at("tenant") : "", flags.at("subject")).c_str());
  return kOk;
}

}  // namespace

int RunAuditCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("missing command");
  if (args[0] == "help" || args[0] == "--help") {
    std::fputs(kUsageText, stdout);
    return kOk;
  }
  auto flags = Flags({args.begin() + 1, args.end()});
  if (!flags.ok()) return Usage(std::string(flags.status().message()));
  const std::string& command = args[0];
  if (command == "verify") return Verify(*flags);
  if (command == "witness") return Witness(*flags);
  if (command == "query") return Query(*flags);
  if (command == "summary") return Summary(*flags);
  if (command == "export") return Export(*flags);
  if (command == "chains") return Chains(*flags);
  if (command == "pseudonym") return PseudonymCommand(*flags);
  return Usage(absl::StrCat("unknown command '", command, "'"));
}

}  // namespace grens::plugin

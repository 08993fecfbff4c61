#include "plugin/log_reader.h"

#include <unistd.h>

#include <map>
#include <set>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/io/coded_stream.h"
#include "plugin/checkpoint.h"
#include "plugin/sqlite_decision_log.h"

namespace grens::plugin {
namespace {

// A WHERE clause with its bound values, built from a RecordFilter.
struct Query {
  std::vector<std::string> conditions;
  std::vector<std::string> text_params;  // bound in order after the integer ones
  std::vector<int64_t> int_params;
  std::vector<bool> is_int;              // order of all params

  void AddInt(const std::string& condition, int64_t value) {
    conditions.push_back(condition);
    int_params.push_back(value);
    is_int.push_back(true);
  }
  void AddIn(const std::string& column, const std::vector<int64_t>& values) {
    if (values.empty()) return;
    std::vector<std::string> marks(values.size(), "?");
    conditions.push_back(absl::StrCat(column, " IN (", absl::StrJoin(marks, ","), ")"));
    for (int64_t v : values) {
      int_params.push_back(v);
      is_int.push_back(true);
    }
  }
  void AddTextIn(const std::string& column, const google::protobuf::RepeatedPtrField<std::string>& values) {
    if (values.empty()) return;
    std::vector<std::string> marks(values.size(), "?");
    conditions.push_back(absl::StrCat(column, " IN (", absl::StrJoin(marks, ","), ")"));
    for (const std::string& v : values) {
      text_params.push_back(v);
      is_int.push_back(false);
    }
  }
  void AddClauses(const google::protobuf::RepeatedPtrField<std::string>& clauses) {
    if (clauses.empty()) return;
    std::vector<std::string> likes;
    for (const std::string& c : clauses) {
      likes.push_back("clause_ids LIKE ?");
      text_params.push_back(absl::StrCat("%,", c, ",%"));
      is_int.push_back(false);
    }
    conditions.push_back(absl::StrCat("(", absl::StrJoin(likes, " OR "), ")"));
  }
  std::string Where() const { return conditions.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(conditions, " AND ")); }
  void Bind(SqliteStatement* s) const {
    size_t ints = 0, texts = 0;
    for (size_t i = 0; i < is_int.size(); ++i) {
      if (is_int[i]) {
        s->BindInt(static_cast<int>(i + 1), int_params[ints++]);
      } else {
        s->BindText(static_cast<int>(i + 1), text_params[texts++]);
      }
    }
  }
};

// Unix nanoseconds of a filter bound, saturated: int64 nanoseconds end in 2262
// and a request may say anything, but a saturated bound still orders correctly
// against every stored time (the writer stores absl::ToUnixNanos too).
int64_t Nanos(const google::protobuf::Timestamp& t) {
  return absl::ToUnixNanos(absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()));
}

Query FromFilter(const v1::RecordFilter& f, int64_t start) {
  Query q;
  q.AddInt("idx >= ?", start);
  if (f.has_since()) q.AddInt("time_ns >= ?", Nanos(f.since()));
  if (f.has_until()) q.AddInt("time_ns < ?", Nanos(f.until()));
  q.AddIn("category", {f.categories().begin(), f.categories().end()});
  q.AddIn("effect", {f.effects().begin(), f.effects().end()});
  q.AddIn("kind", {f.kinds().begin(), f.kinds().end()});
  q.AddTextIn("platform", f.platforms());
  q.AddTextIn("collector", f.collectors());
  q.AddClauses(f.clause_ids());
  return q;
}

// The index stored in a canonical body: field 1 is serialized first (varint),
// and is absent for index 0. Decoded by protobuf's own reader, so a body means
// here what it means to the parser; -1 when the varint is cut off.
int64_t BodyIndex(absl::string_view body) {
  if (body.empty() || static_cast<uint8_t>(body[0]) != 0x08) return 0;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(body.data()) + 1,
                                            static_cast<int>(body.size() - 1));
  uint64_t value = 0;
  if (!in.ReadVarint64(&value)) return -1;
  return static_cast<int64_t>(value);
}

std::string DimensionValue(v1::SummaryDimension d, const v1::LogRecord& r) {
  switch (d) {
    case v1::SUMMARY_DIMENSION_CATEGORY: return v1::Category_Name(r.category());
    case v1::SUMMARY_DIMENSION_EFFECT: return v1::Effect_Name(r.effect());
    case v1::SUMMARY_DIMENSION_COLLECTOR: return r.collector();
    case v1::SUMMARY_DIMENSION_PLATFORM: return r.platform();
    default: return "";
  }
}

absl::Time PeriodStart(absl::Time t, v1::SummaryPeriod period) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone());
  if (period != v1::SUMMARY_PERIOD_WEEK) return absl::FromCivil(day, absl::UTCTimeZone());
  const absl::CivilDay monday = absl::PrevWeekday(day + 1, absl::Weekday::monday);  // ISO weeks start on Monday
  return absl::FromCivil(monday, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<v1::LogRecord> ParseStoredRecord(absl::string_view body, absl::string_view leaf_hash, bool pruned,
                                                int64_t index) {
  v1::LogRecord r;
  if (!pruned && !r.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::DataLossError(absl::StrCat("record ", index, ": unreadable record bytes"));
  }
  r.set_index(index);
  r.set_leaf_hash(std::string(leaf_hash));
  r.set_pruned(pruned);
  return r;
}

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::Open(const std::string& data_dir) {
  const std::string path = DecisionLogPath(data_dir);
  if (::access(path.c_str(), F_OK) != 0) return absl::NotFoundError(absl::StrCat(path, ": no decision log here"));
  // Opened read-write (never written) so SQLite can use the WAL index of a log
  // whose writer is running or has stopped.
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> db, SqliteDb::Open(path, false));
  return std::unique_ptr<LogReader>(new LogReader(std::move(db)));
}

absl::StatusOr<int64_t> LogReader::Size() {
  GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT COUNT(*) FROM records"));
  if (!s->StepRow()) return s->status();
  return s->ColumnInt(0);
}

absl::StatusOr<std::string> LogReader::PublicKey() { return db_->GetMeta("public_key"); }

absl::StatusOr<std::vector<v1::Checkpoint>> LogReader::Checkpoints() {
  GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT tree_size, root, time_ns, signature, signed_text, public_key"
                                              " FROM checkpoints ORDER BY tree_size"));
  std::vector<v1::Checkpoint> out;
  absl::StatusOr<std::string> origin = db_->GetMeta("origin");
  while (s->StepRow()) {
    v1::Checkpoint c;
    c.set_origin(origin.ok() ? *origin : "");
    c.set_tree_size(s->ColumnInt(0));
    c.set_root_hash(std::string(s->ColumnBytes(1)));
    c.mutable_time()->set_seconds(s->ColumnInt(2) / 1000000000);
    c.set_signature(std::string(s->ColumnBytes(3)));
    c.set_signed_text(std::string(s->ColumnBytes(4)));
    c.set_public_key(std::string(s->ColumnBytes(5)));
    out.push_back(std::move(c));
  }
  GRENS_RETURN_IF_ERROR(s->status());
  return out;
}

absl::StatusOr<v1::Checkpoint> LogReader::LatestCheckpoint() {
  GRENS_ASSIGN_OR_RETURN(std::vector<v1::Checkpoint> all, Checkpoints());
  if (all.empty()) return absl::NotFoundError("no checkpoint has been signed yet");
  return all.back();
}

absl::StatusOr<std::vector<v1::LogRecord>> LogReader::List(const v1::RecordFilter& filter, int64_t start, int limit,
                                                           int64_t* next) {
  const Query q = FromFilter(filter, start);
  GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare(absl::StrCat("SELECT idx, body, leaf_hash, pruned FROM records",
                                                           q.Where(), " ORDER BY idx LIMIT ", limit + 1)));
  q.Bind(s.get());
  std::vector<v1::LogRecord> out;
  *next = -1;
  while (s->StepRow()) {
    if (static_cast<int>(out.size()) == limit) {
      *next = s->ColumnInt(0);
      break;
    }
    GRENS_ASSIGN_OR_RETURN(v1::LogRecord r, ParseStoredRecord(s->ColumnBytes(1), s->ColumnBytes(2),
                                                              s->ColumnInt(3) != 0, s->ColumnInt(0)));
    out.push_back(std::move(r));
  }
  GRENS_RETURN_IF_ERROR(s->status());
  return out;
}

absl::StatusOr<v1::SummarizeResponse> LogReader::Summarize(const v1::SummarizeRequest& request) {
  v1::RecordFilter filter = request.filter();
  filter.clear_kinds();
  filter.add_kinds(v1::RECORD_KIND_DECISION);
  struct Cell {
    int64_t decisions = 0;
    std::set<std::string> subjects;
  };
  std::map<std::pair<int64_t, std::vector<std::string>>, Cell> cells;
  const int min_subjects = request.min_subjects() > 0 ? request.min_subjects() : 5;
  int64_t start = 0;
  while (start >= 0) {
    int64_t next = -1;
    GRENS_ASSIGN_OR_RETURN(std::vector<v1::LogRecord> page, List(filter, start, 10000, &next));
    for (const v1::LogRecord& r : page) {
      if (r.pruned()) continue;
      const absl::Time t = absl::FromUnixSeconds(r.time().seconds());
      const int64_t period = absl::ToUnixSeconds(PeriodStart(t, request.period()));
      // The clause dimension counts a decision once under each clause it cites.
      std::vector<std::vector<std::string>> keys = {{}};
      for (int d : request.group_by()) {
        std::vector<std::vector<std::string>> expanded;
        const auto dimension = static_cast<v1::SummaryDimension>(d);
        std::vector<std::string> values;
        if (dimension == v1::SUMMARY_DIMENSION_CLAUSE) {
          values.assign(r.clause_ids().begin(), r.clause_ids().end());
        } else {
          values.push_back(DimensionValue(dimension, r));
        }
        for (const auto& k : keys) {
          for (const std::string& v : values) {
            expanded.push_back(k);
            expanded.back().push_back(v);
          }
        }
        keys = std::move(expanded);
      }
      for (const auto& k : keys) {
        Cell& cell = cells[{period, k}];
        ++cell.decisions;
        cell.subjects.insert(r.subject_pseudonym());
      }
    }
    start = next;
  }
  v1::SummarizeResponse response;
  for (const auto& [key, cell] : cells) {
    if (static_cast<int>(cell.subjects.size()) < min_subjects) {
      response.set_suppressed_cells(response.suppressed_cells() + 1);
      continue;
    }
    v1::SummaryCell* out = response.add_cells();
    out->mutable_period_start()->set_seconds(key.first);
    for (const std::string& k : key.second) out->add_keys(k);
    out->set_decisions(cell.decisions);
    out->set_subjects(static_cast<int64_t>(cell.subjects.size()));
  }
  return response;
}

absl::StatusOr<std::vector<Hash>> LogReader::LeafHashes(int64_t size) {
  std::vector<Hash> leaves;
  GRENS_RETURN_IF_ERROR(ForEachLeafHash(db_.get(), [&](int64_t index, absl::string_view leaf) -> absl::Status {
    if (index >= size) return absl::OkStatus();
    GRENS_ASSIGN_OR_RETURN(Hash h, HashFromBytes(leaf));
    leaves.push_back(h);
    return absl::OkStatus();
  }));
  if (static_cast<int64_t>(leaves.size()) < size) {
    return absl::OutOfRangeError(absl::StrCat("the log has ", leaves.size(), " records, not ", size));
  }
  return leaves;
}

absl::StatusOr<VerifyReport> LogReader::Verify(const std::vector<v1::Checkpoint>& external,
                                               const std::string& pinned_key) {
  const absl::Time started = absl::Now();
  VerifyReport report;
  GRENS_ASSIGN_OR_RETURN(std::vector<v1::Checkpoint> stored, Checkpoints());
  GRENS_ASSIGN_OR_RETURN(std::string log_key, PublicKey());
  if (!pinned_key.empty() && pinned_key != log_key) {
    return absl::DataLossError("the log is signed with a different key than your checkpoints: it was replaced");
  }
  // Every checkpoint to compare with the rebuilt tree, by size.
  std::multimap<int64_t, std::pair<const v1::Checkpoint*, bool>> due;  // bool: external
  for (const v1::Checkpoint& c : stored) due.emplace(c.tree_size(), std::make_pair(&c, false));
  for (const v1::Checkpoint& c : external) due.emplace(c.tree_size(), std::make_pair(&c, true));
  MerkleFrontier frontier;
  auto check_due = [&]() -> absl::Status {
    auto range = due.equal_range(frontier.size());
    for (auto it = range.first; it != range.second; ++it) {
      const auto [checkpoint, is_external] = it->second;
      GRENS_RETURN_IF_ERROR(VerifyCheckpoint(*checkpoint, is_external && !pinned_key.empty() ? pinned_key : log_key));
      if (checkpoint->root_hash() != HashToBytes(frontier.Root())) {
        return absl::DataLossError(absl::StrCat(
            is_external ? "your checkpoint" : "the log's own checkpoint", " of size ", frontier.size(),
            " does not match the records: some record before index ", frontier.size(), " was changed, removed or reordered"));
      }
      ++(is_external ? report.external_checkpoints : report.checkpoints);
    }
    due.erase(range.first, range.second);
    return absl::OkStatus();
  };
  GRENS_ASSIGN_OR_RETURN(auto s, db_->Prepare("SELECT idx, body, leaf_hash, pruned FROM records ORDER BY idx"));
  while (s->StepRow()) {
    GRENS_RETURN_IF_ERROR(check_due());
    const int64_t index = s->ColumnInt(0);
    const absl::string_view body = s->ColumnBytes(1);
    const bool pruned = s->ColumnInt(3) != 0;
    if (index != frontier.size()) {
      return absl::DataLossError(absl::StrCat("record ", frontier.size(), " is missing (next stored is ", index, ")"));
    }
    GRENS_ASSIGN_OR_RETURN(Hash leaf, HashFromBytes(s->ColumnBytes(2)));
    if (!pruned) {
      if (LeafHash(body) != leaf) return absl::DataLossError(absl::StrCat("record ", index, ": leaf hash mismatch, the record was changed"));
      if (BodyIndex(body) != index) {
        return absl::DataLossError(absl::StrCat("record ", index, ": holds the record of index ", BodyIndex(body), ", records were moved"));
      }
    }
    frontier.Append(leaf);
  }
  GRENS_RETURN_IF_ERROR(s->status());
  GRENS_RETURN_IF_ERROR(check_due());
  if (!due.empty()) {
    const auto& [size, checkpoint] = *due.begin();
    return absl::DataLossError(absl::StrCat("the log has ", frontier.size(), " records but ",
                                            checkpoint.second ? "your" : "its own", " checkpoint of size ", size,
                                            " exists: records were cut off"));
  }
  report.records = frontier.size();
  report.elapsed = absl::Now() - started;
  return report;
}

}  // namespace grens::plugin

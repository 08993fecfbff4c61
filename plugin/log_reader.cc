#include "plugin/log_reader.h"

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
#include "plugin/postgres_log_store.h"
#include "plugin/sqlite_log_store.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

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
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<LogStore> store, OpenSqliteLogStore(data_dir));
  return std::make_unique<LogReader>(std::move(store));
}

absl::StatusOr<std::unique_ptr<LogReader>> LogReader::OpenPostgres(const std::string& dsn, const std::string& origin) {
  GRENS_ASSIGN_OR_RETURN(std::unique_ptr<LogStore> store, OpenPostgresLogStore(dsn, origin));
  return std::make_unique<LogReader>(std::move(store));
}

absl::StatusOr<int64_t> LogReader::Size() { return store_->Size(); }

absl::StatusOr<std::string> LogReader::PublicKey() { return store_->PublicKey(); }

absl::StatusOr<std::vector<v1::Checkpoint>> LogReader::Checkpoints() { return store_->Checkpoints(); }

absl::StatusOr<v1::Checkpoint> LogReader::LatestCheckpoint() {
  GRENS_ASSIGN_OR_RETURN(std::vector<v1::Checkpoint> all, Checkpoints());
  if (all.empty()) return absl::NotFoundError("no checkpoint has been signed yet");
  return all.back();
}

absl::StatusOr<std::vector<v1::LogRecord>> LogReader::List(const v1::RecordFilter& filter, int64_t start, int limit,
                                                           int64_t* next) {
  std::vector<v1::LogRecord> out;
  *next = -1;
  // One row more than asked for says where the next page starts.
  GRENS_RETURN_IF_ERROR(store_->ListRows(filter, start, limit + 1, [&](const StoredRow& row) -> absl::Status {
    if (static_cast<int>(out.size()) == limit) {
      *next = row.index;
      return absl::OkStatus();
    }
    GRENS_ASSIGN_OR_RETURN(v1::LogRecord r, ParseStoredRecord(row.body, row.leaf_hash, row.pruned, row.index));
    out.push_back(std::move(r));
    return absl::OkStatus();
  }));
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
  GRENS_RETURN_IF_ERROR(store_->ScanRows(false, [&](const StoredRow& row) -> absl::Status {
    if (row.index >= size) return absl::OkStatus();
    GRENS_ASSIGN_OR_RETURN(Hash h, HashFromBytes(row.leaf_hash));
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
  if (!external.empty()) {
    GRENS_ASSIGN_OR_RETURN(std::string origin, store_->Origin());
    for (const v1::Checkpoint& c : external) {
      if (c.origin() != origin) {
        return absl::DataLossError(absl::StrCat("your checkpoint of size ", c.tree_size(), " is of the log '", c.origin(),
                                                "', not of '", origin, "'"));
      }
    }
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
  GRENS_RETURN_IF_ERROR(store_->ScanRows(true, [&](const StoredRow& row) -> absl::Status {
    GRENS_RETURN_IF_ERROR(check_due());
    if (row.index != frontier.size()) {
      return absl::DataLossError(absl::StrCat("record ", frontier.size(), " is missing (next stored is ", row.index, ")"));
    }
    GRENS_ASSIGN_OR_RETURN(Hash leaf, HashFromBytes(row.leaf_hash));
    if (!row.pruned) {
      if (LeafHash(row.body) != leaf) {
        return absl::DataLossError(absl::StrCat("record ", row.index, ": leaf hash mismatch, the record was changed"));
      }
      if (BodyIndex(row.body) != row.index) {
        return absl::DataLossError(absl::StrCat("record ", row.index, ": holds the record of index ", BodyIndex(row.body),
                                                ", records were moved"));
      }
    }
    frontier.Append(leaf);
    return absl::OkStatus();
  }));
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

absl::Status RebuildFrontier(LogStore* store, MerkleFrontier* frontier, Hash* last_leaf, int64_t* last_checkpoint) {
  GRENS_ASSIGN_OR_RETURN(std::vector<v1::Checkpoint> checkpoints, store->Checkpoints());
  size_t next_checkpoint = 0;
  auto check = [&]() -> absl::Status {
    while (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint].tree_size() == frontier->size()) {
      if (HashToBytes(frontier->Root()) != checkpoints[next_checkpoint].root_hash()) {
        return absl::DataLossError(absl::StrCat("decision log does not match its checkpoint of size ",
                                                frontier->size(), ": records were changed"));
      }
      *last_checkpoint = frontier->size();
      ++next_checkpoint;
    }
    return absl::OkStatus();
  };
  GRENS_RETURN_IF_ERROR(store->ScanRows(false, [&](const StoredRow& row) -> absl::Status {
    GRENS_RETURN_IF_ERROR(check());
    if (row.index != frontier->size()) {
      return absl::DataLossError(absl::StrCat("decision log record ", frontier->size(), " is missing"));
    }
    absl::StatusOr<Hash> hash = HashFromBytes(row.leaf_hash);
    if (!hash.ok()) return absl::DataLossError(absl::StrCat("record ", row.index, ": bad leaf hash"));
    frontier->Append(*hash);
    *last_leaf = *hash;
    return absl::OkStatus();
  }));
  GRENS_RETURN_IF_ERROR(check());
  if (next_checkpoint < checkpoints.size()) {
    return absl::DataLossError(absl::StrCat("decision log has ", frontier->size(), " records but a checkpoint of size ",
                                            checkpoints[next_checkpoint].tree_size(), ": records were removed"));
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

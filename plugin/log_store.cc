#include "plugin/log_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace grens::plugin {
namespace {

// Unix nanoseconds of a filter bound, saturated: int64 nanoseconds end in 2262
// and a request may say anything, but a saturated bound still orders correctly
// against every stored time (the writer stores absl::ToUnixNanos too).
int64_t Nanos(const google::protobuf::Timestamp& t) {
  return absl::ToUnixNanos(absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()));
}

// Collects conditions and numbers their placeholders in one style.
class Builder {
 public:
  explicit Builder(int dollar_from) : next_dollar_(dollar_from) {}

  void Add(const std::string& condition_with_marks, std::vector<std::variant<int64_t, std::string>> values) {
    std::string condition;
    for (char c : condition_with_marks) {
      if (c == '?' && next_dollar_ > 0) {
        absl::StrAppend(&condition, "$", next_dollar_++);
      } else {
        condition.push_back(c);
      }
    }
    conditions_.push_back(std::move(condition));
    for (auto& v : values) out_.params.push_back(std::move(v));
  }
  template <typename Values>
  void AddIn(const std::string& column, const Values& values) {
    if (values.empty()) return;
    std::vector<std::string> marks(values.size(), "?");
    std::vector<std::variant<int64_t, std::string>> params;
    for (const auto& v : values) params.emplace_back(v);
    Add(absl::StrCat(column, " IN (", absl::StrJoin(marks, ","), ")"), std::move(params));
  }
  FilterSql Finish() {
    out_.conditions = absl::StrJoin(conditions_, " AND ");
    return std::move(out_);
  }

 private:
  int next_dollar_;
  std::vector<std::string> conditions_;
  FilterSql out_;
};

}  // namespace

FilterSql RecordFilterSql(const v1::RecordFilter& f, int64_t start, int dollar_from) {
  Builder b(dollar_from);
  b.Add("idx >= ?", {start});
  if (f.has_since()) b.Add("time_ns >= ?", {Nanos(f.since())});
  if (f.has_until()) b.Add("time_ns < ?", {Nanos(f.until())});
  b.AddIn("category", std::vector<int64_t>(f.categories().begin(), f.categories().end()));
  b.AddIn("effect", std::vector<int64_t>(f.effects().begin(), f.effects().end()));
  b.AddIn("kind", std::vector<int64_t>(f.kinds().begin(), f.kinds().end()));
  b.AddIn("platform", f.platforms());
  b.AddIn("collector", f.collectors());
  if (!f.clause_ids().empty()) {
    // clause_ids is stored as ",1.1,6.1," so each clause is a LIKE match.
    std::vector<std::string> likes;
    std::vector<std::variant<int64_t, std::string>> params;
    for (const std::string& c : f.clause_ids()) {
      likes.push_back("clause_ids LIKE ?");
      params.emplace_back(absl::StrCat("%,", c, ",%"));
    }
    b.Add(absl::StrCat("(", absl::StrJoin(likes, " OR "), ")"), std::move(params));
  }
  return b.Finish();
}

}  // namespace grens::plugin

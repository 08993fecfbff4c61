#include "tests/support/log_testing.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace grens::testing {

absl::Time FakeClock::Now() const {
  absl::MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Advance(absl::Duration d) {
  absl::MutexLock lock(&mu_);
  now_ += d;
}

v1::LogRecord SampleDecision(int i) {
  v1::LogRecord r;
  r.set_kind(v1::RECORD_KIND_DECISION);
  r.set_decision_id(absl::StrCat("d", i));
  r.set_category(v1::CATEGORY_PRESENCE);
  r.set_effect(i % 2 ? v1::EFFECT_ALLOW : v1::EFFECT_DENY);
  r.add_clause_ids(i % 2 ? "1.1" : "6.1");
  r.set_collector("teams-presence");
  r.set_subject_pseudonym(absl::StrCat("p", i % 7));
  return r;
}

std::set<std::string> LoggedDecisionIds(absl::StatusOr<std::unique_ptr<plugin::LogReader>> reader) {
  std::set<std::string> ids;
  EXPECT_TRUE(reader.ok()) << reader.status();
  if (!reader.ok()) return ids;
  int64_t next = -1;
  for (int64_t start = 0; start >= 0; start = next) {
    auto page = (*reader)->List(v1::RecordFilter(), start, 5000, &next);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) break;
    for (const auto& r : *page) ids.insert(r.decision_id());
  }
  return ids;
}

}  // namespace grens::testing

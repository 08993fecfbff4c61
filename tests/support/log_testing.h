#ifndef GRENS_TESTS_SUPPORT_LOG_TESTING_H_
#define GRENS_TESTS_SUPPORT_LOG_TESTING_H_

// Helpers for tests of the decision log and what writes to it: a clock the
// test moves by hand, sample decision records, and the decision ids a log holds.

#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/clock.h"
#include "plugin/log_reader.h"

namespace grens::testing {

// A clock that stands at `start` until the test moves it. The log's writer
// thread reads it while the test advances it, so safe for concurrent use.
class FakeClock final : public plugin::Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration d);

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

// Decision record number `i`: id "d<i>", a PRESENCE decision of collector
// teams-presence, allowed under clause 1.1 when `i` is odd and denied under 6.1
// when even, about pseudonym "p<i % 7>".
v1::LogRecord SampleDecision(int i);

// The decision ids of every record in the log `reader` reads, page by page.
// A reader that did not open, or a page that cannot be read, fails the
// current test and ends the list there.
std::set<std::string> LoggedDecisionIds(absl::StatusOr<std::unique_ptr<plugin::LogReader>> reader);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_LOG_TESTING_H_

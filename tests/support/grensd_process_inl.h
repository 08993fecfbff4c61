#ifndef GRENS_TESTS_SUPPORT_GRENSD_PROCESS_INL_H_
#define GRENS_TESTS_SUPPORT_GRENSD_PROCESS_INL_H_

#include <thread>

#include "absl/time/clock.h"

namespace grens::testing {

template <typename Condition>
bool Eventually(Condition condition, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (condition()) return true;
    // A short poll interval, not a wait for readiness: the condition decides.
    std::this_thread::yield();
    absl::SleepFor(absl::Milliseconds(5));
  }
  return condition();
}

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_GRENSD_PROCESS_INL_H_

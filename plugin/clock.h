#ifndef GRENS_PLUGIN_CLOCK_H_
#define GRENS_PLUGIN_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace grens::plugin {

// Where the sidecar gets "now" from, so tests can freeze it. Implementations
// must be safe for concurrent use.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// The wall clock. Stateless, so safe for concurrent use.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

// The wall clock moved to start at a chosen instant and run at real speed from
// there (grensd --clock_start): integration tests and drills judge events "as
// of" a fixed day, so that a suite written in 2026 still passes in 2028 and
// never depends on the time of day it runs. Immutable, so safe for
// concurrent use.
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(absl::Time start) : offset_(start - absl::Now()) {}
  absl::Time Now() const override { return absl::Now() + offset_; }

 private:
  const absl::Duration offset_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CLOCK_H_

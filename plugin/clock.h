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

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CLOCK_H_

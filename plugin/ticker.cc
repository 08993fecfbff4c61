#include "plugin/ticker.h"

#include <utility>

namespace grens::plugin {

Ticker::Ticker(absl::Duration interval, std::function<void()> tick) : interval_(interval), tick_(std::move(tick)) {
  thread_ = std::thread([this] { Run(); });
}

Ticker::~Ticker() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void Ticker::Run() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Wakes early only to stop.
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), interval_);
      if (stopping_) return;
    }
    tick_();
  }
}

}  // namespace grens::plugin

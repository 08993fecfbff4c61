#ifndef GRENS_PLUGIN_TICKER_H_
#define GRENS_PLUGIN_TICKER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace grens::plugin {

// Calls `tick` every `interval` (real time) on its own thread until destroyed,
// e.g. to let the clock expire break-glass cases. The callback should only
// post work elsewhere. Safe for concurrent use; stops and joins on destruction.
class Ticker {
 public:
  Ticker(absl::Duration interval, std::function<void()> tick);
  ~Ticker();
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;

 private:
  void Run();

  const absl::Duration interval_;
  const std::function<void()> tick_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_TICKER_H_

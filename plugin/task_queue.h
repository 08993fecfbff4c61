#ifndef GRENS_PLUGIN_TASK_QUEUE_H_
#define GRENS_PLUGIN_TASK_QUEUE_H_

#include <deque>
#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace grens::plugin {

// One thread that runs posted tasks in order. Slow control-plane work (policy
// reloads, validation, waiting for log commits) runs here so that gRPC reactor
// callbacks never block. Safe for concurrent use.
class TaskQueue {
 public:
  // `name` (at most 15 characters) names the thread for top -H, perf and gdb.
  explicit TaskQueue(const char* name = "grens-control");
  // Runs what is already queued, then joins the thread.
  ~TaskQueue();
  TaskQueue(const TaskQueue&) = delete;
  TaskQueue& operator=(const TaskQueue&) = delete;

  void Post(std::function<void()> task);

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_TASK_QUEUE_H_

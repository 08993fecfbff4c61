#ifndef GRENS_PLUGIN_POLICY_WATCHER_H_
#define GRENS_PLUGIN_POLICY_WATCHER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace grens::plugin {

// Watches a policy file with inotify and calls `changed` when its content (or
// that of its signature file, FILE.sig) may have changed; given a directory
// (break-glass cases), any change in it counts. It watches the file's
// directory, not the file, so it sees editors that write a temporary file and
// rename it over the policy, and Kubernetes ConfigMaps that atomically swap the
// `..data` symlink. Events arriving close together are coalesced. The callback
// runs on the watcher's thread and should only post work elsewhere. Stops and
// joins on destruction.
class PolicyWatcher {
 public:
  static absl::StatusOr<std::unique_ptr<PolicyWatcher>> Start(const std::string& path, std::function<void()> changed);
  ~PolicyWatcher();
  PolicyWatcher(const PolicyWatcher&) = delete;
  PolicyWatcher& operator=(const PolicyWatcher&) = delete;

 private:
  PolicyWatcher(int inotify_fd, int stop_fd, std::string file_name, std::function<void()> changed);
  void Run();

  const int inotify_fd_;
  const int stop_fd_;  // eventfd that wakes the thread to stop
  const std::string file_name_;  // "" = any file in the directory
  const std::function<void()> changed_;
  std::thread thread_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POLICY_WATCHER_H_

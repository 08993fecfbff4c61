#include "plugin/policy_watcher.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace grens::plugin {
namespace {

// Quiet time after the last event before reporting a change, so that a
// write-then-rename or a ConfigMap swap (several events) gives one reload.
constexpr int kDebounceMillis = 150;

}  // namespace

absl::StatusOr<std::unique_ptr<PolicyWatcher>> PolicyWatcher::Start(const std::string& path,
                                                                   std::function<void()> changed) {
  const size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    dir = path;
    name.clear();
  }
  const int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return absl::InternalError(absl::StrCat("inotify: ", std::strerror(errno)));
  if (inotify_add_watch(fd, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_ATTRIB) < 0) {
    const int err = errno;
    ::close(fd);
    return absl::InternalError(absl::StrCat("cannot watch ", dir, ": ", std::strerror(err)));
  }
  const int stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return std::unique_ptr<PolicyWatcher>(new PolicyWatcher(fd, stop, name, std::move(changed)));
}

PolicyWatcher::PolicyWatcher(int inotify_fd, int stop_fd, std::string file_name, std::function<void()> changed)
    : inotify_fd_(inotify_fd), stop_fd_(stop_fd), file_name_(std::move(file_name)), changed_(std::move(changed)) {
  thread_ = std::thread([this] { Run(); });
}

PolicyWatcher::~PolicyWatcher() {
  const uint64_t one = 1;
  ssize_t ignored = ::write(stop_fd_, &one, sizeof(one));
  (void)ignored;
  thread_.join();
  ::close(inotify_fd_);
  ::close(stop_fd_);
}

void PolicyWatcher::Run() {
  bool pending = false;
  alignas(inotify_event) char buffer[16 * 1024];
  while (true) {
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    const int ready = ::poll(fds, 2, pending ? kDebounceMillis : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (fds[1].revents & POLLIN) return;
    if (ready == 0) {  // quiet after events: report once
      pending = false;
      changed_();
      continue;
    }
    const ssize_t n = ::read(inotify_fd_, buffer, sizeof(buffer));
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      const std::string name = event->len > 0 ? event->name : "";
      // The file itself, its signatures, or the ConfigMap's ..data symlink it
      // resolves through.
      if (file_name_.empty() || name == file_name_ || name == file_name_ + ".sig" || name == "..data") pending = true;
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
    }
  }
}

}  // namespace grens::plugin

#ifndef GRENS_ADAPTERS_DIRECTORY_H_
#define GRENS_ADAPTERS_DIRECTORY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/event.pb.h"
#include "policy/yaml_proto.h"

namespace grens::adapters {

// The employer's directory as grensd sees it: the groups and time zone of each
// person, found by any of their platform identifiers. Native payloads name only
// a platform id or e-mail; the directory is what lets the policy recognise a
// works-council member (exempt) or a night-shift worker (another calendar) in
// them. Immutable, so safe to share between threads.
class Directory {
 public:
  // Reads a YAML or text proto grens.v1.Directory; InvalidArgument naming the
  // file, line and field for a bad time zone, an empty or duplicate id.
  static absl::StatusOr<std::unique_ptr<const Directory>> Load(const std::string& path);
  // The same checks for a directory already in memory; `source` names it in errors.
  static absl::StatusOr<std::unique_ptr<const Directory>> FromProto(const v1::Directory& proto,
                                                                    const std::string& source);

  Directory(const Directory&) = delete;
  Directory& operator=(const Directory&) = delete;

  // Gives `event`'s subject the person's groups (when the event names none) and
  // time zone (when it names none). False when the subject id is not listed;
  // the event is then left as it was.
  bool Enrich(v1::MonitoringEvent* event) const;

  // Number of people.
  size_t size() const { return people_.size(); }

 private:
  Directory() = default;
  static absl::StatusOr<std::unique_ptr<const Directory>> Build(const v1::Directory& proto, const std::string& source,
                                                                const policy::SourceMap* positions);

  std::vector<v1::DirectoryEntry> people_;
  // Identifier (e-mail addresses lower-cased) -> index into people_.
  absl::flat_hash_map<std::string, size_t> by_id_;
};

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_DIRECTORY_H_

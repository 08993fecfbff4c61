#ifndef GRENS_POLICY_YAML_PROTO_H_
#define GRENS_POLICY_YAML_PROTO_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "policy/diagnostic.h"

namespace grens::policy {

// Where each field of a parsed file came from: field path -> (line, column),
// 1-based. Lets validation, which only knows field paths, name the line.
// External synchronization required if any caller mutates.
class SourceMap {
 public:
  void Add(std::string field_path, int line, int column);
  // Position of `field_path`, or of its nearest recorded ancestor; {0, 0} if none.
  std::pair<int, int> Find(absl::string_view field_path) const;
  // Fills line and column of `diagnostic` from its field path, where unknown.
  void Locate(Diagnostic* diagnostic) const;

 private:
  absl::flat_hash_map<std::string, std::pair<int, int>> positions_;
};

// Fills `message` from YAML text by protobuf reflection, so any grens message
// (Policy, TestSuite, SidecarConfig, MonitoringEvent) has one YAML mapping:
// keys are the proto field names; enums by name, with or without the enum's
// prefix ("SCREENSHOT" or "CATEGORY_SCREENSHOT"), case-insensitive;
// google.protobuf.Timestamp as RFC 3339; google.protobuf.Duration as "30d",
// "12h", "90m", "45s"; maps as YAML mappings.
//
// Appends one diagnostic per problem (unknown field, wrong type, unknown enum
// value, YAML syntax error), each with file, line, column and field path, and
// keeps going so an admin sees all of them at once. Returns InvalidArgument
// listing them if there were any. `positions`, if not null, receives the
// position of every field set; it must outlive the call only.
absl::Status YamlToMessage(absl::string_view text, absl::string_view filename,
                           google::protobuf::Message* message,
                           std::vector<Diagnostic>* diagnostics, SourceMap* positions);

// Same for text proto. Parser errors carry line and column; field paths of
// later validation are located through `positions` by the parser's own
// position tracking where available.
absl::Status TextProtoToMessage(absl::string_view text, absl::string_view filename,
                                google::protobuf::Message* message,
                                std::vector<Diagnostic>* diagnostics, SourceMap* positions);

enum class FileFormat { kYaml, kTextProto, kJson };

// By extension: .yaml/.yml -> YAML, .textproto/.txtpb/.pbtxt -> text proto,
// .json -> JSON (parsed as YAML, of which it is a subset). Unknown -> YAML.
FileFormat FormatForPath(absl::string_view path);

// Parses `text` in `format` into `message` (YamlToMessage or TextProtoToMessage).
absl::Status ParseMessage(absl::string_view text, FileFormat format,
                          absl::string_view filename, google::protobuf::Message* message,
                          std::vector<Diagnostic>* diagnostics, SourceMap* positions);

}  // namespace grens::policy

#endif  // GRENS_POLICY_YAML_PROTO_H_

#include "adapters/directory.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "policy/diagnostic.h"
#include "policy/file_util.h"
#include "policy/yaml_proto.h"

namespace grens::adapters {
namespace {

// E-mail addresses are case-insensitive in practice; platform ids are not.
std::string Key(absl::string_view id) {
  return absl::StrContains(id, '@') ? absl::AsciiStrToLower(id) : std::string(id);
}

}  // namespace

absl::StatusOr<std::unique_ptr<const Directory>> Directory::Load(const std::string& path) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return text.status();
  v1::Directory proto;
  std::vector<policy::Diagnostic> diagnostics;
  policy::SourceMap positions;
  absl::Status parsed = policy::ParseMessage(*text, policy::FormatForPath(path), path, &proto, &diagnostics, &positions);
  if (!parsed.ok()) return parsed;
  return Build(proto, path, &positions);
}

absl::StatusOr<std::unique_ptr<const Directory>> Directory::FromProto(const v1::Directory& proto,
                                                                       const std::string& source) {
  return Build(proto, source, nullptr);
}

absl::StatusOr<std::unique_ptr<const Directory>> Directory::Build(const v1::Directory& proto,
                                                                   const std::string& source,
                                                                   const policy::SourceMap* positions) {
  std::unique_ptr<Directory> directory(new Directory());
  auto error = [&](std::string field, std::string problem) {
    policy::Diagnostic d;
    d.file = source;
    d.field_path = std::move(field);
    d.message = std::move(problem);
    if (positions != nullptr) positions->Locate(&d);
    return policy::DiagnosticsToStatus({d});
  };
  for (int i = 0; i < proto.people_size(); ++i) {
    const v1::DirectoryEntry& person = proto.people(i);
    if (person.ids().empty()) return error(absl::StrCat("people[", i, "].ids"), "a person needs at least one id");
    absl::TimeZone zone;
    if (!person.time_zone().empty() && !absl::LoadTimeZone(person.time_zone(), &zone)) {
      return error(absl::StrCat("people[", i, "].time_zone"),
                   absl::StrCat("'", person.time_zone(), "' is not an IANA time zone"));
    }
    for (int j = 0; j < person.ids_size(); ++j) {
      const std::string field = absl::StrCat("people[", i, "].ids[", j, "]");
      if (person.ids(j).empty()) return error(field, "empty id");
      auto [it, inserted] = directory->by_id_.emplace(Key(person.ids(j)), directory->people_.size());
      if (!inserted) {
        return error(field, absl::StrCat("'", person.ids(j), "' is already listed for people[", it->second, "]"));
      }
    }
    directory->people_.push_back(person);
  }
  return std::unique_ptr<const Directory>(std::move(directory));
}

bool Directory::Enrich(v1::MonitoringEvent* event) const {
  auto it = by_id_.find(Key(event->subject().id()));
  if (it == by_id_.end()) return false;
  const v1::DirectoryEntry& person = people_[it->second];
  v1::Subject* subject = event->mutable_subject();
  if (subject->groups().empty()) *subject->mutable_groups() = person.groups();
  if (subject->time_zone().empty()) subject->set_time_zone(person.time_zone());
  return true;
}

}  // namespace grens::adapters

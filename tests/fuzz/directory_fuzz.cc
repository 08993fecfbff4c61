// The directory loader (adapters/directory.h) through its public entry point,
// Directory::Load on a file (YAML, and the same bytes as text proto), then
// Enrich on events naming each listed id (and its upper-cased form, since
// e-mail addresses match case-insensitively) and an unknown one. Seeds: the
// directory files of the tests.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/ascii.h"
#include "adapters/directory.h"
#include "grens/v1/config.pb.h"
#include "grens/v1/event.pb.h"
#include "policy/yaml_proto.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::Check;

void EnrichEvery(const grens::adapters::Directory& directory, absl::string_view text,
                 grens::policy::FileFormat format) {
  // The ids the loader read, found again through the same parser.
  grens::v1::Directory proto;
  std::vector<grens::policy::Diagnostic> diagnostics;
  if (!grens::policy::ParseMessage(text, format, "fuzz", &proto, &diagnostics, nullptr).ok()) return;
  for (const grens::v1::DirectoryEntry& person : proto.people()) {
    for (const std::string& id : person.ids()) {
      for (const std::string& subject : {id, absl::AsciiStrToUpper(id)}) {
        grens::v1::MonitoringEvent event;
        event.mutable_subject()->set_id(subject);
        const bool found = directory.Enrich(&event);
        if (subject == id) Check(found, "a listed id is not found");
      }
    }
  }
  grens::v1::MonitoringEvent stranger;
  stranger.mutable_subject()->set_id("\x01not-listed");
  (void)directory.Enrich(&stranger);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text = grens::fuzzing::AsText(data, size);
  for (const char* name : {"directory.yaml", "directory.textproto"}) {
    const std::string path = grens::fuzzing::WriteScratchFile(name, text);
    auto directory = grens::adapters::Directory::Load(path);
    if (!directory.ok()) {
      Check(directory.status().code() == absl::StatusCode::kInvalidArgument, "a directory error that is not InvalidArgument");
      continue;
    }
    EnrichEvery(**directory, text, grens::policy::FormatForPath(path));
  }
  return 0;
}

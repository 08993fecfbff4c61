#ifndef GRENS_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define GRENS_TESTS_FUZZ_FUZZ_SUPPORT_H_

// Helpers shared by the fuzz targets in tests/fuzz/. Test code: it may abort.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "policy/yaml_proto.h"

namespace grens::fuzzing {

// The fuzz input as text.
inline absl::string_view AsText(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

// Takes values off the front of a fuzz input, for targets whose input is a
// little binary script rather than a document. Past the end it yields zeros and
// empty strings, so every input is a valid script. Not thread-safe.
class ByteReader {
 public:
  explicit ByteReader(absl::string_view data) : data_(data) {}
  bool empty() const { return data_.empty(); }
  uint8_t Byte();
  uint16_t U16();  // little endian
  int64_t I64();   // little endian
  // Up to `n` bytes.
  absl::string_view Bytes(size_t n);
  absl::string_view Rest();

 private:
  absl::string_view data_;
};

// Splits `text` at the first line that is exactly `marker` ("#event"): the text
// before it and the text after it; everything and "" when there is no such line.
// Markers are comment lines in YAML and text proto, so a seed with a marker is
// still a valid document for whatever reads the part before it.
std::pair<absl::string_view, absl::string_view> SplitAtMarker(absl::string_view text, absl::string_view marker);

// The path of `name` in a directory private to this process (made on first
// use, removed with everything in it at exit).
std::string ScratchPath(absl::string_view name);

// Writes `bytes` to ScratchPath(name) and returns that path. For loaders whose
// public entry point takes a file name, so the fuzzer goes through exactly it.
std::string WriteScratchFile(absl::string_view name, absl::string_view bytes);

// Parses, validates and compiles `text` as a policy in `format`, runs its
// embedded test cases, and evaluates and explains `event_text` (a
// grens.v1.MonitoringEvent in the same format; built-in events when empty or
// unreadable) against whatever compiled, at the event's time and at a fixed
// instant. Aborts if the loader's promises do not hold (a rejected policy
// without a diagnostic, an accepted one with one).
void FuzzPolicy(absl::string_view text, absl::string_view event_text, policy::FileFormat format);

// Aborts with `what` when `condition` is false: a property the fuzzed code
// promises was broken. (assert() is compiled out in RelWithDebInfo.)
void Check(bool condition, const char* what);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code
// points above U+10FFFF).
bool IsValidUtf8(absl::string_view text);

}  // namespace grens::fuzzing

#endif  // GRENS_TESTS_FUZZ_FUZZ_SUPPORT_H_

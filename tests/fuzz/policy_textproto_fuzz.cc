// The policy loader on text proto: parse, validate, compile and run the
// embedded tests, then judge an event against whatever compiled. An input may
// carry its own event (text proto) after a line "#event"; otherwise built-in
// events are judged. Seeds: the example agreements and test policies in text
// proto form.

#include <cstddef>
#include <cstdint>

#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto [policy, event] = grens::fuzzing::SplitAtMarker(grens::fuzzing::AsText(data, size), "#event");
  grens::fuzzing::FuzzPolicy(policy, event, grens::policy::FileFormat::kTextProto);
  return 0;
}

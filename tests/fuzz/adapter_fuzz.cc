// Every platform adapter, through the one door grensd uses:
// AdapterSet::Find(platform)->Translate(request, received_at). A platform the
// adapter set learns about is fuzzed from then on without a change here.
//
// Input: a small HTTP-like delivery.
//   line 1        the platform name or alias ("slack", "teams"); with a suffix
//                 " signed" the adapter checks signatures against the secret
//                 "fuzz-secret", otherwise it is told a relay checked them
//   header lines  "name: value" (names lower-cased), or "?query" for the query
//                 string, up to an empty line
//   the rest      the payload
// tests/fuzz/run.sh turns each tests/adapters/testdata/<platform>/<case>.json
// (and .form) into such a seed.
//
// Properties: errors are those Adapter::Translate documents; a handshake comes
// without events; every event names its platform and survives
// the wire (serializes and parses back, so no invalid UTF-8 reaches a client).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "adapters/adapter_set.h"
#include "grens/v1/guard.pb.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using grens::fuzzing::Check;

// Adapters that trust a relay (index 0) and adapters that check signatures (1).
const grens::adapters::AdapterSet& Adapters(bool signed_deliveries) {
  static const grens::adapters::AdapterSet* sets[2] = {nullptr, nullptr};
  if (sets[signed_deliveries] == nullptr) {
    auto defaults = grens::adapters::AdapterSet::Create({});
    Check(defaults.ok(), "cannot build the adapter set");
    absl::flat_hash_map<std::string, grens::adapters::AdapterConfig> configs;
    for (const std::string& name : (*defaults)->names()) {
      grens::adapters::AdapterConfig& config = configs[name];
      config.secret = signed_deliveries ? "fuzz-secret" : "";
      config.skip_signature_check = !signed_deliveries;
    }
    auto set = grens::adapters::AdapterSet::Create(configs);
    Check(set.ok(), "cannot build the adapter set");
    sets[signed_deliveries] = set->release();
  }
  return *sets[signed_deliveries];
}

// Reads the delivery's first line and headers into `request`; the rest is the payload.
bool ParseDelivery(absl::string_view text, grens::v1::EvaluatePlatformEventRequest* request, bool* signed_deliveries) {
  size_t end = text.find('\n');
  if (end == absl::string_view::npos) return false;
  absl::string_view platform = text.substr(0, end);
  *signed_deliveries = absl::ConsumeSuffix(&platform, " signed");
  request->set_platform(std::string(platform));
  text.remove_prefix(end + 1);
  while (!text.empty()) {
    end = text.find('\n');
    const absl::string_view line = text.substr(0, end);
    text.remove_prefix(end == absl::string_view::npos ? text.size() : end + 1);
    if (line.empty()) break;
    if (line[0] == '?') {
      request->set_query(std::string(line.substr(1)));
      continue;
    }
    const size_t colon = line.find(':');
    const std::string name = absl::AsciiStrToLower(line.substr(0, colon));
    const absl::string_view value =
        colon == absl::string_view::npos ? absl::string_view() : absl::StripLeadingAsciiWhitespace(line.substr(colon + 1));
    (*request->mutable_headers())[name] = std::string(value);
    if (name == "content-type") request->set_content_type(std::string(value));
  }
  request->set_payload(std::string(text));
  return true;
}

void CheckTranslation(const grens::adapters::Translation& translation) {
  if (translation.handshake.has_value()) Check(translation.events.empty(), "a handshake with events");
  for (const grens::v1::MonitoringEvent& event : translation.events) {
    Check(!event.platform().empty(), "an event without its platform");
    std::string wire;
    Check(event.SerializeToString(&wire), "an event that does not serialize");
    grens::v1::MonitoringEvent back;
    Check(back.ParseFromString(wire), "an event that does not survive the wire (invalid UTF-8?)");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  grens::v1::EvaluatePlatformEventRequest request;
  bool signed_deliveries = false;
  if (!ParseDelivery(grens::fuzzing::AsText(data, size), &request, &signed_deliveries)) return 0;
  absl::StatusOr<const grens::adapters::Adapter*> adapter = Adapters(signed_deliveries).Find(request.platform());
  if (!adapter.ok()) return 0;
  const absl::Time received_at = absl::FromUnixSeconds(1773133200);  // 2026-03-10T09:00:00Z
  absl::StatusOr<grens::adapters::Translation> translation = (*adapter)->Translate(request, received_at);
  if (!translation.ok()) {
    const absl::StatusCode code = translation.status().code();
    // FailedPrecondition: the config lacks what the delivery needs (a Zoom URL
    // validation can only be answered with the secret token).
    Check(code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kUnauthenticated ||
              code == absl::StatusCode::kUnimplemented || code == absl::StatusCode::kFailedPrecondition,
          "an adapter error other than InvalidArgument, Unauthenticated, FailedPrecondition or Unimplemented");
    return 0;
  }
  CheckTranslation(*translation);
  return 0;
}

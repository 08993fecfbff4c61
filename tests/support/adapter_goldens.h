#ifndef GRENS_TESTS_SUPPORT_ADAPTER_GOLDENS_H_
#define GRENS_TESTS_SUPPORT_ADAPTER_GOLDENS_H_

// The adapters' golden cases: tests/adapters/testdata/<platform>/<case>.textproto
// (a grens.test.AdapterGolden) with the delivery's payload in <case>.json or
// <case>.form beside it. Listing them and turning one into the delivery an
// adapter translates, the same way for the golden test and the adapter
// benchmark.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/adapter_set.h"
#include "grens/v1/guard.pb.h"
#include "tests/adapters/adapter_golden.pb.h"

namespace grens::testing {

// One golden case's files. A plain value.
struct GoldenCase {
  std::string platform;      // the folder: "slack"
  std::string name;          // the file name without ".textproto"
  std::string golden_path;   // the .textproto
  std::string payload_path;  // the payload beside it; "" when there is none
};

// Every golden case, ordered by platform and then by name.
std::vector<GoldenCase> AllGoldenCases();

// Parses `c`'s golden file into `golden`; false when it cannot be read or is
// not a text-format grens.test.AdapterGolden.
bool ReadGolden(const GoldenCase& c, test::AdapterGolden* golden);

// A golden case's delivery, ready to translate as often as needed: its own
// AdapterSet configured as the case says, the adapter for the request's
// platform (owned by `adapters`), the request with its payload, and the
// receipt time. Immutable once made, so safe to share.
struct GoldenDelivery {
  std::unique_ptr<const adapters::AdapterSet> adapters;
  const adapters::Adapter* adapter = nullptr;
  v1::EvaluatePlatformEventRequest request;
  absl::Time received_at;
};

// The delivery of case `c`, whose golden file holds `golden`. Errors: what
// AdapterSet::Create and AdapterSet::Find return (a case may expect one), or
// InvalidArgument for a replay_window or received_at the golden file gets wrong.
absl::StatusOr<GoldenDelivery> PrepareGoldenDelivery(const test::AdapterGolden& golden, const GoldenCase& c);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_ADAPTER_GOLDENS_H_

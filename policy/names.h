#ifndef GRENS_POLICY_NAMES_H_
#define GRENS_POLICY_NAMES_H_

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace grens::policy {

// How agreements, explanations and break-glass files name things: a category
// without its enum prefix ("SCREENSHOT"), a Timestamp as an absl::Time, and
// that time as RFC 3339 in UTC with a 'Z' (fractional seconds only when
// present).
std::string CategoryName(int category);
absl::Time ToTime(const google::protobuf::Timestamp& ts);
std::string Utc(const google::protobuf::Timestamp& ts);

}  // namespace grens::policy

#endif  // GRENS_POLICY_NAMES_H_

#include "policy/names.h"

#include "grens/v1/event.pb.h"

namespace grens::policy {

std::string CategoryName(int category) {
  std::string name = v1::Category_Name(static_cast<v1::Category>(category));
  return name.rfind("CATEGORY_", 0) == 0 ? name.substr(9) : name;
}

absl::Time ToTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string Utc(const google::protobuf::Timestamp& ts) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", ToTime(ts), absl::UTCTimeZone());
}

}  // namespace grens::policy

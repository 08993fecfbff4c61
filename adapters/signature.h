#ifndef GRENS_ADAPTERS_SIGNATURE_H_
#define GRENS_ADAPTERS_SIGNATURE_H_

#include <string>

#include "absl/strings/string_view.h"

namespace grens::adapters {

// The hash inside a platform's HMAC: Slack, Zoom and Mattermost-style relays use
// SHA-256; Webex's X-Spark-Signature is HMAC-SHA1.
enum class HmacHash { kSha1, kSha256 };

// HMAC of `data` under `key`, as raw bytes.
std::string Hmac(HmacHash hash, absl::string_view key, absl::string_view data);

// HMAC of `data` under `key`, as lower-case hex (what the signature headers carry).
std::string HmacHex(HmacHash hash, absl::string_view key, absl::string_view data);

// Compares a received signature or token with the expected one in time that
// depends only on the lengths, so a caller cannot learn the secret byte by byte.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace grens::adapters

#endif  // GRENS_ADAPTERS_SIGNATURE_H_

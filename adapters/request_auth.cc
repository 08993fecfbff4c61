#include "adapters/request_auth.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace grens::adapters {
namespace {

absl::Status Refused(absl::string_view platform, absl::string_view what, absl::string_view problem) {
  return absl::UnauthenticatedError(absl::StrCat(platform, ": ", what, ": ", problem));
}

// Unix seconds; a value past 2100 in seconds is read as milliseconds, because
// some relays forward Zoom's timestamp in milliseconds.
bool ParseUnixTimestamp(absl::string_view text, absl::Time* out) {
  int64_t value = 0;
  if (text.empty() || !absl::ascii_isdigit(text[0]) || !absl::SimpleAtoi(text, &value)) return false;
  constexpr int64_t kYear2100Seconds = 4102444800;
  *out = value > kYear2100Seconds ? absl::FromUnixMillis(value) : absl::FromUnixSeconds(value);
  return true;
}

}  // namespace

absl::Status RequireSecret(absl::string_view platform, const AdapterConfig& config) {
  if (config.skip_signature_check || !config.secret.empty()) return absl::OkStatus();
  return absl::UnauthenticatedError(absl::StrCat(
      platform, ": no signing secret is configured (platforms[].secret_file), so every delivery is refused"));
}

absl::Status VerifyV0Signature(const V0Scheme& scheme, const v1::EvaluatePlatformEventRequest& request,
                               const AdapterConfig& config, absl::Time received_at) {
  if (config.skip_signature_check) return absl::OkStatus();
  absl::Status secret = RequireSecret(scheme.platform, config);
  if (!secret.ok()) return secret;
  const absl::string_view signature = HeaderValue(request, scheme.signature_header);
  const absl::string_view timestamp = HeaderValue(request, scheme.timestamp_header);
  if (signature.empty()) return Refused(scheme.platform, scheme.signature_header, "missing");
  if (timestamp.empty()) return Refused(scheme.platform, scheme.timestamp_header, "missing");
  absl::Time signed_at;
  if (!ParseUnixTimestamp(timestamp, &signed_at)) {
    return Refused(scheme.platform, scheme.timestamp_header, absl::StrCat("'", timestamp, "' is not unix seconds"));
  }
  const absl::Duration skew = absl::AbsDuration(received_at - signed_at);
  if (skew > config.replay_window) {
    return Refused(scheme.platform, scheme.timestamp_header,
                   absl::StrCat("stale: signed ", absl::FormatDuration(absl::Trunc(skew, absl::Seconds(1))),
                                " from the receipt time, outside the replay window of ",
                                absl::FormatDuration(config.replay_window)));
  }
  const std::string expected =
      absl::StrCat("v0=", HmacHex(HmacHash::kSha256, config.secret,
                                  absl::StrCat("v0:", timestamp, ":", request.payload())));
  if (!ConstantTimeEquals(absl::AsciiStrToLower(signature), expected)) {
    return Refused(scheme.platform, scheme.signature_header, "does not match the body (wrong secret or altered body)");
  }
  return absl::OkStatus();
}

absl::Status VerifyBodyHmacHeader(absl::string_view platform, absl::string_view header, HmacHash hash,
                                  const v1::EvaluatePlatformEventRequest& request, const AdapterConfig& config) {
  if (config.skip_signature_check) return absl::OkStatus();
  absl::Status secret = RequireSecret(platform, config);
  if (!secret.ok()) return secret;
  const absl::string_view signature = HeaderValue(request, header);
  if (signature.empty()) return Refused(platform, header, "missing");
  const std::string expected = HmacHex(hash, config.secret, request.payload());
  if (!ConstantTimeEquals(absl::AsciiStrToLower(signature), expected)) {
    return Refused(platform, header, "does not match the body (wrong secret or altered body)");
  }
  return absl::OkStatus();
}

absl::Status VerifyToken(absl::string_view platform, absl::string_view where, absl::string_view received,
                         const AdapterConfig& config) {
  if (config.skip_signature_check) return absl::OkStatus();
  absl::Status secret = RequireSecret(platform, config);
  if (!secret.ok()) return secret;
  if (received.empty()) return Refused(platform, where, "missing");
  if (!ConstantTimeEquals(received, config.secret)) return Refused(platform, where, "does not match the configured secret");
  return absl::OkStatus();
}

}  // namespace grens::adapters

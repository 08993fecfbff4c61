#include "adapters/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "absl/strings/escaping.h"

namespace grens::adapters {

std::string Hmac(HmacHash hash, absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  const EVP_MD* md = hash == HmacHash::kSha1 ? EVP_sha1() : EVP_sha256();
  if (HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), out, &size) == nullptr) {
    return "";  // never equal to a received signature, so the delivery is refused
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string HmacHex(HmacHash hash, absl::string_view key, absl::string_view data) {
  return absl::BytesToHexString(Hmac(hash, key, data));
}

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace grens::adapters

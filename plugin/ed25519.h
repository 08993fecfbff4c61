#ifndef GRENS_PLUGIN_ED25519_H_
#define GRENS_PLUGIN_ED25519_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::plugin {

// An Ed25519 private key (OpenSSL 3 EVP): the decision log's checkpoint key, a
// works council's policy-signing key, a break-glass approver's key. Immutable
// after creation, so safe for concurrent use.
class Ed25519Key {
 public:
  // A fresh random key.
  static absl::StatusOr<std::unique_ptr<Ed25519Key>> Generate();
  // Reads a PEM private key (PKCS#8, as OpenSSL and `grensctl policy keygen`
  // write it). NotFound if the file is missing, InvalidArgument if it is not an
  // Ed25519 PEM private key; messages name the path.
  static absl::StatusOr<std::unique_ptr<Ed25519Key>> FromPemFile(const std::string& path);
  ~Ed25519Key();
  Ed25519Key(const Ed25519Key&) = delete;
  Ed25519Key& operator=(const Ed25519Key&) = delete;

  // Writes the private key as PEM to a new file, mode 0600, synced. Fails
  // (AlreadyExists, PermissionDenied) rather than overwrite a key.
  absl::Status WritePrivatePem(const std::string& path) const;
  // The 64-byte signature of `message`.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;
  // Raw 32-byte public key.
  const std::string& public_key() const { return public_key_; }

 private:
  explicit Ed25519Key(void* pkey);
  void* pkey_;  // EVP_PKEY*, owned
  std::string public_key_;
};

// Whether `signature` is a valid Ed25519 signature of `message` by the raw
// 32-byte `public_key`.
bool VerifyEd25519(absl::string_view public_key, absl::string_view message, absl::string_view signature);

// Public keys as PEM ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo).
std::string PublicKeyToPem(absl::string_view public_key);
// Reads a PEM public key file -> raw 32 bytes; errors name the path.
absl::StatusOr<std::string> ReadPublicKeyPem(const std::string& path);

// Short, stable name of a public key: the first 16 hex digits of SHA-256 of
// the raw key.
std::string PublicKeyId(absl::string_view public_key);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_ED25519_H_

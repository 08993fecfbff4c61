#ifndef GRENS_PLUGIN_PSEUDONYMIZER_H_
#define GRENS_PLUGIN_PSEUDONYMIZER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grens::plugin {

// Turns subject ids into pseudonyms: hex HMAC-SHA256(key, tenant || 0x1f || id).
// The unit separator keeps ("ab", "c") and ("a", "bc") apart.
//
// Lawful look-up: whoever holds the key file (by the agreement, the works
// council's trustee or the DPO) computes one person's pseudonym with
// `grensctl audit pseudonym --key KEY --tenant T --subject ID` and queries the log
// by it; without the key the log cannot be linked to people.
// Rotation: one key file per agreement period. Each record carries the key id
// (first 16 hex digits of SHA-256 of the key) so a later key holder knows which
// key made it; rotating means a new key file and a restart.
// Immutable after creation, so safe for concurrent use.
class Pseudonymizer {
 public:
  // Reads a key of at least 32 bytes. With `create_if_missing`, a missing file is
  // created with 32 random bytes, mode 0600. Errors name the path.
  static absl::StatusOr<std::unique_ptr<Pseudonymizer>> FromKeyFile(const std::string& path,
                                                                   bool create_if_missing);
  static std::unique_ptr<Pseudonymizer> FromKey(std::string key);

  ~Pseudonymizer();
  Pseudonymizer(const Pseudonymizer&) = delete;
  Pseudonymizer& operator=(const Pseudonymizer&) = delete;

  std::string Pseudonym(absl::string_view tenant, absl::string_view subject_id) const;
  const std::string& key_id() const { return key_id_; }

 private:
  explicit Pseudonymizer(std::string key);
  const std::string key_;
  const std::string key_id_;
  // HMAC's inner and outer SHA-256 states with the padded key absorbed,
  // computed once; each pseudonym copies them instead of rekeying. Read-only
  // after construction.
  void* inner_;  // EVP_MD_CTX*, owned
  void* outer_;  // EVP_MD_CTX*, owned
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_PSEUDONYMIZER_H_

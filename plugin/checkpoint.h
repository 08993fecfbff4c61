#ifndef GRENS_PLUGIN_CHECKPOINT_H_
#define GRENS_PLUGIN_CHECKPOINT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grens/v1/audit_log.pb.h"
#include "plugin/ed25519.h"
#include "plugin/merkle.h"

namespace grens::plugin {

// An Ed25519 key that signs checkpoints (OpenSSL). Immutable after loading, so
// safe for concurrent use.
class CheckpointSigner {
 public:
  // Loads a PEM private key; with `create_if_missing`, generates one (mode 0600).
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> FromKeyFile(const std::string& path,
                                                                      bool create_if_missing);
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;

  // A signed checkpoint of the tree of `size` leaves with `root` at `time`.
  absl::StatusOr<v1::Checkpoint> Sign(const std::string& origin, int64_t size, const Hash& root,
                                      absl::Time time) const;
  // Raw 32-byte public key.
  const std::string& public_key() const { return key_->public_key(); }

 private:
  explicit CheckpointSigner(std::unique_ptr<Ed25519Key> key) : key_(std::move(key)) {}
  const std::unique_ptr<Ed25519Key> key_;
};

// The exact text a checkpoint signs: "grens checkpoint v1\n<origin>\n<size>\n
// <base64 root>\n<unix nanos>\n".
std::string CheckpointText(const std::string& origin, int64_t size, const Hash& root, absl::Time time);

// Checks the signature over signed_text with `public_key` (raw 32 bytes; when
// empty, the checkpoint's own key) and that signed_text states the checkpoint's
// origin, size, root and time (to the second). OK, or DataLoss saying what does
// not hold.
absl::Status VerifyCheckpoint(const v1::Checkpoint& checkpoint, const std::string& public_key);

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_CHECKPOINT_H_

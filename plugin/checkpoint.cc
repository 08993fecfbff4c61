#include "plugin/checkpoint.h"

#include <unistd.h>

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace grens::plugin {

std::string CheckpointText(const std::string& origin, int64_t size, const Hash& root, absl::Time time) {
  return absl::StrCat("grens checkpoint v1\n", origin, "\n", size, "\n", absl::Base64Escape(HashToBytes(root)), "\n",
                      absl::ToUnixNanos(time), "\n");
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::FromKeyFile(const std::string& path,
                                                                              bool create_if_missing) {
  if (::access(path.c_str(), F_OK) != 0) {
    if (!create_if_missing) return absl::NotFoundError(absl::StrCat(path, ": no checkpoint key"));
    absl::StatusOr<std::unique_ptr<Ed25519Key>> made = Ed25519Key::Generate();
    if (!made.ok()) return made.status();
    absl::Status written = (*made)->WritePrivatePem(path);
    if (!written.ok()) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write the checkpoint key"));
    return std::unique_ptr<CheckpointSigner>(new CheckpointSigner(*std::move(made)));
  }
  absl::StatusOr<std::unique_ptr<Ed25519Key>> key = Ed25519Key::FromPemFile(path);
  if (!key.ok()) return key.status();
  return std::unique_ptr<CheckpointSigner>(new CheckpointSigner(*std::move(key)));
}

absl::StatusOr<v1::Checkpoint> CheckpointSigner::Sign(const std::string& origin, int64_t size, const Hash& root,
                                                      absl::Time time) const {
  v1::Checkpoint c;
  c.set_origin(origin);
  c.set_tree_size(size);
  c.set_root_hash(HashToBytes(root));
  c.mutable_time()->set_seconds(absl::ToUnixSeconds(time));
  c.set_signed_text(CheckpointText(origin, size, root, time));
  c.set_public_key(key_->public_key());
  absl::StatusOr<std::string> signature = key_->Sign(c.signed_text());
  if (!signature.ok()) return absl::InternalError("cannot sign the checkpoint");
  c.set_signature(*std::move(signature));
  return c;
}

absl::Status VerifyCheckpoint(const v1::Checkpoint& c, const std::string& public_key) {
  const std::string& key_bytes = public_key.empty() ? c.public_key() : public_key;
  if (key_bytes.size() != 32) return absl::DataLossError("checkpoint public key is not an Ed25519 key");
  if (!VerifyEd25519(key_bytes, c.signed_text(), c.signature())) {
    return absl::DataLossError(absl::StrCat("checkpoint of size ", c.tree_size(), ": bad signature"));
  }
  absl::StatusOr<Hash> root = HashFromBytes(c.root_hash());
  if (!root.ok()) return root.status();
  const std::string expected_prefix = absl::StrCat("grens checkpoint v1\n", c.origin(), "\n", c.tree_size(), "\n",
                                                   absl::Base64Escape(c.root_hash()), "\n");
  if (c.signed_text().rfind(expected_prefix, 0) != 0) {
    return absl::DataLossError(absl::StrCat("checkpoint of size ", c.tree_size(), ": signed text does not match it"));
  }
  // The time is signed as well, as the text's last line (unix nanoseconds); a
  // checkpoint showing another second than it signed was altered.
  absl::string_view time_line = absl::string_view(c.signed_text()).substr(expected_prefix.size());
  int64_t nanos = 0;
  if (!absl::ConsumeSuffix(&time_line, "\n") || !absl::SimpleAtoi(time_line, &nanos) ||
      absl::ToUnixSeconds(absl::FromUnixNanos(nanos)) != c.time().seconds()) {
    return absl::DataLossError(
        absl::StrCat("checkpoint of size ", c.tree_size(), ": its time is not the time it signed"));
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

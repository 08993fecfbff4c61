#include "plugin/checkpoint.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace grens::plugin {
namespace {

EVP_PKEY* AsKey(void* p) { return static_cast<EVP_PKEY*>(p); }

absl::StatusOr<EVP_PKEY*> Generate(const std::string& path) {
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                              &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return absl::InternalError("cannot generate an Ed25519 key");
  }
  const mode_t old = ::umask(077);
  FILE* f = std::fopen(path.c_str(), "wx");
  ::umask(old);
  if (f == nullptr || PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    if (f != nullptr) std::fclose(f);
    EVP_PKEY_free(key);
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write the checkpoint key"));
  }
  std::fflush(f);
  ::fsync(::fileno(f));
  std::fclose(f);
  return key;
}

}  // namespace

std::string CheckpointText(const std::string& origin, int64_t size, const Hash& root, absl::Time time) {
  return absl::StrCat("grens checkpoint v1\n", origin, "\n", size, "\n", absl::Base64Escape(HashToBytes(root)), "\n",
                      absl::ToUnixNanos(time), "\n");
}

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::FromKeyFile(const std::string& path,
                                                                              bool create_if_missing) {
  EVP_PKEY* key = nullptr;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
    std::fclose(f);
    if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": not a PEM private key"));
  } else if (create_if_missing) {
    absl::StatusOr<EVP_PKEY*> made = Generate(path);
    if (!made.ok()) return made.status();
    key = *made;
  } else {
    return absl::NotFoundError(absl::StrCat(path, ": no checkpoint key"));
  }
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError(absl::StrCat(path, ": the checkpoint key must be Ed25519"));
  }
  return std::unique_ptr<CheckpointSigner>(new CheckpointSigner(key));
}

CheckpointSigner::CheckpointSigner(void* pkey) : pkey_(pkey) {
  size_t length = 32;
  public_key_.resize(32);
  EVP_PKEY_get_raw_public_key(AsKey(pkey_), reinterpret_cast<unsigned char*>(public_key_.data()), &length);
}

CheckpointSigner::~CheckpointSigner() { EVP_PKEY_free(AsKey(pkey_)); }

absl::StatusOr<v1::Checkpoint> CheckpointSigner::Sign(const std::string& origin, int64_t size, const Hash& root,
                                                      absl::Time time) const {
  v1::Checkpoint c;
  c.set_origin(origin);
  c.set_tree_size(size);
  c.set_root_hash(HashToBytes(root));
  c.mutable_time()->set_seconds(absl::ToUnixSeconds(time));
  c.set_signed_text(CheckpointText(origin, size, root, time));
  c.set_public_key(public_key_);
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string signature(64, '\0');
  size_t length = signature.size();
  const auto* text = reinterpret_cast<const unsigned char*>(c.signed_text().data());
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, AsKey(pkey_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, text,
                     c.signed_text().size()) != 1) {
    return absl::InternalError("cannot sign the checkpoint");
  }
  c.set_signature(signature);
  return c;
}

absl::Status VerifyCheckpoint(const v1::Checkpoint& c, const std::string& public_key) {
  const std::string& key_bytes = public_key.empty() ? c.public_key() : public_key;
  std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)> key(
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(key_bytes.data()),
                                  key_bytes.size()),
      &EVP_PKEY_free);
  if (key == nullptr) return absl::DataLossError("checkpoint public key is not an Ed25519 key");
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(c.signature().data()), c.signature().size(),
                       reinterpret_cast<const unsigned char*>(c.signed_text().data()), c.signed_text().size()) != 1) {
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

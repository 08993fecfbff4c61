#include "plugin/ed25519.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

EVP_PKEY* AsKey(void* p) { return static_cast<EVP_PKEY*>(p); }

using Bio = std::unique_ptr<BIO, int (*)(BIO*)>;
using Pkey = std::unique_ptr<EVP_PKEY, void (*)(EVP_PKEY*)>;

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

}  // namespace

Ed25519Key::Ed25519Key(void* pkey) : pkey_(pkey) {
  size_t length = 32;
  public_key_.resize(32);
  EVP_PKEY_get_raw_public_key(AsKey(pkey_), reinterpret_cast<unsigned char*>(public_key_.data()), &length);
}

Ed25519Key::~Ed25519Key() { EVP_PKEY_free(AsKey(pkey_)); }

absl::StatusOr<std::unique_ptr<Ed25519Key>> Ed25519Key::Generate() {
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                              &EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (ctx == nullptr || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1) {
    return absl::InternalError("cannot generate an Ed25519 key");
  }
  return std::unique_ptr<Ed25519Key>(new Ed25519Key(key));
}

absl::StatusOr<std::unique_ptr<Ed25519Key>> Ed25519Key::FromPemFile(const std::string& path) {
  absl::StatusOr<std::string> pem = policy::ReadFileToString(path);
  if (!pem.ok()) return pem.status();
  Bio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  EVP_PKEY* key = bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": not a PEM private key"));
  if (EVP_PKEY_id(key) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(key);
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an Ed25519 key"));
  }
  return std::unique_ptr<Ed25519Key>(new Ed25519Key(key));
}

absl::Status Ed25519Key::WritePrivatePem(const std::string& path) const {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int err = errno;
    const std::string message = absl::StrCat(path, ": ", std::strerror(err));
    return err == EEXIST ? absl::AlreadyExistsError(message) : absl::PermissionDeniedError(message);
  }
  FILE* f = ::fdopen(fd, "w");
  const bool written = f != nullptr && PEM_write_PrivateKey(f, AsKey(pkey_), nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
                       std::fflush(f) == 0 && ::fsync(fd) == 0;
  if (f != nullptr) std::fclose(f);
  else ::close(fd);
  if (!written) return absl::InternalError(absl::StrCat(path, ": cannot write the key"));
  return absl::OkStatus();
}

absl::StatusOr<std::string> Ed25519Key::Sign(absl::string_view message) const {
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  std::string signature(64, '\0');
  size_t length = signature.size();
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, AsKey(pkey_)) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return absl::InternalError("Ed25519 signing failed");
  }
  signature.resize(length);
  return signature;
}

bool VerifyEd25519(absl::string_view public_key, absl::string_view message, absl::string_view signature) {
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size()),
           &EVP_PKEY_free);
  if (key == nullptr) return false;
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx != nullptr && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

std::string PublicKeyToPem(absl::string_view public_key) {
  Pkey key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                       reinterpret_cast<const unsigned char*>(public_key.data()), public_key.size()),
           &EVP_PKEY_free);
  Bio bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (key == nullptr || bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key.get()) != 1) return "";
  return BioContents(bio.get());
}

absl::StatusOr<std::string> ReadPublicKeyPem(const std::string& path) {
  absl::StatusOr<std::string> pem = policy::ReadFileToString(path);
  if (!pem.ok()) return pem.status();
  Bio bio(BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size())), &BIO_free);
  Pkey key(bio == nullptr ? nullptr : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (key == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": not a PEM public key"));
  if (EVP_PKEY_id(key.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not an Ed25519 public key"));
  }
  std::string raw(32, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(raw.data()), &length) != 1 ||
      length != 32) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot read the Ed25519 public key"));
  }
  return raw;
}

std::string PublicKeyId(absl::string_view public_key) { return policy::Sha256Hex(public_key).substr(0, 16); }

}  // namespace grens::plugin

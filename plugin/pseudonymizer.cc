#include "plugin/pseudonymizer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

absl::Status CreateKeyFile(const std::string& path) {
  std::string key(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), static_cast<int>(key.size())) != 1) {
    return absl::InternalError("cannot draw random bytes for a pseudonym key");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) return absl::PermissionDeniedError(absl::StrCat(path, ": ", std::strerror(errno)));
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written) return absl::InternalError(absl::StrCat(path, ": cannot write the key"));
  return absl::OkStatus();
}

}  // namespace

Pseudonymizer::Pseudonymizer(std::string key)
    : key_(std::move(key)), key_id_(policy::Sha256Hex(key_).substr(0, 16)) {
  // RFC 2104: K' = K (hashed if longer than the block), padded to 64 bytes.
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  std::string block = key_;
  if (key_.size() > 64) {
    unsigned char digest[32];
    SHA256(reinterpret_cast<const unsigned char*>(key_.data()), key_.size(), digest);
    block.assign(reinterpret_cast<const char*>(digest), 32);
  }
  block.resize(64, '\0');
  std::string ipad(64, '\0'), opad(64, '\0');
  for (int i = 0; i < 64; ++i) {
    ipad[i] = static_cast<char>(block[i] ^ 0x36);
    opad[i] = static_cast<char>(block[i] ^ 0x5c);
  }
  EVP_MD_CTX* inner = EVP_MD_CTX_new();
  EVP_MD_CTX* outer = EVP_MD_CTX_new();
  EVP_DigestInit_ex2(inner, sha256, nullptr);
  EVP_DigestUpdate(inner, ipad.data(), ipad.size());
  EVP_DigestInit_ex2(outer, sha256, nullptr);
  EVP_DigestUpdate(outer, opad.data(), opad.size());
  inner_ = inner;
  outer_ = outer;
}

Pseudonymizer::~Pseudonymizer() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(inner_));
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(outer_));
}

std::unique_ptr<Pseudonymizer> Pseudonymizer::FromKey(std::string key) {
  return std::unique_ptr<Pseudonymizer>(new Pseudonymizer(std::move(key)));
}

absl::StatusOr<std::unique_ptr<Pseudonymizer>> Pseudonymizer::FromKeyFile(const std::string& path,
                                                                         bool create_if_missing) {
  if (create_if_missing && ::access(path.c_str(), F_OK) != 0) {
    absl::Status created = CreateKeyFile(path);
    if (!created.ok()) return created;
  }
  absl::StatusOr<std::string> key = policy::ReadFileToString(path);
  if (!key.ok()) return key.status();
  if (key->size() < 32) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": a pseudonym key needs at least 32 bytes, found ", key->size()));
  }
  return FromKey(*std::move(key));
}

std::string Pseudonymizer::Pseudonym(absl::string_view tenant, absl::string_view subject_id) const {
  thread_local std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  const char separator = '\x1f';
  unsigned char inner[32], mac[32];
  EVP_MD_CTX_copy_ex(ctx.get(), static_cast<const EVP_MD_CTX*>(inner_));
  EVP_DigestUpdate(ctx.get(), tenant.data(), tenant.size());
  EVP_DigestUpdate(ctx.get(), &separator, 1);
  EVP_DigestUpdate(ctx.get(), subject_id.data(), subject_id.size());
  EVP_DigestFinal_ex(ctx.get(), inner, nullptr);
  EVP_MD_CTX_copy_ex(ctx.get(), static_cast<const EVP_MD_CTX*>(outer_));
  EVP_DigestUpdate(ctx.get(), inner, sizeof(inner));
  EVP_DigestFinal_ex(ctx.get(), mac, nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), sizeof(mac)));
}

}  // namespace grens::plugin

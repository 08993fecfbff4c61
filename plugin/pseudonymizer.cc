#include "plugin/pseudonymizer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
    : key_(std::move(key)), key_id_(policy::Sha256Hex(key_).substr(0, 16)) {}

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
  std::string message;
  message.reserve(tenant.size() + 1 + subject_id.size());
  message.append(tenant.data(), tenant.size());
  message.push_back('\x1f');
  message.append(subject_id.data(), subject_id.size());
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), mac, &length);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(mac), length));
}

}  // namespace grens::plugin

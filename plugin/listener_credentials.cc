#include "plugin/listener_credentials.h"

#include <grp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "policy/status_macros.h"

namespace grens::plugin {
namespace {

constexpr absl::Duration kDefaultReloadInterval = absl::Seconds(60);

std::string Field(int index, absl::string_view name) { return absl::StrCat("listeners[", index, "].", name); }

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct InfoStackFree {
  void operator()(STACK_OF(X509_INFO) * s) const { sk_X509_INFO_pop_free(s, X509_INFO_free); }
};

std::unique_ptr<BIO, BioFree> MemoryBio(const std::string& text) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

absl::StatusOr<std::string> ReadField(const std::string& path, const std::string& field) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return absl::Status(text.status().code(), absl::StrCat(field, ": ", text.status().message()));
  return text;
}

// The files parse as PEM and the key belongs to the certificate, so a typo
// fails at start-up instead of as a handshake error on every connection.
absl::Status CheckTlsFiles(const v1::TlsConfig& tls, int index) {
  GRENS_ASSIGN_OR_RETURN(const std::string cert_pem, ReadField(tls.cert_file(), Field(index, "tls.cert_file")));
  GRENS_ASSIGN_OR_RETURN(const std::string key_pem, ReadField(tls.key_file(), Field(index, "tls.key_file")));
  std::unique_ptr<X509, X509Free> cert(PEM_read_bio_X509(MemoryBio(cert_pem).get(), nullptr, nullptr, nullptr));
  if (cert == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(Field(index, "tls.cert_file"), ": ", tls.cert_file(), " holds no PEM certificate"));
  }
  std::unique_ptr<EVP_PKEY, PkeyFree> key(PEM_read_bio_PrivateKey(MemoryBio(key_pem).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.key_file"), ": ", tls.key_file(),
                                                   " holds no unencrypted PEM private key"));
  }
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.key_file"), ": ", tls.key_file(),
                                                   " is not the key of ", tls.cert_file()));
  }
  if (tls.client_ca_file().empty()) return absl::OkStatus();
  GRENS_ASSIGN_OR_RETURN(const std::string ca_pem,
                         ReadField(tls.client_ca_file(), Field(index, "tls.client_ca_file")));
  std::unique_ptr<STACK_OF(X509_INFO), InfoStackFree> infos(
      PEM_X509_INFO_read_bio(MemoryBio(ca_pem).get(), nullptr, nullptr, nullptr));
  if (infos == nullptr || sk_X509_INFO_num(infos.get()) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.client_ca_file"), ": ", tls.client_ca_file(),
                                                   " holds no PEM certificate"));
  }
  return absl::OkStatus();
}

std::shared_ptr<grpc::ServerCredentials> TlsCredentials(const v1::TlsConfig& tls) {
  const unsigned int refresh_seconds =
      static_cast<unsigned int>(std::max<int64_t>(1, absl::ToInt64Seconds(TlsReloadInterval(tls))));
  // The provider re-reads the files every refresh_seconds on its own thread
  // and hands changed certificates to gRPC; it skips a key that does not
  // match its certificate, so a half-written pair is never served.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      tls.key_file(), tls.cert_file(), tls.client_ca_file(), refresh_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file().empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

// A user or group name, or a numeric id.
absl::StatusOr<uint32_t> ResolveId(const std::string& name, bool group, const std::string& field) {
  uint32_t id = 0;
  if (absl::SimpleAtoi(name, &id)) return id;
  std::vector<char> buffer(16384);
  if (group) {
    struct group entry;
    struct group* found = nullptr;
    if (getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
      return found->gr_gid;
    }
  } else {
    struct passwd entry;
    struct passwd* found = nullptr;
    if (getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr) {
      return found->pw_uid;
    }
  }
  return absl::NotFoundError(absl::StrCat(field, ": no ", group ? "group" : "user", " named '", name, "'"));
}

}  // namespace

absl::Duration TlsReloadInterval(const v1::TlsConfig& tls) {
  if (tls.reload_interval().empty()) return kDefaultReloadInterval;
  absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(tls.reload_interval());
  return d.ok() ? *d : kDefaultReloadInterval;
}

absl::Status ValidateListenerSecurity(const v1::Listener& listener, int index) {
  const v1::TlsConfig& tls = listener.tls();
  if (tls.cert_file().empty() && (!tls.client_ca_file().empty() || !tls.key_file().empty())) {
    return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.cert_file"), ": missing"));
  }
  if (!tls.reload_interval().empty()) {
    absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(tls.reload_interval());
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.reload_interval"), ": ", d.status().message()));
    if (*d < absl::Seconds(1)) {
      return absl::InvalidArgumentError(absl::StrCat(Field(index, "tls.reload_interval"), ": at least 1s"));
    }
  }
  const bool unix_file = absl::StartsWith(listener.address(), "unix:");
  const std::string& mode = listener.unix_socket_mode();
  if (!mode.empty() && (mode.size() > 4 || !std::all_of(mode.begin(), mode.end(), [](char c) { return c >= '0' && c <= '7'; }))) {
    return absl::InvalidArgumentError(
        absl::StrCat(Field(index, "unix_socket_mode"), ": '", mode, "' is not an octal file mode like \"0660\""));
  }
  for (const auto& [name, value] : {std::make_pair("unix_socket_mode", mode),
                                    std::make_pair("unix_socket_owner", listener.unix_socket_owner()),
                                    std::make_pair("unix_socket_group", listener.unix_socket_group())}) {
    if (!value.empty() && !unix_file) {
      return absl::InvalidArgumentError(absl::StrCat(Field(index, name), ": only for a \"unix:/path\" listener"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListenerCredentials(
    const v1::Listener& listener, int index, std::shared_ptr<grpc::AuthMetadataProcessor> gate) {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  if (!listener.tls().cert_file().empty()) {
    GRENS_RETURN_IF_ERROR(CheckTlsFiles(listener.tls(), index));
    credentials = TlsCredentials(listener.tls());
  } else if (gate != nullptr) {
    const bool unix = absl::StartsWith(listener.address(), "unix");
    credentials = grpc::experimental::LocalServerCredentials(unix ? UDS : LOCAL_TCP);
  } else {
    return grpc::InsecureServerCredentials();
  }
  if (gate != nullptr) credentials->SetAuthMetadataProcessor(std::move(gate));
  return credentials;
}

absl::Status ApplyUnixSocketAccess(const v1::Listener& listener, int index) {
  if (!absl::StartsWith(listener.address(), "unix:")) return absl::OkStatus();
  const std::string path = listener.address().substr(5);
  if (!listener.unix_socket_owner().empty() || !listener.unix_socket_group().empty()) {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    if (!listener.unix_socket_owner().empty()) {
      GRENS_ASSIGN_OR_RETURN(uid, ResolveId(listener.unix_socket_owner(), false, Field(index, "unix_socket_owner")));
    }
    if (!listener.unix_socket_group().empty()) {
      GRENS_ASSIGN_OR_RETURN(gid, ResolveId(listener.unix_socket_group(), true, Field(index, "unix_socket_group")));
    }
    if (::chown(path.c_str(), uid, gid) != 0) {
      return absl::PermissionDeniedError(absl::StrCat(Field(index, "unix_socket_owner"), ": cannot give ", path,
                                                      " to ", listener.unix_socket_owner(), ":",
                                                      listener.unix_socket_group()));
    }
  }
  if (!listener.unix_socket_mode().empty()) {
    const mode_t mode = static_cast<mode_t>(std::strtol(listener.unix_socket_mode().c_str(), nullptr, 8));
    if (::chmod(path.c_str(), mode) != 0) {
      return absl::PermissionDeniedError(
          absl::StrCat(Field(index, "unix_socket_mode"), ": cannot set mode ", listener.unix_socket_mode(), " on ", path));
    }
  }
  return absl::OkStatus();
}

}  // namespace grens::plugin

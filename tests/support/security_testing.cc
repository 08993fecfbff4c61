#include "tests/support/security_testing.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "grens/v1/audit_log.grpc.pb.h"
#include "grens/v1/guard.grpc.pb.h"
#include "grens/v1/policy_admin.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/support/guard_testing.h"

namespace grens::testing {
namespace {

std::atomic<long> next_serial{1};

std::string Pem(EVP_PKEY* key, X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (key != nullptr) PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  if (cert != nullptr) PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

void AddExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `common_name`, not yet signed or extended.
X509* NewCertificate(EVP_PKEY* key, const std::string& common_name, absl::Duration from, absl::Duration until) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), next_serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert), absl::ToInt64Seconds(from));
  X509_gmtime_adj(X509_getm_notAfter(cert), absl::ToInt64Seconds(until));
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  return cert;
}

}  // namespace

TestCa::TestCa(const std::string& common_name) : key_(EVP_EC_gen("P-256")) {
  cert_ = NewCertificate(key_, common_name, -absl::Hours(1), absl::Hours(48));
  X509_set_issuer_name(cert_, X509_get_subject_name(cert_));
  AddExtension(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
  X509_sign(cert_, key_, EVP_sha256());
  cert_pem_ = Pem(nullptr, cert_);
}

TestCa::~TestCa() {
  X509_free(cert_);
  EVP_PKEY_free(key_);
}

KeyAndCert TestCa::Issue(const std::string& common_name, const std::vector<std::string>& sans, absl::Duration from,
                         absl::Duration until) const {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = NewCertificate(key, common_name, from, until);
  X509_set_issuer_name(cert, X509_get_subject_name(cert_));
  AddExtension(cert, cert_, NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert, cert_, NID_ext_key_usage, "serverAuth,clientAuth");
  if (!sans.empty()) AddExtension(cert, cert_, NID_subject_alt_name, absl::StrJoin(sans, ","));
  X509_sign(cert, key_, EVP_sha256());
  KeyAndCert out{Pem(key, nullptr), Pem(nullptr, cert)};
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

std::shared_ptr<grpc::Channel> TlsChannel(const std::string& address, const std::string& ca_pem,
                                          const KeyAndCert* client) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_pem;
  if (client != nullptr) {
    options.pem_private_key = client->key_pem;
    options.pem_cert_chain = client->cert_pem;
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(address, grpc::SslCredentials(options), args);
}

std::vector<std::string> ReadyAddresses(const TempDir& dir) {
  return absl::StrSplit(ReadAll(dir.path() + "/ready"), '\n', absl::SkipEmpty());
}

std::pair<std::string, std::string> WriteKeyAndCert(const TempDir& dir, const std::string& name,
                                                    const KeyAndCert& pair) {
  return {dir.Write(name + ".key", pair.key_pem), dir.Write(name + ".crt", pair.cert_pem)};
}

v1::MonitoringEvent AllowedPresence(const std::string& id) { return PresenceEvent(id, "2026-03-10T09:00:00Z"); }

const char* ServiceName(Service service) {
  switch (service) {
    case Service::kGuard: return "Guard";
    case Service::kPolicyAdmin: return "PolicyAdmin";
    case Service::kAuditLog: return "AuditLog";
  }
  return "?";
}

grpc::Status CallService(const std::shared_ptr<grpc::Channel>& channel, Service service, const std::string& token,
                         const std::string& scheme) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) context.AddMetadata("authorization", absl::StrCat(scheme, " ", token));
  switch (service) {
    case Service::kGuard: {
      v1::EvaluateRequest request;
      *request.mutable_event() = AllowedPresence("role-test");
      v1::EvaluateResponse response;
      return v1::Guard::NewStub(channel)->Evaluate(&context, request, &response);
    }
    case Service::kPolicyAdmin: {
      v1::StatusResponse response;
      return v1::PolicyAdmin::NewStub(channel)->Status(&context, v1::StatusRequest(), &response);
    }
    case Service::kAuditLog: {
      v1::ListRecordsRequest request;
      request.set_page_size(1);
      v1::ListRecordsResponse response;
      return v1::AuditLog::NewStub(channel)->ListRecords(&context, request, &response);
    }
  }
  return grpc::Status(grpc::StatusCode::INTERNAL, "unknown service");
}

grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::health::v1::HealthCheckResponse response;
  return grpc::health::v1::Health::NewStub(channel)->Check(&context, grpc::health::v1::HealthCheckRequest(),
                                                           &response);
}

}  // namespace grens::testing

#include "plugin/ctl_sign.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "plugin/ctl_flags.h"
#include "plugin/ed25519.h"
#include "plugin/policy_signature.h"
#include "policy/file_util.h"
#include "policy/policy_loader.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {
namespace {

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "grensctl policy: %s\n", message.c_str());
  return code;
}

}  // namespace

int RunPolicyKeygen(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> parsed = ParseCtlArgs(args, {"--out"});
  if (!parsed.ok() || parsed->Get("--out").empty() || !parsed->positional.empty()) {
    return Fail(kUsage, "usage: grensctl policy keygen --out PREFIX   (writes PREFIX.key and PREFIX.pub)");
  }
  const std::string prefix = parsed->Get("--out");
  if (::access((prefix + ".pub").c_str(), F_OK) == 0) return Fail(kUsage, prefix + ".pub exists; not overwritten");
  absl::StatusOr<std::unique_ptr<Ed25519Key>> key = Ed25519Key::Generate();
  if (!key.ok()) return Fail(kUsage, std::string(key.status().message()));
  absl::Status written = (*key)->WritePrivatePem(prefix + ".key");
  if (written.ok()) written = WriteFileAtomically(prefix + ".pub", PublicKeyToPem((*key)->public_key()));
  if (!written.ok()) return Fail(kUsage, std::string(written.message()));
  std::printf("wrote %s.key (private: keep it with its holder, mode 0600) and %s.pub\n", prefix.c_str(),
              prefix.c_str());
  std::printf("key id: %s\n", PublicKeyId((*key)->public_key()).c_str());
  std::printf("public key (for an agreement's break_glass approvers): %s\n",
              absl::Base64Escape((*key)->public_key()).c_str());
  return kOk;
}

int RunPolicySign(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> parsed = ParseCtlArgs(args, {"--key"});
  if (!parsed.ok() || parsed->Get("--key").empty() || parsed->positional.size() != 1) {
    return Fail(kUsage, "usage: grensctl policy sign --key KEY FILE   (adds a line to FILE.sig)");
  }
  const std::string& file = parsed->positional[0];
  absl::StatusOr<std::unique_ptr<Ed25519Key>> key = Ed25519Key::FromPemFile(parsed->Get("--key"));
  if (!key.ok()) return Fail(kUsage, std::string(key.status().message()));
  // One read: the bytes checked are the bytes signed.
  absl::StatusOr<std::string> bytes = policy::ReadFileToString(file);
  if (!bytes.ok()) return Fail(kUsage, std::string(bytes.status().message()));
  const policy::LoadedPolicy loaded =
      policy::LoadPolicyText(*bytes, policy::FormatForPath(file), file, policy::DirName(file));
  if (loaded.policy == nullptr) {
    return Fail(kFailed, absl::StrCat(file, ": not signed: grensd would not activate it: ", loaded.RejectionSummary()));
  }
  const std::string sig_path = SignatureFilePath(file);
  absl::StatusOr<std::string> existing = policy::ReadFileToString(sig_path);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return Fail(kUsage, std::string(existing.status().message()));
  absl::StatusOr<std::string> updated = AddPolicySignature(existing.ok() ? *existing : "", **key, loaded.revision);
  if (!updated.ok()) return Fail(kUsage, std::string(updated.status().message()));
  absl::Status written = WriteFileAtomically(sig_path, *updated);
  if (!written.ok()) return Fail(kUsage, std::string(written.message()));
  std::printf("%s: signed revision %s (agreement %s) with key %s, in %s\n", file.c_str(), loaded.revision.c_str(),
              loaded.policy->policy().id().c_str(), PublicKeyId((*key)->public_key()).c_str(), sig_path.c_str());
  return kOk;
}

int RunPolicyVerifySignature(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> parsed = ParseCtlArgs(args, {"--pub"});
  if (!parsed.ok() || parsed->All("--pub").empty() || parsed->positional.size() != 1) {
    return Fail(kUsage, "usage: grensctl policy verify-signature --pub PUB.pem [--pub PUB.pem ...] FILE");
  }
  const std::string& file = parsed->positional[0];
  absl::StatusOr<std::unique_ptr<const SignatureRequirement>> required =
      SignatureRequirement::FromPemFiles(parsed->All("--pub"));
  if (!required.ok()) return Fail(kUsage, std::string(required.status().message()));
  absl::StatusOr<std::string> bytes = policy::ReadFileToString(file);
  if (!bytes.ok()) return Fail(kUsage, std::string(bytes.status().message()));
  const std::string revision = policy::Sha256Hex(*bytes);
  absl::StatusOr<std::string> signatures = policy::ReadFileToString(SignatureFilePath(file));
  if (!signatures.ok()) return Fail(kFailed, std::string(signatures.status().message()));
  int failed = 0;
  for (const SignerCheck& c : (*required)->Check(*signatures, revision)) {
    if (c.valid) {
      std::printf("ok    %s (key %s)\n", c.signer.c_str(), c.key_id.c_str());
    } else {
      std::printf("FAIL  %s\n", c.problem.c_str());
      ++failed;
    }
  }
  std::printf("%s: revision %s: %s\n", file.c_str(), revision.c_str(),
              failed == 0 ? "signed by every key given" : "NOT signed by every key given; grensd would reject it");
  return failed == 0 ? kOk : kFailed;
}

}  // namespace grens::plugin

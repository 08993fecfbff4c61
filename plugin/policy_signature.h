#ifndef GRENS_PLUGIN_POLICY_SIGNATURE_H_
#define GRENS_PLUGIN_POLICY_SIGNATURE_H_

// Works-council co-signature of policy files (R17): the employer cannot change
// the monitoring regime without the council's consent.
//
// Signature file. Next to the policy file FILE, a text file FILE.sig holds one
// line per signature, so several parties (works council, employer, union) sign
// independently and each `grensctl policy sign` replaces only its own line:
//
//   # comment
//   ed25519 <key id> <revision> <base64 signature>
//
// <key id> is the signer's PublicKeyId (16 hex digits, so a reader sees whose
// line it is), <revision> the SHA-256 (hex) of the exact bytes of FILE (the
// policy revision grensd reports everywhere), <signature> Ed25519 over
// PolicySignedText(revision): "grens policy v1\n<revision>\n". The prefix keeps
// a policy signature from being mistaken for a checkpoint or break-glass
// approval made with the same key.
//
// What is covered: the policy file's bytes, including its embedded test cases.
// The suites named in test_files are not covered: they cannot change any
// decision, only stop a policy from activating when they fail, so an admin may
// add cases without a new round of signatures.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "plugin/ed25519.h"

namespace grens::plugin {

// FILE.sig for policy FILE.
std::string SignatureFilePath(const std::string& policy_path);
// The exact bytes a signer signs for a policy of `revision`.
std::string PolicySignedText(absl::string_view revision);

// The signature file text `existing` with `key`'s signature of `revision`
// added; the signer's earlier lines go, every other line stays.
absl::StatusOr<std::string> AddPolicySignature(absl::string_view existing, const Ed25519Key& key,
                                               absl::string_view revision);

// What a signature file says about one required signer.
struct SignerCheck {
  std::string signer;  // the public key file's name
  std::string key_id;
  bool valid = false;
  // Why not ("no signature by ...", "... does not verify", "... is for revision ...").
  std::string problem;
};

// The public keys whose signatures a policy needs before grensd activates it
// (config require_signature_from). Immutable, so safe to share.
class SignatureRequirement {
 public:
  // Reads each PEM public key file; InvalidArgument or NotFound naming the file.
  static absl::StatusOr<std::unique_ptr<const SignatureRequirement>> FromPemFiles(
      const std::vector<std::string>& paths);

  // One result per required key, in config order, for signature file text
  // `signatures` and the policy's `revision`.
  std::vector<SignerCheck> Check(absl::string_view signatures, absl::string_view revision) const;

  // Reads the signature file of `policy_path` and checks it against `revision`.
  // OK when every required key signed it; otherwise PermissionDenied naming each
  // missing or invalid signer (and the file, when it cannot be read).
  absl::Status CheckFile(const std::string& policy_path, absl::string_view revision) const;

 private:
  struct Signer {
    std::string name;
    std::string public_key;
    std::string key_id;
  };
  explicit SignatureRequirement(std::vector<Signer> signers) : signers_(std::move(signers)) {}
  const std::vector<Signer> signers_;
};

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_POLICY_SIGNATURE_H_

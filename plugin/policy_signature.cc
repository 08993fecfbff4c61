#include "plugin/policy_signature.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "policy/file_util.h"

namespace grens::plugin {
namespace {

constexpr char kAlgorithm[] = "ed25519";
constexpr char kHeader[] = "# grens policy signatures, one per line: ed25519 KEY-ID REVISION SIGNATURE\n";

// One well-formed signature line.
struct Line {
  int number = 0;
  std::string key_id;
  std::string revision;
  std::string signature;  // raw bytes
};

// The well-formed lines of `text`; `bad` gets the numbers of the others.
std::vector<Line> ParseLines(absl::string_view text, std::vector<int>* bad) {
  std::vector<Line> lines;
  int number = 0;
  for (absl::string_view raw : absl::StrSplit(text, '\n')) {
    ++number;
    const absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    Line parsed;
    parsed.number = number;
    if (fields.size() != 4 || fields[0] != kAlgorithm || !absl::Base64Unescape(fields[3], &parsed.signature)) {
      if (bad != nullptr) bad->push_back(number);
      continue;
    }
    parsed.key_id = absl::AsciiStrToLower(fields[1]);
    parsed.revision = absl::AsciiStrToLower(fields[2]);
    lines.push_back(std::move(parsed));
  }
  return lines;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string SignatureFilePath(const std::string& policy_path) { return policy_path + ".sig"; }

std::string PolicySignedText(absl::string_view revision) {
  return absl::StrCat("grens policy v1\n", absl::AsciiStrToLower(revision), "\n");
}

absl::StatusOr<std::string> AddPolicySignature(absl::string_view existing, const Ed25519Key& key,
                                               absl::string_view revision) {
  absl::StatusOr<std::string> signature = key.Sign(PolicySignedText(revision));
  if (!signature.ok()) return signature.status();
  const std::string own_id = PublicKeyId(key.public_key());
  std::string out = existing.empty() ? kHeader : "";
  for (absl::string_view raw : absl::StrSplit(existing, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(absl::StripAsciiWhitespace(raw), ' ', absl::SkipWhitespace());
    if (fields.size() >= 2 && fields[0] == kAlgorithm && absl::AsciiStrToLower(fields[1]) == own_id) continue;
    absl::StrAppend(&out, raw, "\n");
  }
  absl::StrAppend(&out, kAlgorithm, " ", own_id, " ", absl::AsciiStrToLower(revision), " ",
                  absl::Base64Escape(*signature), "\n");
  return out;
}

absl::StatusOr<std::unique_ptr<const SignatureRequirement>> SignatureRequirement::FromPemFiles(
    const std::vector<std::string>& paths) {
  std::vector<Signer> signers;
  for (const std::string& path : paths) {
    absl::StatusOr<std::string> key = ReadPublicKeyPem(path);
    if (!key.ok()) return key.status();
    signers.push_back({BaseName(path), *key, PublicKeyId(*key)});
  }
  return std::unique_ptr<const SignatureRequirement>(new SignatureRequirement(std::move(signers)));
}

std::vector<SignerCheck> SignatureRequirement::Check(absl::string_view signatures, absl::string_view revision) const {
  const std::string want = absl::AsciiStrToLower(revision);
  const std::vector<Line> lines = ParseLines(signatures, nullptr);
  std::vector<SignerCheck> results;
  for (const Signer& s : signers_) {
    SignerCheck check{s.name, s.key_id, false, ""};
    const std::string who = absl::StrCat(s.name, " (key ", s.key_id, ")");
    const Line* other_revision = nullptr;
    bool seen = false;
    for (const Line& line : lines) {
      if (line.key_id != s.key_id) continue;
      seen = true;
      if (line.revision != want) {
        other_revision = &line;
        continue;
      }
      check.valid = VerifyEd25519(s.public_key, PolicySignedText(want), line.signature);
      if (!check.valid) check.problem = absl::StrCat("the signature by ", who, " on line ", line.number, " does not verify");
      break;
    }
    if (!seen) {
      check.problem = absl::StrCat("no signature by ", who);
    } else if (!check.valid && check.problem.empty() && other_revision != nullptr) {
      check.problem = absl::StrCat("the signature by ", who, " is for revision ", other_revision->revision.substr(0, 12),
                                   ", not for this file (revision ", want.substr(0, 12),
                                   "): the file changed after it was signed");
    }
    results.push_back(std::move(check));
  }
  return results;
}

absl::Status SignatureRequirement::CheckFile(const std::string& policy_path, absl::string_view revision) const {
  const std::string sig_path = SignatureFilePath(policy_path);
  absl::StatusOr<std::string> text = policy::ReadFileToString(sig_path);
  std::vector<std::string> names;
  for (const Signer& s : signers_) names.push_back(absl::StrCat(s.name, " (key ", s.key_id, ")"));
  if (!text.ok()) {
    return absl::PermissionDeniedError(absl::StrCat("the policy must be signed by ", absl::StrJoin(names, " and "),
                                                    ", but ", text.status().message()));
  }
  std::vector<std::string> problems;
  for (const SignerCheck& c : Check(*text, revision)) {
    if (!c.valid) problems.push_back(c.problem);
  }
  if (problems.empty()) return absl::OkStatus();
  std::vector<int> bad;
  ParseLines(*text, &bad);
  std::string message = absl::StrCat(sig_path, ": ", absl::StrJoin(problems, "; "));
  if (!bad.empty()) absl::StrAppend(&message, " (lines ignored as malformed: ", absl::StrJoin(bad, ", "), ")");
  return absl::PermissionDeniedError(message);
}

}  // namespace grens::plugin

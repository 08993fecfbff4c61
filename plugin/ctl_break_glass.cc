// `grensctl break-glass ...`: the people who open an investigation (R11) write
// a case file, each approver signs it with their own key, and anyone can check
// it against the agreement before grensd loads it.

#include "plugin/ctl_break_glass.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "grens/v1/break_glass.pb.h"
#include "plugin/break_glass_cases.h"
#include "plugin/break_glass_journal.h"
#include "plugin/ctl_flags.h"
#include "plugin/ed25519.h"
#include "policy/break_glass.h"
#include "policy/durations.h"
#include "policy/file_util.h"
#include "policy/names.h"
#include "policy/policy_loader.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {
namespace {

using policy::CategoryName;
using policy::Utc;

constexpr char kUsageText[] =
    "usage:\n"
    "  grensctl break-glass create --policy POLICY --id CASE --reason TEXT --category CATEGORY...\n"
    "      (--subject ID [--tenant TENANT] | --pseudonym HEX)... --start RFC3339 (--end RFC3339 | --duration 7d)\n"
    "      --out FILE\n"
    "  grensctl break-glass approve --policy POLICY --approver ID --key KEY FILE\n"
    "  grensctl break-glass verify --policy POLICY [--pseudonym-key KEY] FILE\n";

int Fail(int code, const std::string& message) {
  std::fprintf(stderr, "grensctl break-glass: %s\n", message.c_str());
  if (code == kUsage) std::fputs(kUsageText, stderr);
  return code;
}

// A YAML double-quoted scalar.
std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

// The case as YAML (or text proto, by the file's extension).
std::string CaseText(const v1::BreakGlassCase& c, const std::string& path) {
  if (policy::FormatForPath(path) == policy::FileFormat::kTextProto) {
    std::string text;
    google::protobuf::TextFormat::PrintToString(c, &text);
    return text;
  }
  std::string out =
      "# Break-glass case (grensctl break-glass create). Each approver signs it with\n"
      "# `grensctl break-glass approve`; a signature covers every field but approvals.\n";
  absl::StrAppend(&out, "case_id: ", Quote(c.case_id()), "\npolicy_id: ", Quote(c.policy_id()),
                  "\nreason: ", Quote(c.reason()), "\nstart: ", Quote(Utc(c.start())), "\nend: ", Quote(Utc(c.end())),
                  "\ncategories: [");
  std::vector<std::string> categories;
  for (int category : c.categories()) categories.push_back(CategoryName(category));
  absl::StrAppend(&out, absl::StrJoin(categories, ", "), "]\nsubjects:\n");
  for (const v1::CaseSubject& s : c.subjects()) {
    if (!s.pseudonym().empty()) {
      absl::StrAppend(&out, "  - {pseudonym: ", Quote(s.pseudonym()), "}\n");
    } else {
      absl::StrAppend(&out, "  - {id: ", Quote(s.id()), s.tenant().empty() ? "" : ", tenant: " + Quote(s.tenant()), "}\n");
    }
  }
  absl::StrAppend(&out, "approvals:", c.approvals().empty() ? " []\n" : "\n");
  for (const v1::CaseApproval& a : c.approvals()) {
    absl::StrAppend(&out, "  - {approver: ", Quote(a.approver()), ", signature: ", Quote(a.signature()), "}\n");
  }
  return out;
}

absl::StatusOr<std::shared_ptr<const policy::CompiledPolicy>> LoadPolicy(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("--policy POLICY is required");
  policy::LoadedPolicy loaded = policy::LoadPolicyFile(path);
  if (loaded.policy == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path, ": not a policy grensd would activate: ",
                                                      loaded.RejectionSummary()));
  }
  return loaded.policy;
}

absl::StatusOr<v1::BreakGlassCase> ReadCase(const std::string& path) {
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) return text.status();
  v1::BreakGlassCase c;
  std::vector<policy::Diagnostic> diagnostics;
  absl::Status parsed = policy::ParseMessage(*text, policy::FormatForPath(path), path, &c, &diagnostics, nullptr);
  if (!parsed.ok()) return parsed;
  return c;
}

absl::StatusOr<google::protobuf::Timestamp> Timestamp(const std::string& text, const std::string& flag) {
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(absl::StrCat(flag, ": not an RFC 3339 time: '", text, "'"));
  }
  google::protobuf::Timestamp ts;
  ts.set_seconds(absl::ToUnixSeconds(t));
  return ts;
}

// The case the create flags describe; InvalidArgument naming a bad flag.
absl::StatusOr<v1::BreakGlassCase> CaseFromFlags(const CtlArgs& a, const std::string& policy_id) {
  v1::BreakGlassCase c;
  c.set_case_id(a.Get("--id"));
  c.set_reason(a.Get("--reason"));
  c.set_policy_id(policy_id);
  for (const std::string& name : a.All("--category")) {
    v1::Category category;
    if (!v1::Category_Parse(absl::StrCat("CATEGORY_", name), &category) && !v1::Category_Parse(name, &category)) {
      return absl::InvalidArgumentError(absl::StrCat("--category: unknown category '", name, "'"));
    }
    c.add_categories(category);
  }
  for (const std::string& id : a.All("--subject")) {
    v1::CaseSubject* s = c.add_subjects();
    s->set_id(id);
    s->set_tenant(a.Get("--tenant"));
  }
  for (const std::string& p : a.All("--pseudonym")) c.add_subjects()->set_pseudonym(p);
  absl::StatusOr<google::protobuf::Timestamp> start = Timestamp(a.Get("--start"), "--start");
  if (!start.ok()) return start.status();
  *c.mutable_start() = *start;
  if (!a.Get("--duration").empty()) {
    absl::StatusOr<absl::Duration> d = policy::ParseAgreementDuration(a.Get("--duration"));
    if (!d.ok()) return absl::InvalidArgumentError(absl::StrCat("--duration: ", d.status().message()));
    c.mutable_end()->set_seconds(start->seconds() + absl::ToInt64Seconds(*d));
  } else {
    absl::StatusOr<google::protobuf::Timestamp> end = Timestamp(a.Get("--end"), "--end");
    if (!end.ok()) return end.status();
    *c.mutable_end() = *end;
  }
  return c;
}

int PrintProblems(const std::vector<policy::Diagnostic>& diagnostics, const std::string& file) {
  for (policy::Diagnostic d : diagnostics) {
    if (d.file.empty()) d.file = file;
    std::fprintf(stderr, "%s\n", d.ToString().c_str());
  }
  return kFailed;
}

int Create(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> a = ParseCtlArgs(args, {"--policy", "--id", "--reason", "--category", "--subject", "--tenant",
                                                  "--pseudonym", "--start", "--end", "--duration", "--out"});
  if (!a.ok()) return Fail(kUsage, std::string(a.status().message()));
  if (a->Get("--out").empty() || !a->positional.empty()) return Fail(kUsage, "create needs --out FILE");
  auto policy = LoadPolicy(a->Get("--policy"));
  if (!policy.ok()) return Fail(kUsage, std::string(policy.status().message()));
  absl::StatusOr<v1::BreakGlassCase> c = CaseFromFlags(*a, (*policy)->policy().id());
  if (!c.ok()) return Fail(kUsage, std::string(c.status().message()));
  std::vector<policy::Diagnostic> diagnostics;
  if (!policy::CheckBreakGlassCase(**policy, *c, &diagnostics).ok()) return PrintProblems(diagnostics, a->Get("--out"));
  absl::Status written = WriteFileAtomically(a->Get("--out"), CaseText(*c, a->Get("--out")));
  if (!written.ok()) return Fail(kUsage, std::string(written.message()));
  std::printf("%s: case %s written; it needs %d approvals (grensctl break-glass approve)\n", a->Get("--out").c_str(),
              c->case_id().c_str(), std::max(2, (*policy)->policy().break_glass().required_approvals()));
  return kOk;
}

// The approver's key in the agreement, or NotFound.
absl::StatusOr<std::string> ApproverKey(const v1::Policy& p, const std::string& id) {
  for (const v1::Approver& a : p.break_glass().approvers()) {
    if (a.id() == id) return policy::DecodeApproverKey(a.public_key());
  }
  return absl::NotFoundError(absl::StrCat("'", id, "' is not an approver in the agreement's break_glass clause"));
}

int Approve(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> a = ParseCtlArgs(args, {"--policy", "--approver", "--key"});
  if (!a.ok()) return Fail(kUsage, std::string(a.status().message()));
  if (a->positional.size() != 1 || a->Get("--approver").empty() || a->Get("--key").empty()) {
    return Fail(kUsage, "approve needs --approver ID --key KEY FILE");
  }
  const std::string& file = a->positional[0];
  auto policy = LoadPolicy(a->Get("--policy"));
  if (!policy.ok()) return Fail(kUsage, std::string(policy.status().message()));
  absl::StatusOr<v1::BreakGlassCase> c = ReadCase(file);
  if (!c.ok()) return Fail(kUsage, std::string(c.status().message()));
  std::vector<policy::Diagnostic> diagnostics;
  if (!policy::CheckBreakGlassCase(**policy, *c, &diagnostics).ok()) return PrintProblems(diagnostics, file);
  const std::string approver = a->Get("--approver");
  absl::StatusOr<std::string> expected = ApproverKey((*policy)->policy(), approver);
  if (!expected.ok()) return Fail(kFailed, std::string(expected.status().message()));
  absl::StatusOr<std::unique_ptr<Ed25519Key>> key = Ed25519Key::FromPemFile(a->Get("--key"));
  if (!key.ok()) return Fail(kUsage, std::string(key.status().message()));
  if ((*key)->public_key() != *expected) {
    return Fail(kFailed, absl::StrCat(a->Get("--key"), " (key ", PublicKeyId((*key)->public_key()), ") is not ",
                                      approver, "'s key in the agreement (key ", PublicKeyId(*expected), ")"));
  }
  absl::StatusOr<std::string> signature = (*key)->Sign(policy::BreakGlassSignedText(*c));
  if (!signature.ok()) return Fail(kUsage, std::string(signature.status().message()));
  auto* approvals = c->mutable_approvals();
  approvals->erase(std::remove_if(approvals->begin(), approvals->end(),
                                  [&](const v1::CaseApproval& x) { return x.approver() == approver; }),
                   approvals->end());
  v1::CaseApproval* added = c->add_approvals();
  added->set_approver(approver);
  added->set_signature(absl::Base64Escape(*signature));
  absl::Status written = WriteFileAtomically(file, CaseText(*c, file));
  if (!written.ok()) return Fail(kUsage, std::string(written.message()));
  std::printf("%s: case %s approved by %s (%d of %d approvals)\n", file.c_str(), c->case_id().c_str(),
              approver.c_str(), c->approvals_size(), std::max(2, (*policy)->policy().break_glass().required_approvals()));
  return kOk;
}

int Verify(const std::vector<std::string>& args) {
  absl::StatusOr<CtlArgs> a = ParseCtlArgs(args, {"--policy", "--pseudonym-key"});
  if (!a.ok() || a->positional.size() != 1) return Fail(kUsage, "verify needs --policy POLICY FILE");
  auto policy = LoadPolicy(a->Get("--policy"));
  if (!policy.ok()) return Fail(kUsage, std::string(policy.status().message()));
  std::unique_ptr<Pseudonymizer> pseudonymizer;
  if (!a->Get("--pseudonym-key").empty()) {
    auto loaded = Pseudonymizer::FromKeyFile(a->Get("--pseudonym-key"), false);
    if (!loaded.ok()) return Fail(kUsage, std::string(loaded.status().message()));
    pseudonymizer = *std::move(loaded);
  } else {  // without grensd's key the subjects cannot be shown as pseudonyms
    std::string random(32, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(random.data()), static_cast<int>(random.size()));
    pseudonymizer = Pseudonymizer::FromKey(random);
  }
  const LoadedCase c = LoadBreakGlassCase(a->positional[0], **policy, *pseudonymizer);
  if (!c.problem.empty()) {
    std::printf("%s: rejected: %s\n", c.file.c_str(), c.problem.c_str());
    return kFailed;
  }
  const char* states[] = {"", "scheduled", "in effect", "expired", "rejected"};
  std::printf("%s: valid: case %s under agreement %s, %s to %s, categories %s, approved by %s; now %s\n",
              c.file.c_str(), c.case_id.c_str(), (*policy)->policy().id().c_str(),
              absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", c.start, absl::UTCTimeZone()).c_str(),
              absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", c.end, absl::UTCTimeZone()).c_str(),
              absl::StrJoin(c.categories, ",").c_str(), absl::StrJoin(c.approvers, ", ").c_str(),
              states[CaseStateAt(c, absl::Now())]);
  if (!a->Get("--pseudonym-key").empty()) std::printf("subjects: %s\n", absl::StrJoin(c.pseudonyms, ", ").c_str());
  return kOk;
}

}  // namespace

int RunBreakGlassCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Fail(kUsage, "missing command");
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "create") return Create(rest);
  if (args[0] == "approve") return Approve(rest);
  if (args[0] == "verify") return Verify(rest);
  if (args[0] == "help" || args[0] == "--help") {
    std::fputs(kUsageText, stdout);
    return kOk;
  }
  return Fail(kUsage, absl::StrCat("unknown command '", args[0], "'"));
}

}  // namespace grens::plugin

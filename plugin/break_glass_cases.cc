#include "plugin/break_glass_cases.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grens/v1/break_glass.pb.h"
#include "plugin/ed25519.h"
#include "policy/break_glass.h"
#include "policy/file_util.h"
#include "policy/names.h"
#include "policy/yaml_proto.h"

namespace grens::plugin {
namespace {

using policy::CategoryName;

bool IsCaseFile(const std::string& name) {
  if (name.empty() || name[0] == '.') return false;
  for (const char* ext : {".yaml", ".yml", ".json", ".textproto", ".txtpb", ".pbtxt"}) {
    if (absl::EndsWith(name, ext)) return true;
  }
  return false;
}

std::string Joined(const std::vector<policy::Diagnostic>& diagnostics) {
  std::vector<std::string> parts;
  for (const policy::Diagnostic& d : diagnostics) parts.push_back(d.ToString());
  return absl::StrJoin(parts, "; ");
}

// Verifies every approval of `c`; returns the problem, or "" when enough
// distinct approvers signed and no signature is bad. Fills `out->approvers`.
std::string VerifyApprovals(const v1::Policy& policy, const v1::BreakGlassCase& c, LoadedCase* out) {
  absl::flat_hash_map<std::string, std::string> keys;
  absl::flat_hash_map<std::string, std::string> roles;
  for (const v1::Approver& a : policy.break_glass().approvers()) {
    absl::StatusOr<std::string> key = policy::DecodeApproverKey(a.public_key());
    if (key.ok()) keys[a.id()] = *key;
    roles[a.id()] = a.role();
  }
  const std::string text = policy::BreakGlassSignedText(c);
  std::set<std::string> signed_keys;
  for (int i = 0; i < c.approvals_size(); ++i) {
    const v1::CaseApproval& a = c.approvals(i);
    std::string signature;
    auto key = keys.find(a.approver());
    if (key == keys.end() || !absl::Base64Unescape(a.signature(), &signature) ||
        !VerifyEd25519(key->second, text, signature)) {
      return absl::StrCat("approvals[", i, "]: the signature of '", a.approver(),
                          "' does not verify: the case was changed after it was approved, or signed with another key");
    }
    if (signed_keys.insert(key->second).second) out->approvers.push_back(a.approver());
  }
  const size_t required = static_cast<size_t>(std::max(2, policy.break_glass().required_approvals()));
  if (signed_keys.size() < required) {
    return absl::StrCat("needs the signatures of ", required, " distinct approvers, has ", signed_keys.size(),
                        out->approvers.empty() ? "" : absl::StrCat(" (", absl::StrJoin(out->approvers, ", "), ")"));
  }
  for (const std::string& role : policy.break_glass().required_roles()) {
    bool signed_by_role = false;
    for (const std::string& approver : out->approvers) signed_by_role |= roles[approver] == role;
    if (!signed_by_role) return absl::StrCat("needs the signature of an approver with role '", role, "'");
  }
  return "";
}

void ResolveSubjects(const v1::BreakGlassCase& c, const Pseudonymizer& pseudonymizer, LoadedCase* out) {
  std::set<std::string> unique;
  for (const v1::CaseSubject& s : c.subjects()) {
    unique.insert(s.pseudonym().empty() ? pseudonymizer.Pseudonym(s.tenant(), s.id()) : s.pseudonym());
  }
  out->pseudonyms.assign(unique.begin(), unique.end());
}

}  // namespace

LoadedCase LoadBreakGlassCase(const std::string& path, const policy::CompiledPolicy& policy,
                              const Pseudonymizer& pseudonymizer) {
  LoadedCase out;
  out.file = path;
  absl::StatusOr<std::string> text = policy::ReadFileToString(path);
  if (!text.ok()) {
    out.problem = std::string(text.status().message());
    return out;
  }
  out.file_revision = policy::Sha256Hex(*text);
  v1::BreakGlassCase c;
  std::vector<policy::Diagnostic> diagnostics;
  policy::SourceMap positions;
  if (!policy::ParseMessage(*text, policy::FormatForPath(path), path, &c, &diagnostics, &positions).ok()) {
    out.problem = Joined(diagnostics);
    return out;
  }
  out.case_id = c.case_id();
  for (int category : c.categories()) out.categories.push_back(CategoryName(category));
  absl::StatusOr<policy::BreakGlassGrant> grant = policy::CheckBreakGlassCase(policy, c, &diagnostics);
  out.start = grant.ok() ? grant->start : absl::InfinitePast();
  out.end = grant.ok() ? grant->end : absl::InfinitePast();
  if (!grant.ok()) {
    for (policy::Diagnostic& d : diagnostics) {
      d.file = path;
      positions.Locate(&d);
    }
    out.problem = Joined(diagnostics);
    return out;
  }
  out.problem = VerifyApprovals(policy.policy(), c, &out);
  if (!out.problem.empty()) {
    out.problem = absl::StrCat(path, ": ", out.problem);
    return out;
  }
  ResolveSubjects(c, pseudonymizer, &out);
  out.grant = *std::move(grant);
  return out;
}

std::vector<LoadedCase> LoadBreakGlassCases(const std::string& path, const policy::CompiledPolicy& policy,
                                            const Pseudonymizer& pseudonymizer) {
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<LoadedCase> cases;
  if (!fs::is_directory(path, error)) {
    if (fs::exists(path, error)) cases.push_back(LoadBreakGlassCase(path, policy, pseudonymizer));
    return cases;
  }
  std::vector<std::string> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(path, error)) {
    const std::string name = entry.path().filename().string();
    if (IsCaseFile(name) && entry.is_regular_file(error)) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  for (const std::string& file : files) cases.push_back(LoadBreakGlassCase(file, policy, pseudonymizer));
  return cases;
}

CaseIndex::CaseIndex(const std::vector<const LoadedCase*>& cases) {
  for (const LoadedCase* c : cases) {
    for (const std::string& pseudonym : c->pseudonyms) by_pseudonym_[pseudonym].push_back(c->grant);
  }
}

absl::Span<const policy::BreakGlassGrant> CaseIndex::GrantsFor(const v1::MonitoringEvent& event,
                                                               const Pseudonymizer& pseudonymizer) const {
  if (by_pseudonym_.empty() || event.subject().id().empty()) return {};
  auto it = by_pseudonym_.find(pseudonymizer.Pseudonym(event.tenant(), event.subject().id()));
  if (it == by_pseudonym_.end()) return {};
  return it->second;
}

}  // namespace grens::plugin

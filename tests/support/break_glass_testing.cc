#include "tests/support/break_glass_testing.h"

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "policy/break_glass.h"
#include "tests/support/grensd_process.h"

namespace grens::testing {

std::vector<TestApprover> MakeApprovers() {
  std::vector<TestApprover> out;
  for (const char* id : {"ciso", "hr-director", "or-voorzitter"}) {
    auto key = plugin::Ed25519Key::Generate();
    if (!key.ok()) std::abort();
    out.push_back({id, *std::move(key)});
  }
  return out;
}

std::string NlPolicyWithApprovers(const std::vector<TestApprover>& approvers) {
  // The example's keys, in the order of MakeApprovers.
  const char* example[] = {"G0r23RoSAb9TmftdY7w/4ivcyLF2/b05vutiQ65c4Ds=",
                           "6yFWvtdO1OJgD6XsuM1GsOgK42FB2RxIt+r8vqmqOHg=",
                           "mKvGjjJGFpBox/Mii0CxCNhTJctnuyYuGbjyetpj/iE="};
  std::string text = SourceFile("policy/examples/nl-agreement.yaml");
  for (size_t i = 0; i < approvers.size() && i < 3; ++i) {
    text = absl::StrReplaceAll(text, {{example[i], absl::Base64Escape(approvers[i].key->public_key())}});
  }
  return text;
}

v1::BreakGlassCase MakeCase(const std::string& id, absl::Time start, absl::Time end,
                            const std::vector<v1::CaseSubject>& subjects) {
  v1::BreakGlassCase c;
  c.set_case_id(id);
  c.set_policy_id("nl-voorbeeld-2026");
  c.set_reason("SIEM alert: bulk download to a private cloud account");
  c.add_categories(v1::CATEGORY_SECURITY_AUDIT);
  c.add_categories(v1::CATEGORY_MESSAGE_CONTENT);
  c.mutable_start()->set_seconds(absl::ToUnixSeconds(start));
  c.mutable_end()->set_seconds(absl::ToUnixSeconds(end));
  for (const v1::CaseSubject& s : subjects) *c.add_subjects() = s;
  return c;
}

std::string SignedCaseText(v1::BreakGlassCase c, const std::vector<const TestApprover*>& signers) {
  c.clear_approvals();
  const std::string text = policy::BreakGlassSignedText(c);
  for (const TestApprover* a : signers) {
    auto signature = a->key->Sign(text);
    if (!signature.ok()) std::abort();
    v1::CaseApproval* approval = c.add_approvals();
    approval->set_approver(a->id);
    approval->set_signature(absl::Base64Escape(*signature));
  }
  std::string out;
  google::protobuf::TextFormat::PrintToString(c, &out);
  return out;
}

v1::CaseSubject SubjectById(const std::string& tenant, const std::string& id) {
  v1::CaseSubject s;
  s.set_tenant(tenant);
  s.set_id(id);
  return s;
}

v1::CaseSubject SubjectByPseudonym(const std::string& pseudonym) {
  v1::CaseSubject s;
  s.set_pseudonym(pseudonym);
  return s;
}

}  // namespace grens::testing

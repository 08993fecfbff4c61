#ifndef GRENS_TESTS_SUPPORT_BREAK_GLASS_TESTING_H_
#define GRENS_TESTS_SUPPORT_BREAK_GLASS_TESTING_H_

// Keys, agreements and case files for break-glass tests.

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "grens/v1/break_glass.pb.h"
#include "plugin/ed25519.h"

namespace grens::testing {

// An approver of the test agreement with a fresh key.
struct TestApprover {
  std::string id;
  std::unique_ptr<plugin::Ed25519Key> key;
};

// Fresh keys for the Dutch example's approvers: ciso, hr-director, or-voorzitter.
std::vector<TestApprover> MakeApprovers();

// The Dutch example agreement (policy/examples/nl-agreement.yaml) with these
// approvers' keys in place of the example's.
std::string NlPolicyWithApprovers(const std::vector<TestApprover>& approvers);

// A case under that agreement for `subjects`, in effect in [start, end), for
// SECURITY_AUDIT and MESSAGE_CONTENT.
v1::BreakGlassCase MakeCase(const std::string& id, absl::Time start, absl::Time end,
                            const std::vector<v1::CaseSubject>& subjects);

// `c` with valid approvals by `signers`, as text proto (for a *.textproto file).
std::string SignedCaseText(v1::BreakGlassCase c, const std::vector<const TestApprover*>& signers);

// A subject named by platform id.
v1::CaseSubject SubjectById(const std::string& tenant, const std::string& id);
// A subject named by pseudonym.
v1::CaseSubject SubjectByPseudonym(const std::string& pseudonym);

}  // namespace grens::testing

#endif  // GRENS_TESTS_SUPPORT_BREAK_GLASS_TESTING_H_

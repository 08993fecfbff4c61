#ifndef GRENS_POLICY_BREAK_GLASS_H_
#define GRENS_POLICY_BREAK_GLASS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grens/v1/break_glass.pb.h"
#include "policy/compiled_policy.h"
#include "policy/diagnostic.h"

// Break-glass (R11), the policy side: what a case file must say to be valid
// under an agreement, the text its approvers sign, and what the engine needs to
// honour it. Signatures and pseudonyms need keys, so grensd checks those and
// hands the engine BreakGlassGrants for the subject being judged; this library
// stays pure.

namespace grens::policy {

// Checks the break_glass section of `policy` (CompiledPolicy::Compile calls it;
// the compiler itself checks the clause id and the categories): a maximum
// duration, at least two distinct approvers with valid keys. Appends problems
// under "break_glass".
void CheckBreakGlassClause(const v1::Policy& policy, std::vector<Diagnostic>* diagnostics);

// The exact text each approver signs for `c`: "grens break-glass case v1" then
// one line per field (policy, case, reason, start, end, each category, each
// subject), categories and subjects sorted, strings quoted and C-escaped.
// Approvals and comments are not part of it, so a file can collect signatures.
std::string BreakGlassSignedText(const v1::BreakGlassCase& c);

// Checks `c` against the agreement's break_glass clause: case id and reason
// present, the case is for this agreement, start before end, the window within
// the agreement's maximum, each category allowed by the clause and not banned
// (R3), each subject named by exactly one of id and pseudonym (64 hex digits),
// approvers known to the agreement. Everything but the signatures. On success
// returns the grant the engine needs; on failure appends every problem (field
// path within the case file) to `diagnostics` and returns InvalidArgument.
absl::StatusOr<BreakGlassGrant> CheckBreakGlassCase(const CompiledPolicy& policy, const v1::BreakGlassCase& c,
                                                    std::vector<Diagnostic>* diagnostics);

// An approver's public key as written in the agreement (PEM text, its base64
// body, or base64 of the raw key) -> the raw 32-byte Ed25519 key.
// InvalidArgument saying what the text is not.
absl::StatusOr<std::string> DecodeApproverKey(absl::string_view text);

}  // namespace grens::policy

#endif  // GRENS_POLICY_BREAK_GLASS_H_

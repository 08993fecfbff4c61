#ifndef GRENS_POLICY_REDACTION_H_
#define GRENS_POLICY_REDACTION_H_

#include <memory>
#include <string>
#include <vector>

#include "grens/v1/policy.pb.h"
#include "policy/diagnostic.h"
#include "re2/re2.h"

namespace grens::policy {

// A named redaction pattern compiled once at policy load: an RE2 and an optional
// checksum that a match must pass before it is replaced (Dutch BSN eleven-test,
// IBAN mod-97), so that order numbers that merely look like a BSN stay readable.
// Immutable, so safe to share between threads (RE2 is thread-safe).
class RedactionPattern {
 public:
  enum class Checksum { kNone, kBsn11, kIbanMod97 };

  // Validates and compiles `proto`; appends problems (invalid RE2 with its error
  // text, unknown checksum) under `path` and returns null if there were any.
  static std::unique_ptr<const RedactionPattern> Compile(const v1::RedactionPattern& proto,
                                                         const std::string& path,
                                                         std::vector<Diagnostic>* diagnostics);

  // Replaces every qualifying match in `text`; returns whether any was replaced.
  bool Apply(std::string* text) const;

  const std::string& name() const { return name_; }

 private:
  RedactionPattern() = default;
  bool Qualifies(absl::string_view match) const;

  std::string name_;
  std::unique_ptr<RE2> re_;
  std::string replacement_;
  Checksum checksum_ = Checksum::kNone;
};

// The Dutch BSN eleven-test: 9 digits, weights 9..2 and -1, sum divisible by 11.
bool PassesBsn11(absl::string_view digits);
// ISO 13616 IBAN check: rearranged, letters as numbers, mod 97 == 1.
bool PassesIbanMod97(absl::string_view iban);

}  // namespace grens::policy

#endif  // GRENS_POLICY_REDACTION_H_

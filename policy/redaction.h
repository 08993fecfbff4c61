#ifndef GRENS_POLICY_REDACTION_H_
#define GRENS_POLICY_REDACTION_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "grens/v1/policy.pb.h"
#include "policy/diagnostic.h"
#include "re2/re2.h"
#include "re2/set.h"

namespace grens::policy {

// A pattern grens knows by name, so that an agreement can ask for "iban"
// without writing (and getting wrong) the RE2 and its checksum.
struct BuiltinPattern {
  const char* name;
  const char* pattern;
  const char* checksum;  // "" for none
  const char* description;
};

// The built-in catalogue, in the order patterns are applied: e-mail first (an
// address may hold digits), IBAN before the digit-only patterns, phone numbers
// before BSN and tax id.
absl::Span<const BuiltinPattern> BuiltinRedactionPatterns();
// The built-in of that name, or null.
const BuiltinPattern* FindBuiltinPattern(absl::string_view name);

// A named redaction pattern compiled once at policy load: an RE2 and an optional
// checksum that a match must pass before it is replaced (Dutch BSN eleven-test,
// IBAN mod-97, German tax id), so that order numbers that merely look like a BSN
// stay readable. Immutable, so safe to share between threads (RE2 is thread-safe).
class RedactionPattern {
 public:
  enum class Checksum { kNone, kBsn11, kIbanMod97, kDeTaxId };

  // Validates and compiles `proto` (resolving `builtin`); appends problems
  // (invalid RE2 with its error text, unknown checksum or built-in) under `path`
  // and returns null if there were any.
  static std::unique_ptr<const RedactionPattern> Compile(const v1::RedactionPattern& proto,
                                                         const std::string& path,
                                                         std::vector<Diagnostic>* diagnostics);
  // The built-in `builtin` under its own name; null if there is no such built-in.
  static std::unique_ptr<const RedactionPattern> Builtin(absl::string_view name);

  // Replaces every qualifying match in `text`; returns whether any was replaced.
  bool Apply(std::string* text) const;

  const std::string& name() const { return name_; }
  const std::string& pattern() const { return re_->pattern(); }

 private:
  RedactionPattern() = default;
  // Length of the prefix of `match` that passes the checksum (all of it when
  // there is none), or 0 when no prefix qualifies.
  size_t QualifyingLength(absl::string_view match) const;

  std::string name_;
  std::unique_ptr<RE2> re_;
  std::string replacement_;
  Checksum checksum_ = Checksum::kNone;
};

// The redaction patterns of one policy, in application order, with one RE2::Set
// over all of them: a text is scanned once to learn which patterns match
// anywhere in it, and only those are searched and replaced. A text that holds
// nothing to redact costs one scan, however many patterns a rule asks for.
// Immutable, so safe to share between threads.
class RedactionSet {
 public:
  // At most this many patterns: a rule names them as bits of a uint64_t.
  static constexpr int kMaxPatterns = 64;

  // Takes the patterns (none null) in application order. InvalidArgument if
  // there are too many or they cannot be compiled together.
  static absl::StatusOr<std::unique_ptr<const RedactionSet>> Build(
      std::vector<std::unique_ptr<const RedactionPattern>> patterns);
  RedactionSet(const RedactionSet&) = delete;
  RedactionSet& operator=(const RedactionSet&) = delete;

  // Applies the patterns whose bit (1 << index) is in `mask` to `text`, one
  // after the other in index order (a later pattern sees the replacements of
  // earlier ones); returns the bits of those that replaced something.
  uint64_t Apply(uint64_t mask, std::string* text) const;

  int size() const { return static_cast<int>(patterns_.size()); }
  const RedactionPattern& pattern(int index) const { return *patterns_[index]; }

 private:
  RedactionSet() = default;
  // Bits of the patterns that match somewhere in `text`, by the set's one scan.
  uint64_t Candidates(absl::string_view text) const;

  std::vector<std::unique_ptr<const RedactionPattern>> patterns_;
  std::unique_ptr<RE2::Set> set_;
};

// The Dutch BSN eleven-test: 9 digits, weights 9..2 and -1, sum divisible by 11.
bool PassesBsn11(absl::string_view digits);
// ISO 13616 IBAN check: rearranged, letters as numbers, mod 97 == 1.
bool PassesIbanMod97(absl::string_view iban);
// German tax identification number (Steuer-ID): 11 digits, no leading zero, in
// the first ten one digit appears twice or three times and no other repeats,
// and the last is the ISO 7064 MOD 11,10 check digit.
bool PassesDeTaxId(absl::string_view digits);

}  // namespace grens::policy

#endif  // GRENS_POLICY_REDACTION_H_

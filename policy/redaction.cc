#include "policy/redaction.h"

#include <array>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace grens::policy {
namespace {

// Separators: a space or '-' between digit groups ("06-12345678", "+49 30 ..."),
// '/' after a German area code, "(0)" for the trunk prefix after a country code.
constexpr BuiltinPattern kBuiltins[] = {
    {"email", R"([A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})", "",
     "e-mail address (local@domain.tld)"},
    {"iban", R"(\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}\b)", "iban_mod97",
     "IBAN, compact or in groups of four, with a valid ISO 13616 check"},
    {"phone_nl", R"((?:\+31[ -]?(?:\(0\)[ -]?)?|\b0031[ -]?|\b0)[1-9](?:[ -]?[0-9]){8}\b)", "",
     "Dutch phone number: +31, 0031 or 0 and nine digits (06-12345678, +31 20 123 4567)"},
    {"phone_de", R"((?:\+49[ -]?(?:\(0\)[ -]?)?|\b0049[ -]?|\b0)[1-9][0-9]{1,4}(?:[ /-]?[0-9]){5,10}\b)", "",
     "German phone number: +49, 0049 or 0, area code, subscriber number (030 12345678, 089/123456)"},
    {"phone_intl", R"(\+[1-9][0-9]{0,2}(?:[ .-]?(?:\([0-9]{1,4}\)[ .-]?)?[0-9]){6,13}\b)", "",
     "international number in E.164 style: '+', country code, 6 to 13 more digits"},
    {"bsn", R"(\b(?:[0-9]{9}|[0-9]{4}\.[0-9]{2}\.[0-9]{3}|[0-9]{3}\.[0-9]{3}\.[0-9]{3})\b)", "bsn11",
     "Dutch citizen service number (BSN) passing the eleven-test"},
    {"de_tax_id", R"(\b[1-9][0-9](?: ?[0-9]{3}){3}\b)", "de_tax_id",
     "German tax identification number (Steuer-ID) with a valid check digit"},
};

// IBAN lengths by country (ISO 13616 registry), so that a match that runs on
// into the next word is cut back to the IBAN itself.
struct IbanLength {
  char country[3];
  int length;
};
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
    {"BR", 29}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"DO", 28}, {"EE", 20},
    {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27}, {"KW", 30}, {"KZ", 20}, {"LB", 28},
    {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MT", 31},
    {"MU", 30}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"RS", 22}, {"SA", 24}, {"SE", 24},
    {"SI", 19}, {"SK", 24}, {"SM", 27}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"XK", 20},
};

int IbanLengthFor(absl::string_view country) {
  for (const IbanLength& l : kIbanLengths) {
    if (country == l.country) return l.length;
  }
  return 0;
}

// The digits of `match`: BSN and tax id checks ignore separators and any
// letters an agreement's own pattern puts around the number ("K111222333").
std::string Digits(absl::string_view match) {
  std::string out;
  for (char c : match) {
    if (absl::ascii_isdigit(c)) out.push_back(c);
  }
  return out;
}

// The IBAN at the start of `match`: as long as its country prescribes, ending at
// a separator or the end of the match; its length in `match` if it passes the
// check, else 0.
size_t IbanPrefix(absl::string_view match) {
  const int expected = IbanLengthFor(match.substr(0, 2));
  std::string compact;
  size_t end = 0;
  for (size_t i = 0; i < match.size(); ++i) {
    if (!absl::ascii_isalnum(match[i])) continue;
    compact.push_back(match[i]);
    end = i + 1;
    if (expected > 0 && static_cast<int>(compact.size()) == expected) break;
  }
  if (expected > 0 && static_cast<int>(compact.size()) != expected) return 0;
  if (end < match.size() && absl::ascii_isalnum(match[end])) return 0;  // never cut inside a word
  return PassesIbanMod97(compact) ? end : 0;
}

RE2::Options PatternOptions() {
  RE2::Options options;
  options.set_log_errors(false);
  return options;
}

}  // namespace

absl::Span<const BuiltinPattern> BuiltinRedactionPatterns() { return kBuiltins; }

const BuiltinPattern* FindBuiltinPattern(absl::string_view name) {
  for (const BuiltinPattern& b : kBuiltins) {
    if (name == b.name) return &b;
  }
  return nullptr;
}

bool PassesBsn11(absl::string_view digits) {
  if (digits.size() != 9) return false;
  int sum = 0;
  for (int i = 0; i < 9; ++i) {
    if (!absl::ascii_isdigit(digits[i])) return false;
    const int weight = i == 8 ? -1 : 9 - i;
    sum += weight * (digits[i] - '0');
  }
  return sum != 0 && sum % 11 == 0;
}

bool PassesIbanMod97(absl::string_view iban) {
  if (iban.size() < 15 || iban.size() > 34) return false;
  int remainder = 0;
  auto feed = [&remainder](char c) {
    if (absl::ascii_isdigit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      const int value = absl::ascii_toupper(c) - 'A' + 10;
      remainder = (remainder * 100 + value) % 97;
    }
  };
  for (char c : iban) {
    if (!absl::ascii_isalnum(c)) return false;
  }
  for (char c : iban.substr(4)) feed(c);
  for (char c : iban.substr(0, 4)) feed(c);
  return remainder == 1;
}

bool PassesDeTaxId(absl::string_view digits) {
  if (digits.size() != 11 || digits[0] == '0') return false;
  std::array<int, 10> counts{};
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  for (int i = 0; i < 10; ++i) ++counts[digits[i] - '0'];
  int repeated = 0;
  for (int count : counts) {
    if (count > 3) return false;
    if (count >= 2) ++repeated;
  }
  if (repeated != 1) return false;
  int product = 10;  // ISO 7064 MOD 11,10
  for (int i = 0; i < 10; ++i) {
    int sum = (digits[i] - '0' + product) % 10;
    if (sum == 0) sum = 10;
    product = (sum * 2) % 11;
  }
  const int check = (11 - product) % 10;
  return check == digits[10] - '0';
}

std::unique_ptr<const RedactionPattern> RedactionPattern::Compile(
    const v1::RedactionPattern& proto, const std::string& path, std::vector<Diagnostic>* diagnostics) {
  auto pattern = std::unique_ptr<RedactionPattern>(new RedactionPattern());
  pattern->name_ = proto.name();
  pattern->replacement_ = proto.replacement().empty() ? absl::StrCat("[", proto.name(), "]") : proto.replacement();
  std::string regex = proto.pattern();
  std::string checksum = proto.checksum();
  bool ok = true;
  if (!proto.builtin().empty()) {
    const BuiltinPattern* builtin = FindBuiltinPattern(proto.builtin());
    if (builtin == nullptr) {
      std::vector<std::string> names;
      for (const BuiltinPattern& b : kBuiltins) names.push_back(b.name);
      diagnostics->push_back({"", 0, 0, path + ".builtin",
                              absl::StrCat("unknown built-in pattern '", proto.builtin(), "'; one of: ",
                                           absl::StrJoin(names, ", "))});
      return nullptr;
    }
    if (!regex.empty() || !checksum.empty()) {
      diagnostics->push_back({"", 0, 0, path + ".builtin", "a built-in brings its own pattern and checksum; leave them empty"});
      return nullptr;
    }
    regex = builtin->pattern;
    checksum = builtin->checksum;
  }
  if (checksum == "bsn11") {
    pattern->checksum_ = Checksum::kBsn11;
  } else if (checksum == "iban_mod97") {
    pattern->checksum_ = Checksum::kIbanMod97;
  } else if (checksum == "de_tax_id") {
    pattern->checksum_ = Checksum::kDeTaxId;
  } else if (!checksum.empty()) {
    diagnostics->push_back({"", 0, 0, path + ".checksum",
                            absl::StrCat("unknown checksum '", checksum, "'; one of: bsn11, iban_mod97, de_tax_id")});
    ok = false;
  }
  pattern->re_ = std::make_unique<RE2>(re2::StringPiece(regex), PatternOptions());
  if (regex.empty() || !pattern->re_->ok()) {
    diagnostics->push_back({"", 0, 0, path + ".pattern",
                            absl::StrCat("invalid RE2 pattern '", regex, "': ",
                                         regex.empty() ? "empty" : pattern->re_->error())});
    ok = false;
  }
  if (!ok) return nullptr;
  return pattern;
}

std::unique_ptr<const RedactionPattern> RedactionPattern::Builtin(absl::string_view name) {
  if (FindBuiltinPattern(name) == nullptr) return nullptr;
  v1::RedactionPattern proto;
  proto.set_name(std::string(name));
  proto.set_builtin(std::string(name));
  std::vector<Diagnostic> ignored;  // the catalogue compiles; redaction_test proves it
  return Compile(proto, "builtin", &ignored);
}

size_t RedactionPattern::QualifyingLength(absl::string_view match) const {
  switch (checksum_) {
    case Checksum::kNone: return match.size();
    case Checksum::kBsn11: return PassesBsn11(Digits(match)) ? match.size() : 0;
    case Checksum::kDeTaxId: return PassesDeTaxId(Digits(match)) ? match.size() : 0;
    case Checksum::kIbanMod97: return IbanPrefix(match);
  }
  return 0;
}

bool RedactionPattern::Apply(std::string* text) const {
  re2::StringPiece input(*text);
  re2::StringPiece match;
  size_t position = 0;
  std::string out;
  bool replaced = false;
  while (position <= input.size() &&
         re_->Match(input, position, input.size(), RE2::UNANCHORED, &match, 1)) {
    const size_t start = static_cast<size_t>(match.data() - input.data());
    size_t end = start + match.size();
    const size_t qualifying = QualifyingLength(absl::string_view(match.data(), match.size()));
    if (qualifying > 0) {
      out.append(input.data() + position, start - position);
      out.append(replacement_);
      replaced = true;
      end = start + qualifying;  // the rest of the match is searched again
    } else {
      out.append(input.data() + position, end - position);
    }
    // An empty match must still move forward.
    if (end == position) {
      if (end < input.size()) out.push_back(input[end]);
      position = end + 1;
    } else {
      position = end;
    }
  }
  if (!replaced) return false;
  if (position < input.size()) out.append(input.data() + position, input.size() - position);
  *text = std::move(out);
  return true;
}

absl::StatusOr<std::unique_ptr<const RedactionSet>> RedactionSet::Build(
    std::vector<std::unique_ptr<const RedactionPattern>> patterns) {
  if (patterns.size() > static_cast<size_t>(kMaxPatterns)) {
    return absl::InvalidArgumentError(absl::StrCat("at most ", kMaxPatterns, " redaction patterns are supported, found ",
                                                   patterns.size()));
  }
  auto set = std::unique_ptr<RedactionSet>(new RedactionSet());
  set->set_ = std::make_unique<RE2::Set>(PatternOptions(), RE2::UNANCHORED);
  for (const auto& p : patterns) {
    std::string error;
    if (set->set_->Add(re2::StringPiece(p->pattern()), &error) < 0) {
      return absl::InvalidArgumentError(absl::StrCat("redaction pattern '", p->name(), "': ", error));
    }
  }
  if (!patterns.empty() && !set->set_->Compile()) {
    return absl::InvalidArgumentError("the redaction patterns are too large to compile together");
  }
  set->patterns_ = std::move(patterns);
  return std::unique_ptr<const RedactionSet>(std::move(set));
}

uint64_t RedactionSet::Candidates(absl::string_view text) const {
  std::vector<int> hits;
  RE2::Set::ErrorInfo error;
  if (set_->Match(re2::StringPiece(text.data(), text.size()), &hits, &error)) {
    uint64_t bits = 0;
    for (int hit : hits) bits |= uint64_t{1} << hit;
    return bits;
  }
  // No match, or the DFA gave up (out of memory on a hostile text): then every
  // pattern is searched on its own, never skipped.
  return error.kind == RE2::Set::kNoError ? 0 : ~uint64_t{0};
}

uint64_t RedactionSet::Apply(uint64_t mask, std::string* text) const {
  if (mask == 0 || text->empty()) return 0;
  uint64_t todo = mask & Candidates(*text);
  uint64_t fired = 0;
  for (int i = 0; todo != 0 && i < size(); ++i) {
    const uint64_t bit = uint64_t{1} << i;
    if (!(todo & bit)) continue;
    todo &= ~bit;
    if (patterns_[i]->Apply(text)) fired |= bit;
  }
  return fired;
}

}  // namespace grens::policy

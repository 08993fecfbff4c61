#include "policy/redaction.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace grens::policy {

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

std::unique_ptr<const RedactionPattern> RedactionPattern::Compile(
    const v1::RedactionPattern& proto, const std::string& path, std::vector<Diagnostic>* diagnostics) {
  auto pattern = std::unique_ptr<RedactionPattern>(new RedactionPattern());
  pattern->name_ = proto.name();
  pattern->replacement_ = proto.replacement().empty() ? absl::StrCat("[", proto.name(), "]") : proto.replacement();
  bool ok = true;
  if (proto.checksum() == "bsn11") {
    pattern->checksum_ = Checksum::kBsn11;
  } else if (proto.checksum() == "iban_mod97") {
    pattern->checksum_ = Checksum::kIbanMod97;
  } else if (!proto.checksum().empty()) {
    diagnostics->push_back({"", 0, 0, path + ".checksum",
                            absl::StrCat("unknown checksum '", proto.checksum(), "'; one of: bsn11, iban_mod97")});
    ok = false;
  }
  RE2::Options options;
  options.set_log_errors(false);
  pattern->re_ = std::make_unique<RE2>(re2::StringPiece(proto.pattern()), options);
  if (proto.pattern().empty() || !pattern->re_->ok()) {
    diagnostics->push_back({"", 0, 0, path + ".pattern",
                            absl::StrCat("invalid RE2 pattern '", proto.pattern(), "': ",
                                         proto.pattern().empty() ? "empty" : pattern->re_->error())});
    ok = false;
  }
  if (!ok) return nullptr;
  return pattern;
}

bool RedactionPattern::Qualifies(absl::string_view match) const {
  switch (checksum_) {
    case Checksum::kNone: return !match.empty();
    case Checksum::kBsn11: return PassesBsn11(match);
    case Checksum::kIbanMod97: return PassesIbanMod97(match);
  }
  return false;
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
    const size_t end = start + match.size();
    if (Qualifies(absl::string_view(match.data(), match.size()))) {
      out.append(input.data() + position, start - position);
      out.append(replacement_);
      replaced = true;
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

}  // namespace grens::policy

#include "policy/break_glass.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "policy/durations.h"
#include "policy/names.h"

namespace grens::policy {
namespace {

// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw key follows.
constexpr char kEd25519SpkiPrefix[] = "\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00";
constexpr size_t kEd25519SpkiPrefixSize = 12;

std::string Quoted(absl::string_view text) { return absl::StrCat("\"", absl::CEscape(text), "\""); }

bool IsCaseId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/';
  });
}

bool IsPseudonym(absl::string_view p) {
  return p.size() == 64 && std::all_of(p.begin(), p.end(), [](char c) {
           return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f');
         });
}

// The ban that covers `category`, or null.
const v1::AbsoluteBan* BanFor(const v1::Policy& policy, int category) {
  for (const v1::AbsoluteBan& ban : policy.bans()) {
    if (std::find(ban.categories().begin(), ban.categories().end(), category) != ban.categories().end()) return &ban;
  }
  return nullptr;
}

// Checks the case's categories against the clause and the bans; returns their mask.
uint32_t CheckCategories(const v1::Policy& p, const v1::BreakGlassCase& c, std::vector<Diagnostic>* d) {
  const v1::BreakGlass& clause = p.break_glass();
  uint32_t mask = 0;
  if (c.categories().empty()) d->push_back({"", 0, 0, "categories", "a case must name the categories it unlocks"});
  for (int i = 0; i < c.categories_size(); ++i) {
    const int category = c.categories(i);
    const std::string path = absl::StrCat("categories[", i, "]");
    if (category <= v1::CATEGORY_UNSPECIFIED || !v1::Category_IsValid(category)) {
      d->push_back({"", 0, 0, path, absl::StrCat("unknown category (value ", category, ")")});
    } else if (const v1::AbsoluteBan* ban = BanFor(p, category)) {
      d->push_back({"", 0, 0, path,
                    absl::StrCat(CategoryName(category), " is banned absolutely by clause ", ban->clause(),
                                 "; no break-glass case can unlock it")});
    } else if (!clause.categories().empty() &&
               std::find(clause.categories().begin(), clause.categories().end(), category) ==
                   clause.categories().end()) {
      d->push_back({"", 0, 0, path,
                    absl::StrCat("clause ", clause.clause(), " does not allow break-glass for ", CategoryName(category))});
    } else {
      mask |= 1u << category;
    }
  }
  return mask;
}

void CheckSubjects(const v1::BreakGlassCase& c, std::vector<Diagnostic>* d) {
  if (c.subjects().empty()) d->push_back({"", 0, 0, "subjects", "a case must name its subjects"});
  for (int i = 0; i < c.subjects_size(); ++i) {
    const v1::CaseSubject& s = c.subjects(i);
    const std::string path = absl::StrCat("subjects[", i, "]");
    if (s.id().empty() == s.pseudonym().empty()) {
      d->push_back({"", 0, 0, path, "name the subject by exactly one of id and pseudonym"});
    } else if (!s.pseudonym().empty() && !IsPseudonym(s.pseudonym())) {
      d->push_back({"", 0, 0, path + ".pseudonym", "a pseudonym is 64 lower-case hex digits, as the decision log shows it"});
    } else if (!s.pseudonym().empty() && !s.tenant().empty()) {
      d->push_back({"", 0, 0, path + ".tenant", "a pseudonym already includes the tenant; leave tenant empty"});
    }
  }
}

void CheckWindow(const v1::Policy& p, const v1::BreakGlassCase& c, std::vector<Diagnostic>* d) {
  if (!c.has_start()) d->push_back({"", 0, 0, "start", "missing"});
  if (!c.has_end()) d->push_back({"", 0, 0, "end", "missing"});
  if (!c.has_start() || !c.has_end()) return;
  const absl::Duration window = ToTime(c.end()) - ToTime(c.start());
  absl::StatusOr<absl::Duration> max = ParseAgreementDuration(p.break_glass().max_duration());
  if (window <= absl::ZeroDuration()) {
    d->push_back({"", 0, 0, "end", "the case must end after it starts"});
  } else if (max.ok() && window > *max) {
    d->push_back({"", 0, 0, "end",
                  absl::StrCat("the window of ", absl::FormatDuration(window), " exceeds the maximum of ",
                               p.break_glass().max_duration(), " in clause ", p.break_glass().clause())});
  }
}

}  // namespace

absl::StatusOr<std::string> DecodeApproverKey(absl::string_view text) {
  std::string body(absl::StripAsciiWhitespace(text));
  if (absl::StrContains(body, "-----BEGIN")) {
    if (!absl::StrContains(body, "-----BEGIN PUBLIC KEY-----") || !absl::StrContains(body, "-----END PUBLIC KEY-----")) {
      return absl::InvalidArgumentError("not a PEM public key (BEGIN PUBLIC KEY ... END PUBLIC KEY)");
    }
    body = body.substr(body.find("-----BEGIN PUBLIC KEY-----") + 26);
    body = body.substr(0, body.find("-----END PUBLIC KEY-----"));
  }
  body.erase(std::remove_if(body.begin(), body.end(), [](char c) { return absl::ascii_isspace(c); }), body.end());
  std::string bytes;
  if (body.empty() || !absl::Base64Unescape(body, &bytes)) return absl::InvalidArgumentError("not base64");
  if (bytes.size() == 32) return bytes;
  if (bytes.size() == kEd25519SpkiPrefixSize + 32 &&
      bytes.compare(0, kEd25519SpkiPrefixSize, kEd25519SpkiPrefix, kEd25519SpkiPrefixSize) == 0) {
    return bytes.substr(kEd25519SpkiPrefixSize);
  }
  return absl::InvalidArgumentError(absl::StrCat("not an Ed25519 public key (", bytes.size(), " bytes)"));
}

void CheckBreakGlassClause(const v1::Policy& policy, std::vector<Diagnostic>* d) {
  if (!policy.has_break_glass()) return;
  const v1::BreakGlass& b = policy.break_glass();
  if (b.clause().empty()) d->push_back({"", 0, 0, "break_glass.clause", "cite the clause that allows break-glass"});
  absl::StatusOr<absl::Duration> max = ParseAgreementDuration(b.max_duration());
  if (b.max_duration().empty()) {
    d->push_back({"", 0, 0, "break_glass.max_duration", "a case must be time-boxed: give the longest window (\"14d\")"});
  } else if (!max.ok()) {
    d->push_back({"", 0, 0, "break_glass.max_duration", std::string(max.status().message())});
  } else if (*max <= absl::ZeroDuration()) {
    d->push_back({"", 0, 0, "break_glass.max_duration", "must be longer than zero"});
  }
  if (b.required_approvals() != 0 && b.required_approvals() < 2) {
    d->push_back({"", 0, 0, "break_glass.required_approvals", "the two-person rule needs at least 2"});
  }
  const int required = std::max(2, b.required_approvals());
  std::set<std::string> ids, keys;
  for (int i = 0; i < b.approvers_size(); ++i) {
    const v1::Approver& a = b.approvers(i);
    const std::string path = absl::StrCat("break_glass.approvers[", i, "]");
    if (a.id().empty()) d->push_back({"", 0, 0, path + ".id", "approver without id"});
    else if (!ids.insert(a.id()).second) d->push_back({"", 0, 0, path + ".id", absl::StrCat("duplicate approver '", a.id(), "'")});
    absl::StatusOr<std::string> key = DecodeApproverKey(a.public_key());
    if (!key.ok()) {
      d->push_back({"", 0, 0, path + ".public_key", std::string(key.status().message())});
    } else if (!keys.insert(*key).second) {
      d->push_back({"", 0, 0, path + ".public_key", "two approvers share one key: they would count as one person"});
    }
  }
  for (int i = 0; i < b.required_roles_size(); ++i) {
    bool named = false;
    for (const v1::Approver& a : b.approvers()) named |= a.role() == b.required_roles(i);
    if (!named) {
      d->push_back({"", 0, 0, absl::StrCat("break_glass.required_roles[", i, "]"),
                    absl::StrCat("no approver has role '", b.required_roles(i), "', so no case could ever be approved")});
    }
  }
  if (b.approvers_size() < required) {
    d->push_back({"", 0, 0, "break_glass.approvers",
                  absl::StrCat(required, " distinct approvers must sign a case, but only ", b.approvers_size(),
                               " are named")});
  }
}

std::string BreakGlassSignedText(const v1::BreakGlassCase& c) {
  std::set<int> categories(c.categories().begin(), c.categories().end());
  std::set<std::string> subjects;
  for (const v1::CaseSubject& s : c.subjects()) {
    subjects.insert(s.pseudonym().empty() ? absl::StrCat("subject id ", Quoted(s.tenant()), " ", Quoted(s.id()))
                                          : absl::StrCat("subject pseudonym ", Quoted(s.pseudonym())));
  }
  std::string text = absl::StrCat("grens break-glass case v1\npolicy ", Quoted(c.policy_id()), "\ncase ",
                                  Quoted(c.case_id()), "\nreason ", Quoted(c.reason()), "\nstart ", Utc(c.start()),
                                  "\nend ", Utc(c.end()), "\n");
  for (int category : categories) absl::StrAppend(&text, "category ", CategoryName(category), "\n");
  for (const std::string& s : subjects) absl::StrAppend(&text, s, "\n");
  return text;
}

absl::StatusOr<BreakGlassGrant> CheckBreakGlassCase(const CompiledPolicy& policy, const v1::BreakGlassCase& c,
                                                    std::vector<Diagnostic>* d) {
  const v1::Policy& p = policy.policy();
  const size_t before = d->size();
  if (!p.has_break_glass()) {
    d->push_back({"", 0, 0, "", absl::StrCat("agreement '", p.id(), "' has no break_glass clause: no case can be opened")});
    return DiagnosticsToStatus({d->begin() + before, d->end()});
  }
  if (!IsCaseId(c.case_id())) {
    d->push_back({"", 0, 0, "case_id", "a case id of letters, digits, '.', '_', '-', '/' (at most 128) is required"});
  }
  if (c.reason().empty()) d->push_back({"", 0, 0, "reason", "a case needs its reason (the concrete suspicion)"});
  if (c.policy_id() != p.id()) {
    d->push_back({"", 0, 0, "policy_id",
                  absl::StrCat("the case is for agreement '", c.policy_id(), "', not '", p.id(), "'")});
  }
  CheckWindow(p, c, d);
  const uint32_t mask = CheckCategories(p, c, d);
  CheckSubjects(c, d);
  std::set<std::string> approvers;
  for (const v1::Approver& a : p.break_glass().approvers()) approvers.insert(a.id());
  for (int i = 0; i < c.approvals_size(); ++i) {
    if (!approvers.count(c.approvals(i).approver())) {
      d->push_back({"", 0, 0, absl::StrCat("approvals[", i, "].approver"),
                    absl::StrCat("'", c.approvals(i).approver(), "' is not an approver in clause ",
                                 p.break_glass().clause())});
    }
  }
  if (d->size() != before) return DiagnosticsToStatus({d->begin() + before, d->end()});
  BreakGlassGrant grant;
  grant.case_id = c.case_id();
  grant.category_mask = mask;
  grant.start = ToTime(c.start());
  grant.end = ToTime(c.end());
  return grant;
}

}  // namespace grens::policy

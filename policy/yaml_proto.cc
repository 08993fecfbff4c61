#include "policy/yaml_proto.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/timestamp.pb.h"
#include "policy/durations.h"
#include "yaml-cpp/yaml.h"

namespace grens::policy {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// Edit distance, to suggest the field an admin probably meant.
size_t EditDistance(absl::string_view a, absl::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Suggestion(absl::string_view key, const Descriptor* descriptor) {
  std::string best;
  size_t best_distance = 3;  // Only suggest close names.
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const std::string& name = descriptor->field(i)->name();
    const size_t d = EditDistance(absl::AsciiStrToLower(key), name);
    if (d < best_distance) {
      best_distance = d;
      best = name;
    }
  }
  return best.empty() ? "" : absl::StrCat(" (did you mean '", best, "'?)");
}

// The enum value `text` names: the full name ("CATEGORY_SCREENSHOT") or the
// name without the enum's prefix ("SCREENSHOT"), in any case.
const EnumValueDescriptor* FindEnumValue(const EnumDescriptor* type, absl::string_view text) {
  const std::string upper = absl::AsciiStrToUpper(text);
  if (const EnumValueDescriptor* v = type->FindValueByName(upper)) return v;
  for (int i = 0; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    const size_t underscore = name.find('_');
    if (underscore == std::string::npos) continue;
    // The prefix is the enum name in UPPER_SNAKE ("CAP_ACTION_"), so compare
    // suffixes of increasing length.
    for (size_t cut = underscore; cut != std::string::npos; cut = name.find('_', cut + 1)) {
      if (absl::string_view(name).substr(cut + 1) == upper) return type->value(i);
    }
  }
  return nullptr;
}

// Allowed spellings of an enum, for error messages (prefix and _UNSPECIFIED dropped).
std::string EnumChoices(const EnumDescriptor* type) {
  std::vector<std::string> names;
  std::string prefix;
  for (int i = 0; i < type->value_count(); ++i) {
    const std::string& name = type->value(i)->name();
    if (absl::EndsWith(name, "_UNSPECIFIED")) {
      prefix = name.substr(0, name.size() - std::string("UNSPECIFIED").size());
      continue;
    }
    names.push_back(!prefix.empty() && absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name);
  }
  return absl::StrJoin(names, ", ");
}

bool ParseBool(absl::string_view text, bool* out) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "yes" || lower == "on") {
    *out = true;
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "off") {
    *out = false;
    return true;
  }
  return false;
}

// How many values a YAML document may stand for, per byte of its text. Every
// node of a document without aliases takes at least one byte; aliases can make
// a few bytes stand for any number of nodes (60 calendars of 60 windows of 60
// days in 1 KB), so what they add is bounded: ample for sharing a block of
// office hours, never a denial of service.
constexpr int64_t kValuesPerByte = 4;
constexpr int64_t kMinValueBudget = 10000;

// Walks a YAML document into a message by reflection, collecting diagnostics.
// Reads at most `value_budget` values (scalars, mappings and list items, each
// alias use counted again), then stops with one diagnostic.
class YamlReader {
 public:
  YamlReader(absl::string_view filename, std::vector<Diagnostic>* diagnostics, SourceMap* positions,
             int64_t value_budget)
      : filename_(filename), diagnostics_(diagnostics), positions_(positions), values_left_(value_budget) {}

  void ReadMessage(const YAML::Node& node, Message* message, const std::string& path);

 private:
  void Error(const YAML::Node& node, const std::string& path, std::string message) {
    Diagnostic d;
    d.file = filename_;
    d.line = node.Mark().line + 1;
    d.column = node.Mark().column + 1;
    d.field_path = path;
    d.message = std::move(message);
    diagnostics_->push_back(std::move(d));
  }
  void Record(const YAML::Node& node, const std::string& path) {
    if (positions_ != nullptr) positions_->Add(path, node.Mark().line + 1, node.Mark().column + 1);
  }
  void ReadField(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                 const std::string& path);
  void ReadMap(const YAML::Node& value, Message* message, const FieldDescriptor* field,
               const std::string& path);
  void ReadValue(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                 const std::string& path);
  bool ReadSpecialMessage(const YAML::Node& value, Message* message, const std::string& path);
  // Counts one value against the budget; false (after one diagnostic) once it is spent.
  bool Spend(const YAML::Node& node, const std::string& path);

  std::string filename_;
  std::vector<Diagnostic>* diagnostics_;
  SourceMap* positions_;
  int64_t values_left_;
};

bool YamlReader::Spend(const YAML::Node& node, const std::string& path) {
  if (values_left_ < 0) return false;
  if (--values_left_ >= 0) return true;
  Error(node, path,
        "the document stands for more values than its size allows: YAML aliases (*name) repeat too much of it");
  return false;
}

void YamlReader::ReadMessage(const YAML::Node& node, Message* message, const std::string& path) {
  if (ReadSpecialMessage(node, message, path)) return;
  if (!node.IsMap()) {
    Error(node, path, absl::StrCat("expected a mapping of ", message->GetDescriptor()->name(), " fields"));
    return;
  }
  const Descriptor* descriptor = message->GetDescriptor();
  absl::flat_hash_set<const FieldDescriptor*> seen;
  for (const auto& entry : node) {
    if (values_left_ < 0) return;
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const std::string child = path.empty() ? key : absl::StrCat(path, ".", key);
    const FieldDescriptor* field = descriptor->FindFieldByName(key);
    if (field == nullptr) field = descriptor->FindFieldByCamelcaseName(key);
    if (field == nullptr) {
      Error(entry.first, child,
            absl::StrCat("unknown field '", key, "' in ", descriptor->name(), Suggestion(key, descriptor)));
      continue;
    }
    if (!seen.insert(field).second) {
      Error(entry.first, child, absl::StrCat("field '", key, "' is given twice"));
      continue;
    }
    const std::string field_path = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    Record(entry.second, field_path);
    if (entry.second.IsNull()) continue;  // "key:" with no value leaves the field unset.
    ReadField(entry.second, message, field, field_path);
  }
}

void YamlReader::ReadField(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                           const std::string& path) {
  if (field->is_map()) {
    ReadMap(value, message, field, path);
    return;
  }
  if (!field->is_repeated()) {
    ReadValue(value, message, field, path);
    return;
  }
  if (!value.IsSequence()) {
    Error(value, path, "expected a list");
    return;
  }
  for (size_t i = 0; i < value.size() && values_left_ >= 0; ++i) {
    const std::string element = absl::StrCat(path, "[", i, "]");
    Record(value[i], element);
    ReadValue(value[i], message, field, element);
  }
}

void YamlReader::ReadMap(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                         const std::string& path) {
  if (!value.IsMap()) {
    Error(value, path, "expected a mapping");
    return;
  }
  const Reflection* reflection = message->GetReflection();
  const FieldDescriptor* key_field = field->message_type()->map_key();
  const FieldDescriptor* value_field = field->message_type()->map_value();
  for (const auto& entry : value) {
    if (values_left_ < 0) return;
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const std::string entry_path = absl::StrCat(path, ".", key);
    Record(entry.second, entry_path);
    Message* map_entry = reflection->AddMessage(message, field);
    ReadValue(entry.first, map_entry, key_field, entry_path);
    ReadValue(entry.second, map_entry, value_field, entry_path);
  }
}

bool YamlReader::ReadSpecialMessage(const YAML::Node& value, Message* message, const std::string& path) {
  const std::string& type = message->GetDescriptor()->full_name();
  if (type != "google.protobuf.Timestamp" && type != "google.protobuf.Duration") return false;
  if (!value.IsScalar()) {
    Error(value, path, type == "google.protobuf.Timestamp"
                           ? "expected an RFC 3339 time such as \"2026-03-10T09:00:00Z\""
                           : "expected a duration such as \"30d\"");
    return true;
  }
  if (type == "google.protobuf.Timestamp") {
    absl::Time t;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, value.Scalar(), &t, &error)) {
      Error(value, path, absl::StrCat("bad time '", value.Scalar(), "': want RFC 3339, e.g. \"2026-03-10T09:00:00Z\""));
      return true;
    }
    auto* ts = static_cast<google::protobuf::Timestamp*>(message);
    const absl::Duration since_epoch = t - absl::UnixEpoch();
    ts->set_seconds(absl::ToInt64Seconds(absl::Floor(since_epoch, absl::Seconds(1))));
    ts->set_nanos(static_cast<int>(absl::ToInt64Nanoseconds(since_epoch % absl::Seconds(1))));
    return true;
  }
  absl::StatusOr<absl::Duration> d = ParseAgreementDuration(value.Scalar());
  if (!d.ok()) {
    Error(value, path, std::string(d.status().message()));
    return true;
  }
  static_cast<google::protobuf::Duration*>(message)->set_seconds(absl::ToInt64Seconds(*d));
  return true;
}

void YamlReader::ReadValue(const YAML::Node& value, Message* message, const FieldDescriptor* field,
                           const std::string& path) {
  if (!Spend(value, path)) return;
  const Reflection* r = message->GetReflection();
  const bool repeated = field->is_repeated();
  if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    Message* child = repeated ? r->AddMessage(message, field) : r->MutableMessage(message, field);
    ReadMessage(value, child, path);
    return;
  }
  if (!value.IsScalar()) {
    Error(value, path, absl::StrCat("expected a single ", field->cpp_type_name(), " value"));
    return;
  }
  const std::string& text = value.Scalar();
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      repeated ? r->AddString(message, field, text) : r->SetString(message, field, text);
      return;
    case FieldDescriptor::CPPTYPE_BOOL: {
      bool b;
      if (!ParseBool(text, &b)) return Error(value, path, absl::StrCat("expected true or false, got '", text, "'"));
      repeated ? r->AddBool(message, field, b) : r->SetBool(message, field, b);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT32: {
      int32_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(value, path, absl::StrCat("expected a 32-bit integer, got '", text, "'"));
      repeated ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      int64_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(value, path, absl::StrCat("expected an integer, got '", text, "'"));
      repeated ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(value, path, absl::StrCat("expected a non-negative integer, got '", text, "'"));
      repeated ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t v;
      if (!absl::SimpleAtoi(text, &v)) return Error(value, path, absl::StrCat("expected a non-negative integer, got '", text, "'"));
      repeated ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      double v;
      if (!absl::SimpleAtod(text, &v)) return Error(value, path, absl::StrCat("expected a number, got '", text, "'"));
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        repeated ? r->AddFloat(message, field, static_cast<float>(v)) : r->SetFloat(message, field, static_cast<float>(v));
      } else {
        repeated ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
      }
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const EnumValueDescriptor* v = FindEnumValue(field->enum_type(), text);
      if (v == nullptr) {
        return Error(value, path, absl::StrCat("unknown ", field->enum_type()->name(), " '", text,
                                               "'; one of: ", EnumChoices(field->enum_type())));
      }
      repeated ? r->AddEnum(message, field, v) : r->SetEnum(message, field, v);
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return;  // Handled above.
  }
}

// Collects text-format parse errors as diagnostics.
class DiagnosticCollector : public google::protobuf::io::ErrorCollector {
 public:
  DiagnosticCollector(absl::string_view filename, std::vector<Diagnostic>* out)
      : filename_(filename), out_(out) {}
  void AddError(int line, int column, const std::string& message) override {
    Diagnostic d;
    d.file = filename_;
    d.line = line + 1;
    d.column = column + 1;
    d.message = message;
    out_->push_back(std::move(d));
  }
  void AddWarning(int, int, const std::string&) override {}

 private:
  std::string filename_;
  std::vector<Diagnostic>* out_;
};

// Fills `positions` from a text-format parse tree, with the same field paths
// the YAML reader records.
void RecordParseTree(const Message& message, const google::protobuf::TextFormat::ParseInfoTree* tree,
                     const std::string& path, SourceMap* positions) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string field_path = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    const int count = field->is_repeated() ? message.GetReflection()->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const int index = field->is_repeated() ? i : -1;
      const std::string element = field->is_repeated() ? absl::StrCat(field_path, "[", i, "]") : field_path;
      const auto location = tree->GetLocation(field, index);
      if (location.line >= 0) {
        positions->Add(element, location.line + 1, location.column + 1);
        if (i == 0) positions->Add(field_path, location.line + 1, location.column + 1);
      }
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE || field->is_map()) continue;
      const Message& child = field->is_repeated()
                                 ? message.GetReflection()->GetRepeatedMessage(message, field, i)
                                 : message.GetReflection()->GetMessage(message, field);
      if (const auto* nested = tree->GetTreeForNested(field, index)) {
        RecordParseTree(child, nested, element, positions);
      }
    }
  }
}

}  // namespace

void SourceMap::Add(std::string field_path, int line, int column) {
  positions_.insert_or_assign(std::move(field_path), std::make_pair(line, column));
}

std::pair<int, int> SourceMap::Find(absl::string_view field_path) const {
  std::string path(field_path);
  while (!path.empty()) {
    auto it = positions_.find(path);
    if (it != positions_.end()) return it->second;
    // Drop the last component: "a.b[2].c" -> "a.b[2]" -> "a.b" -> "a".
    const size_t cut = path.find_last_of(".[");
    if (cut == std::string::npos) break;
    path.resize(cut);
  }
  return {0, 0};
}

void SourceMap::Locate(Diagnostic* diagnostic) const {
  if (diagnostic->line > 0) return;
  const auto [line, column] = Find(diagnostic->field_path);
  diagnostic->line = line;
  diagnostic->column = column;
}

absl::Status YamlToMessage(absl::string_view text, absl::string_view filename, Message* message,
                           std::vector<Diagnostic>* diagnostics, SourceMap* positions) {
  const size_t before = diagnostics->size();
  YAML::Node root;
  // yaml-cpp reports syntax errors only by throwing; this is the one place grens
  // catches an exception, to turn it into a diagnostic at the library boundary.
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.file = std::string(filename);
    d.line = e.mark.line + 1;
    d.column = e.mark.column + 1;
    d.message = absl::StrCat("YAML syntax error: ", e.msg);
    diagnostics->push_back(std::move(d));
    return DiagnosticsToStatus({diagnostics->begin() + before, diagnostics->end()});
  }
  if (root.IsNull()) {
    diagnostics->push_back({std::string(filename), 1, 1, "", "the file is empty"});
  } else {
    const int64_t budget = std::max(kMinValueBudget, kValuesPerByte * static_cast<int64_t>(text.size()));
    YamlReader(filename, diagnostics, positions, budget).ReadMessage(root, message, "");
  }
  return DiagnosticsToStatus({diagnostics->begin() + before, diagnostics->end()});
}

absl::Status TextProtoToMessage(absl::string_view text, absl::string_view filename, Message* message,
                                std::vector<Diagnostic>* diagnostics, SourceMap* positions) {
  const size_t before = diagnostics->size();
  DiagnosticCollector collector(filename, diagnostics);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  google::protobuf::TextFormat::ParseInfoTree tree;
  parser.WriteLocationsTo(&tree);
  const bool ok = parser.ParseFromString(std::string(text), message);
  if (ok && positions != nullptr) RecordParseTree(*message, &tree, "", positions);
  if (!ok && diagnostics->size() == before) {
    diagnostics->push_back({std::string(filename), 0, 0, "", "text proto parse error"});
  }
  return DiagnosticsToStatus({diagnostics->begin() + before, diagnostics->end()});
}

FileFormat FormatForPath(absl::string_view path) {
  if (absl::EndsWith(path, ".textproto") || absl::EndsWith(path, ".txtpb") ||
      absl::EndsWith(path, ".pbtxt")) {
    return FileFormat::kTextProto;
  }
  if (absl::EndsWith(path, ".json")) return FileFormat::kJson;
  return FileFormat::kYaml;
}

absl::Status ParseMessage(absl::string_view text, FileFormat format, absl::string_view filename,
                          Message* message, std::vector<Diagnostic>* diagnostics, SourceMap* positions) {
  if (format == FileFormat::kTextProto) {
    return TextProtoToMessage(text, filename, message, diagnostics, positions);
  }
  return YamlToMessage(text, filename, message, diagnostics, positions);
}

}  // namespace grens::policy

#include "adapters/json.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace grens::adapters {

namespace {

// Length of the valid UTF-8 sequence of two to four bytes at `pos`, or 0 if
// there is none there (overlong forms, surrogates and code points above
// U+10FFFF are invalid).
size_t Utf8SequenceLength(absl::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
  const unsigned char c = byte(0);
  size_t n = 0;
  uint32_t cp = 0;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (pos + n > text.size()) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i) & 0x3F);
  }
  if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  return n;
}

}  // namespace

size_t ValidUtf8Prefix(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t n = Utf8SequenceLength(text, pos);
    if (n == 0) return pos;
    pos += n;
  }
  return pos;
}

// Recursive-descent parser over the whole text. Every error names the byte
// where the parser stood, which is where the payload stopped being JSON.
class JsonParser {
 public:
  JsonParser(absl::string_view text, int max_depth) : text_(text), max_depth_(max_depth) {}

  absl::StatusOr<Json> ParseDocument() {
    Json root;
    absl::Status status = ParseValue(&root, 0);
    if (!status.ok()) return status;
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the JSON value");
    return root;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat("byte ", pos_, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  absl::Status ParseValue(Json* out, int depth) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("unexpected end of the payload, expected a value");
    out->offset_ = pos_;
    switch (text_[pos_]) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"':
        out->type_ = Json::Type::kString;
        return ParseString(&out->text_);
      case 't':
        out->type_ = Json::Type::kBool;
        out->bool_ = true;
        return Literal("true");
      case 'f':
        out->type_ = Json::Type::kBool;
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return ParseNumber(out);
    }
  }

  absl::Status Literal(absl::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return Error(absl::StrCat("expected '", word, "'"));
    pos_ += word.size();
    return absl::OkStatus();
  }

  absl::Status ParseObject(Json* out, int depth) {
    if (depth > max_depth_) return Error(absl::StrCat("nested deeper than ", max_depth_, " levels"));
    out->type_ = Json::Type::kObject;
    ++pos_;  // '{'
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != '"') return Error("expected '\"' to start an object key");
      std::string key;
      absl::Status status = ParseString(&key);
      if (!status.ok()) return status;
      SkipSpace();
      if (pos_ >= text_.size() || text_[pos_] != ':') return Error("expected ':' after an object key");
      ++pos_;
      out->keys_.push_back(std::move(key));
      out->values_.emplace_back();
      status = ParseValue(&out->values_.back(), depth);
      if (!status.ok()) return status;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or '}' after an object member");
    }
  }

  absl::Status ParseArray(Json* out, int depth) {
    if (depth > max_depth_) return Error(absl::StrCat("nested deeper than ", max_depth_, " levels"));
    out->type_ = Json::Type::kArray;
    ++pos_;  // '['
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return absl::OkStatus();
    }
    while (true) {
      out->values_.emplace_back();
      absl::Status status = ParseValue(&out->values_.back(), depth);
      if (!status.ok()) return status;
      SkipSpace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return absl::OkStatus();
      }
      return Error("expected ',' or ']' after an array item");
    }
  }

  // RFC 8259 number grammar; the literal is kept as written.
  absl::Status ParseNumber(Json* out) {
    const size_t start = pos_;
    auto digits = [&] {
      const size_t from = pos_;
      while (pos_ < text_.size() && absl::ascii_isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
      return pos_ > from;
    };
    if (pos_ < text_.size() && text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
    } else if (!digits()) {
      pos_ = start;
      return Error("expected a value (object, array, string, number, true, false or null)");
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!digits()) return Error("expected a digit after the decimal point");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!digits()) return Error("expected a digit in the exponent");
    }
    out->type_ = Json::Type::kNumber;
    out->text_ = std::string(text_.substr(start, pos_ - start));
    return absl::OkStatus();
  }

  absl::Status ParseHex4(uint32_t* value) {
    if (pos_ + 4 > text_.size()) return Error("expected four hex digits after \\u");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_ + i];
      v <<= 4;
      if (c >= '0' && c <= '9') {
        v |= static_cast<uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v |= static_cast<uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v |= static_cast<uint32_t>(c - 'A' + 10);
      } else {
        return Error("expected four hex digits after \\u");
      }
    }
    pos_ += 4;
    *value = v;
    return absl::OkStatus();
  }

  static void AppendUtf8(uint32_t cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // \uXXXX, joining a surrogate pair; a lone surrogate is an error because it
  // has no UTF-8 form (and protobuf strings must be valid UTF-8).
  absl::Status ParseUnicodeEscape(std::string* out) {
    uint32_t cp = 0;
    absl::Status status = ParseHex4(&cp);
    if (!status.ok()) return status;
    if (cp >= 0xDC00 && cp <= 0xDFFF) return Error("lone low surrogate in a \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (text_.substr(pos_, 2) != "\\u") return Error("high surrogate without its low half");
      pos_ += 2;
      uint32_t low = 0;
      status = ParseHex4(&low);
      if (!status.ok()) return status;
      if (low < 0xDC00 || low > 0xDFFF) return Error("high surrogate without its low half");
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(cp, out);
    return absl::OkStatus();
  }

  // Length of the valid UTF-8 sequence starting at pos_, or 0 if it is not one.
  size_t Utf8Length() const { return Utf8SequenceLength(text_, pos_); }

  absl::Status ParseString(std::string* out) {
    ++pos_;  // opening quote
    while (true) {
      // Copy the run of plain ASCII characters in one go.
      const size_t run = pos_;
      while (pos_ < text_.size()) {
        const unsigned char c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out->append(text_.data() + run, pos_ - run);
      if (pos_ >= text_.size()) return Error("unterminated string");
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return absl::OkStatus();
      }
      if (c < 0x20) return Error("control character in a string (escape it)");
      if (c >= 0x80) {
        const size_t n = Utf8Length();
        if (n == 0) return Error("invalid UTF-8 in a string");
        out->append(text_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      absl::Status status = ParseEscape(out);
      if (!status.ok()) return status;
    }
  }

  absl::Status ParseEscape(std::string* out) {
    ++pos_;  // backslash
    if (pos_ >= text_.size()) return Error("unterminated string");
    const char e = text_[pos_++];
    switch (e) {
      case '"':
      case '\\':
      case '/':
        out->push_back(e);
        return absl::OkStatus();
      case 'b':
        out->push_back('\b');
        return absl::OkStatus();
      case 'f':
        out->push_back('\f');
        return absl::OkStatus();
      case 'n':
        out->push_back('\n');
        return absl::OkStatus();
      case 'r':
        out->push_back('\r');
        return absl::OkStatus();
      case 't':
        out->push_back('\t');
        return absl::OkStatus();
      case 'u':
        return ParseUnicodeEscape(out);
      default:
        --pos_;
        return Error(absl::StrCat("unknown escape '\\", std::string(1, e), "'"));
    }
  }

  const absl::string_view text_;
  const int max_depth_;
  size_t pos_ = 0;
};

const Json* Json::Find(absl::string_view key) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    if (keys_[i] == key) return &values_[i];
  }
  return nullptr;
}

const Json* Json::At(absl::string_view path) const {
  const Json* node = this;
  for (absl::string_view step : absl::StrSplit(path, '.')) {
    node = node->Find(step);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::optional<int64_t> Json::AsInt64() const {
  if (type_ != Type::kNumber && type_ != Type::kString) return std::nullopt;
  int64_t value = 0;
  if (!absl::SimpleAtoi(text_, &value)) return std::nullopt;
  return value;
}

std::optional<double> Json::AsDouble() const {
  if (type_ != Type::kNumber && type_ != Type::kString) return std::nullopt;
  double value = 0;
  if (!absl::SimpleAtod(text_, &value)) return std::nullopt;
  return value;
}

absl::string_view Json::TypeName(Type type) {
  switch (type) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "a boolean";
    case Type::kNumber:
      return "a number";
    case Type::kString:
      return "a string";
    case Type::kArray:
      return "an array";
    case Type::kObject:
      return "an object";
  }
  return "a value";
}

absl::StatusOr<Json> ParseJson(absl::string_view text, int max_depth) {
  return JsonParser(text, max_depth).ParseDocument();
}

}  // namespace grens::adapters

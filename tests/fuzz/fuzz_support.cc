#include "tests/fuzz/fuzz_support.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "grens/v1/decision.pb.h"
#include "grens/v1/event.pb.h"
#include "grens/v1/policy.pb.h"
#include "policy/compiled_policy.h"
#include "policy/policy_loader.h"

namespace grens::fuzzing {
namespace {

// Events every fuzzed policy is judged on when the input brings none: the
// categories, granularities and content the example agreements care about.
constexpr const char* kDefaultEvents[] = {
    R"(id: e1
platform: teams
collector: teams-presence
category: PRESENCE
purpose: colleague_availability
subject: {id: u-1001, groups: [staff]}
occurred_at: "2026-03-10T09:00:00Z")",
    R"(id: e2
platform: zoom
collector: zoom-reports
category: USAGE_ANALYTICS
granularity: AGGREGATE
group_size: 3
purpose: capacity_planning
requested_retention: "400d"
subject: {id: u-2, groups: [works_council], time_zone: Europe/Berlin}
occurred_at: "2026-12-24T21:30:00Z")",
    R"(id: e3
platform: slack
collector: archive
category: MESSAGE_CONTENT
purpose: legal_hold
subject: {id: u-3}
occurred_at: "2026-03-10T09:00:00Z"
content:
  - {name: text, text: "mail jan@example.nl, BSN 111222333, IBAN NL91ABNA0417164300, call +31 6 12345678"})",
};

void Judge(const policy::CompiledPolicy& compiled, const v1::MonitoringEvent& event) {
  const absl::Time event_time =
      absl::FromUnixSeconds(event.occurred_at().seconds()) + absl::Nanoseconds(event.occurred_at().nanos());
  const absl::Time fixed = absl::FromUnixSeconds(1773133200);  // 2026-03-10T09:00:00Z
  for (absl::Time now : {event_time, fixed}) {
    v1::Decision decision = compiled.Evaluate(event, now);
    Check(decision.effect() != v1::EFFECT_UNSPECIFIED, "a decision without an effect");
    Check(!compiled.Explain(event, now).empty(), "an explanation without a trace");
  }
}

std::vector<v1::MonitoringEvent> EventsFor(absl::string_view event_text, policy::FileFormat format) {
  std::vector<v1::MonitoringEvent> events;
  if (!event_text.empty()) {
    v1::MonitoringEvent event;
    std::vector<policy::Diagnostic> diagnostics;
    if (policy::ParseMessage(event_text, format, "event", &event, &diagnostics, nullptr).ok()) {
      events.push_back(std::move(event));
      return events;
    }
  }
  for (const char* text : kDefaultEvents) {
    v1::MonitoringEvent event;
    std::vector<policy::Diagnostic> diagnostics;
    Check(policy::ParseMessage(text, policy::FileFormat::kYaml, "event", &event, &diagnostics, nullptr).ok(),
          "a built-in fuzz event does not parse");
    events.push_back(std::move(event));
  }
  return events;
}

// The compiled policy when `text` compiles, even if its own tests fail.
std::shared_ptr<const policy::CompiledPolicy> CompileAnyway(absl::string_view text, policy::FileFormat format) {
  v1::Policy proto;
  std::vector<policy::Diagnostic> diagnostics;
  policy::SourceMap positions;
  if (!policy::ParseMessage(text, format, "fuzz", &proto, &diagnostics, &positions).ok()) return nullptr;
  auto compiled = policy::CompiledPolicy::Compile(proto, "revision", &positions, "fuzz", &diagnostics);
  if (!compiled.ok()) return nullptr;
  return std::move(*compiled);
}

struct ScratchDir {
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "grens-fuzz-XXXXXX").string();
    Check(::mkdtemp(pattern.data()) != nullptr, "cannot make a scratch directory");
    path = pattern;
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  std::string path;
};

// Protobuf logs every string with invalid UTF-8 it parses; fuzzers make
// millions. The targets judge results by status, so the log is noise (and a
// cost per input).
[[maybe_unused]] const bool kProtobufQuiet = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();

}  // namespace

uint8_t ByteReader::Byte() {
  if (data_.empty()) return 0;
  const uint8_t b = static_cast<uint8_t>(data_[0]);
  data_.remove_prefix(1);
  return b;
}

uint16_t ByteReader::U16() {
  const uint16_t low = Byte();
  return static_cast<uint16_t>(low | (Byte() << 8));
}

int64_t ByteReader::I64() {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(Byte()) << (8 * i);
  return static_cast<int64_t>(v);
}

absl::string_view ByteReader::Bytes(size_t n) {
  const absl::string_view out = data_.substr(0, n);
  data_.remove_prefix(out.size());
  return out;
}

absl::string_view ByteReader::Rest() { return Bytes(data_.size()); }

void Check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

std::pair<absl::string_view, absl::string_view> SplitAtMarker(absl::string_view text, absl::string_view marker) {
  for (size_t line = 0; line < text.size();) {
    size_t end = text.find('\n', line);
    if (end == absl::string_view::npos) end = text.size();
    if (text.substr(line, end - line) == marker) {
      return {text.substr(0, line), end < text.size() ? text.substr(end + 1) : absl::string_view()};
    }
    line = end + 1;
  }
  return {text, absl::string_view()};
}

std::string ScratchPath(absl::string_view name) {
  static ScratchDir dir;  // removed by its destructor at exit
  return dir.path + "/" + std::string(name);
}

std::string WriteScratchFile(absl::string_view name, absl::string_view bytes) {
  const std::string path = ScratchPath(name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  Check(static_cast<bool>(out), "cannot write a scratch file");
  return path;
}

void FuzzPolicy(absl::string_view text, absl::string_view event_text, policy::FileFormat format) {
  const policy::LoadedPolicy loaded = policy::LoadPolicyText(text, format, "fuzz", "");
  if (loaded.policy == nullptr) {
    Check(!loaded.RejectionSummary().empty(), "a rejected policy without a reason");
  } else {
    Check(loaded.diagnostics.empty(), "an accepted policy with diagnostics");
  }
  std::shared_ptr<const policy::CompiledPolicy> compiled = loaded.policy;
  // Compiled but rejected for its own failing tests: still judge events with it.
  if (compiled == nullptr && loaded.diagnostics.empty()) compiled = CompileAnyway(text, format);
  if (compiled == nullptr) return;
  for (const v1::MonitoringEvent& event : EventsFor(event_text, format)) Judge(*compiled, event);
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    size_t n = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      const unsigned char b = static_cast<unsigned char>(text[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n;
  }
  return true;
}

}  // namespace grens::fuzzing

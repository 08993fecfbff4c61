#ifndef GRENS_PLUGIN_PROCESS_LOG_H_
#define GRENS_PLUGIN_PROCESS_LOG_H_

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace grens::plugin {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; false for anything else.
bool ParseLogLevel(absl::string_view text, LogLevel* level);

// Messages below `level` are dropped. Default kInfo.
void SetLogLevel(LogLevel level);

// Writes one JSON line to stderr: {"time":..., "level":..., "msg":..., fields...}.
// The one place grens prints process diagnostics (STYLE.md 11.6). Safe for
// concurrent use: each line is written with a single write(2).
void Log(LogLevel level, absl::string_view message,
         std::initializer_list<std::pair<absl::string_view, std::string>> fields = {});

}  // namespace grens::plugin

#endif  // GRENS_PLUGIN_PROCESS_LOG_H_

// How check, build and disasm report a project's diagnostics: text on stderr with a
// summary line, or one JSON document on stdout for tools.
#pragma once

#include <string_view>

#include "driver/check.h"

namespace rflow::cli {

// Prints `result`'s diagnostics and the summary "<verb> N files: …" (text), or the JSON
// document (json). Returns the exit code: 0 without errors, 1 with.
int reportDiagnostics(const compiler::CheckResult& result, std::string_view format,
                      std::string_view verb);

}  // namespace rflow::cli

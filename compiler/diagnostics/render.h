// Turning diagnostics into text for people and JSON for tools.
//
// Text (the CLI):
//   path:3:13: error[E0106]: `3days` is neither a number nor a duration; …
//      3 |   let wait = 3days
//        |              ^~~~~
//        = help: replace `3days` with `3d`
// JSON (`--format json`, the HTTP API): one object per diagnostic with 1-based line and
// column (in code points) for the start and end of its span.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_set.h"

namespace rflow::diagnostics {

// Orders diagnostics by file, then position, keeping emission order for ties (so a
// diagnostic and its follow-ups stay together).
void sortDiagnostics(std::vector<Diagnostic>& diagnostics);

std::string renderText(const Diagnostic& diagnostic, const source::SourceSet& sources);

// "3 errors, 1 warning" (or "no problems").
std::string renderSummary(size_t errors, size_t warnings);

nlohmann::json toJson(const Diagnostic& diagnostic, const source::SourceSet& sources);
nlohmann::json toJson(const std::vector<Diagnostic>& diagnostics, const source::SourceSet& sources);

}  // namespace rflow::diagnostics

// Name resolution and type checking: syntax trees of a project in, a checked Program
// and diagnostics out (language.md §1, §3–§7).
#pragma once

#include <vector>

#include "check/program.h"
#include "diagnostics/diagnostic.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::check {

struct CheckOptions {
  // Run the governance lints of language.md §7 (warnings W0001…).
  bool lints = true;
};

// Checks `files` (files[i] parsed from sources.file(i)). The prelude must be files[0]
// (see prelude.h). Never fails: problems are diagnostics, and declarations with errors
// are left out of nothing (their uses keep checking) but must not be compiled — see
// Program and CheckResult::ok in driver/check.h.
Program checkProgram(const source::SourceSet& sources, const std::vector<syntax::File>& files,
                     diagnostics::DiagnosticConsumer& consumer, const CheckOptions& options = {});

}  // namespace rflow::check

// The compiler's front door: turn a set of source files into syntax trees and
// diagnostics. Used by `rflow check`, the golden tests, and (later) the language
// server and the deployment endpoint.
//
// Today "check" means: read, decode and parse every file. Name resolution and type
// checking will extend CheckResult without changing how callers use it.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::compiler {

struct CheckResult {
  source::SourceSet sources;
  std::vector<syntax::File> files;                   // files[i] is sources.file(i)
  std::vector<diagnostics::Diagnostic> diagnostics;  // sorted by file and position
  size_t errors = 0;
  size_t warnings = 0;

  bool ok() const { return errors == 0; }
};

// Reads the files named by `paths` (see source::loadSources) and checks them.
CheckResult checkPaths(std::span<const std::string> paths);

// Checks files already in memory.
CheckResult checkSources(source::SourceSet sources);

}  // namespace rflow::compiler

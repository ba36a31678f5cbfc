// The compiler's front door: turn a set of source files into syntax trees, a checked
// program and diagnostics. Used by `rflow check` and `rflow build`, the golden tests,
// and (later) the language server and the deployment endpoint.
//
// The prelude (stdlib/prelude.rflow) is always source file 0; the caller's files
// follow it in the order given.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "check/program.h"
#include "diagnostics/diagnostic.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::compiler {

struct CheckOptions {
  // Name resolution and type checking after parsing (off: syntax only).
  bool semantic = true;
  bool lints = true;
  // Report lint warnings as errors (`--deny-warnings`).
  bool deny_warnings = false;
};

struct CheckResult {
  source::SourceSet sources;        // sources.file(0) is the prelude
  std::vector<syntax::File> files;  // files[i] is sources.file(i)
  check::Program program;
  std::vector<diagnostics::Diagnostic> diagnostics;  // sorted by file and position
  size_t errors = 0;
  size_t warnings = 0;
  // What parsing each file said (also part of `diagnostics`), by FileId, and how many
  // files this check parsed (the others were reused by recheckSources).
  std::vector<std::vector<diagnostics::Diagnostic>> parse_diagnostics;
  size_t parsed_files = 0;

  static constexpr source::FileId kFirstUserFile = 1;
  bool ok() const { return errors == 0; }
};

// Reads the files named by `paths` (see source::loadSources) and checks them.
CheckResult checkPaths(std::span<const std::string> paths, const CheckOptions& options = {});

// Checks files already in memory (without the prelude, which is added first).
CheckResult checkSources(const source::SourceSet& sources, const CheckOptions& options = {});

// checkSources after an edit (the language server): a file whose path, text and FileId
// are those it had in `previous` keeps its syntax tree and parse diagnostics instead of
// being parsed again; name resolution and type checking run in full. `previous` is
// consumed (its program points into the trees that move).
CheckResult recheckSources(const source::SourceSet& sources, CheckResult previous,
                           const CheckOptions& options = {});

}  // namespace rflow::compiler

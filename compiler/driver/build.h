// Building: check a project and, when it has no errors, generate its bytecode module.
// Used by `rflow build`, `rflow disasm PATH`, the test runner and deployment.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "bytecode/module.h"
#include "driver/check.h"

namespace rflow::compiler {

struct BuildResult {
  CheckResult check;  // sources, syntax trees, program and every diagnostic
  // Set exactly when there were no errors (warnings do not stop a build unless
  // CheckOptions::deny_warnings made them errors).
  std::optional<bytecode::Module> module;

  bool ok() const { return module.has_value(); }
};

BuildResult buildPaths(std::span<const std::string> paths, const CheckOptions& options = {});
BuildResult buildSources(const source::SourceSet& sources, const CheckOptions& options = {});

}  // namespace rflow::compiler

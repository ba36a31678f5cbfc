#include "driver/build.h"

#include "codegen/codegen.h"
#include "diagnostics/render.h"

namespace rflow::compiler {

namespace {

BuildResult generate(CheckResult checked) {
  BuildResult result{std::move(checked), std::nullopt};
  CheckResult& c = result.check;
  if (!c.ok()) return result;
  diagnostics::DiagnosticCollector collector;
  result.module = codegen::generate(c.program, c.sources, c.files, collector);
  for (diagnostics::Diagnostic& d : collector.take()) {
    (d.severity == diagnostics::Severity::kError ? c.errors : c.warnings)++;
    c.diagnostics.push_back(std::move(d));
  }
  diagnostics::sortDiagnostics(c.diagnostics);
  if (c.errors > 0) result.module.reset();
  return result;
}

}  // namespace

BuildResult buildPaths(std::span<const std::string> paths, const CheckOptions& options) {
  return generate(checkPaths(paths, options));
}

BuildResult buildSources(const source::SourceSet& sources, const CheckOptions& options) {
  return generate(checkSources(sources, options));
}

}  // namespace rflow::compiler

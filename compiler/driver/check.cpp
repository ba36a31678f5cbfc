#include "driver/check.h"

#include "check/check.h"
#include "diagnostics/render.h"
#include "parse/parse.h"
#include "stdlib/prelude.h"

namespace rflow::compiler {

namespace diag = diagnostics::diag;

namespace {

void reportLoadProblems(const std::vector<source::LoadProblem>& problems,
                        diagnostics::DiagnosticEmitter& emitter) {
  using Kind = source::LoadProblem::Kind;
  for (const source::LoadProblem& p : problems) {
    switch (p.kind) {
      case Kind::kCannotRead:
        emitter.emit(std::nullopt, diag::CannotReadPath, p.path, p.detail);
        break;
      case Kind::kNoSourceFiles:
        emitter.emit(std::nullopt, diag::NoSourceFiles, p.path);
        break;
      case Kind::kTooLarge:
        emitter.emit(std::nullopt, diag::FileTooLarge, p.path, std::stoull(p.detail),
                     source::kMaxSourceFileBytes);
        break;
      case Kind::kTooManyFiles:
        emitter.emit(std::nullopt, diag::TooManyFiles, std::stoull(p.detail),
                     source::kMaxProjectFiles);
        break;
    }
  }
}

CheckResult finish(source::SourceSet sources, diagnostics::DiagnosticCollector& collector,
                   const CheckOptions& options) {
  CheckResult result;
  for (source::FileId id = 0; id < sources.size(); ++id) {
    result.files.push_back(parse::parseFile(sources, id, collector));
  }
  check::CheckOptions check_options;
  check_options.lints = options.lints;
  if (options.semantic)
    result.program = check::checkProgram(sources, result.files, collector, check_options);
  result.diagnostics = collector.take();
  if (options.deny_warnings) {
    for (auto& d : result.diagnostics)
      d.severity = diagnostics::Severity::kError;
  }
  diagnostics::sortDiagnostics(result.diagnostics);
  for (const auto& d : result.diagnostics) {
    (d.severity == diagnostics::Severity::kError ? result.errors : result.warnings)++;
  }
  result.sources = std::move(sources);
  return result;
}

source::SourceSet withPrelude() {
  source::SourceSet sources;
  sources.add(std::string(stdlib::kPreludePath), std::string(stdlib::preludeSource()));
  return sources;
}

}  // namespace

CheckResult checkPaths(std::span<const std::string> paths, const CheckOptions& options) {
  source::SourceSet sources = withPrelude();
  const auto problems = source::loadSources(paths, sources);
  diagnostics::DiagnosticCollector collector;
  diagnostics::DiagnosticEmitter emitter(collector);
  reportLoadProblems(problems, emitter);
  return finish(std::move(sources), collector, options);
}

CheckResult checkSources(const source::SourceSet& user_sources, const CheckOptions& options) {
  source::SourceSet sources = withPrelude();
  for (const source::SourceFile& file : user_sources.files())
    sources.add(file.path(), std::string(file.text()));
  diagnostics::DiagnosticCollector collector;
  return finish(std::move(sources), collector, options);
}

}  // namespace rflow::compiler

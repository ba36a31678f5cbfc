#include "driver/check.h"

#include "diagnostics/render.h"
#include "parse/parse.h"

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

CheckResult finish(source::SourceSet sources, diagnostics::DiagnosticCollector& collector) {
  CheckResult result;
  for (source::FileId id = 0; id < sources.size(); ++id) {
    result.files.push_back(parse::parseFile(sources, id, collector));
  }
  result.diagnostics = collector.take();
  diagnostics::sortDiagnostics(result.diagnostics);
  for (const auto& d : result.diagnostics) {
    (d.severity == diagnostics::Severity::kError ? result.errors : result.warnings)++;
  }
  result.sources = std::move(sources);
  return result;
}

}  // namespace

CheckResult checkPaths(std::span<const std::string> paths) {
  source::SourceSet sources;
  const auto problems = source::loadSources(paths, sources);
  diagnostics::DiagnosticCollector collector;
  diagnostics::DiagnosticEmitter emitter(collector);
  reportLoadProblems(problems, emitter);
  return finish(std::move(sources), collector);
}

CheckResult checkSources(source::SourceSet sources) {
  diagnostics::DiagnosticCollector collector;
  return finish(std::move(sources), collector);
}

}  // namespace rflow::compiler

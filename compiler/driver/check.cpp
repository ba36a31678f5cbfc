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

// `previous`, when given, offers syntax trees to reuse (see recheckSources).
CheckResult finish(source::SourceSet sources, diagnostics::DiagnosticCollector& collector,
                   const CheckOptions& options, CheckResult* previous = nullptr) {
  CheckResult result;
  result.parse_diagnostics.resize(sources.size());
  for (source::FileId id = 0; id < sources.size(); ++id) {
    if (previous != nullptr && id < previous->files.size() &&
        id < previous->parse_diagnostics.size() &&
        previous->sources.file(id).path() == sources.file(id).path() &&
        previous->sources.file(id).text() == sources.file(id).text()) {
      result.files.push_back(std::move(previous->files[id]));
      result.parse_diagnostics[id] = std::move(previous->parse_diagnostics[id]);
      for (const auto& d : result.parse_diagnostics[id])
        collector.consume(d);
      continue;
    }
    diagnostics::DiagnosticCollector file_collector;
    result.files.push_back(parse::parseFile(sources, id, file_collector));
    ++result.parsed_files;
    result.parse_diagnostics[id] = file_collector.take();
    for (const auto& d : result.parse_diagnostics[id])
      collector.consume(d);
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

CheckResult recheckSources(const source::SourceSet& user_sources, CheckResult previous,
                           const CheckOptions& options) {
  source::SourceSet sources = withPrelude();
  for (const source::SourceFile& file : user_sources.files())
    sources.add(file.path(), std::string(file.text()));
  diagnostics::DiagnosticCollector collector;
  // The checker's program points into the old trees; drop it before they move.
  previous.program = check::Program{};
  return finish(std::move(sources), collector, options, &previous);
}

}  // namespace rflow::compiler

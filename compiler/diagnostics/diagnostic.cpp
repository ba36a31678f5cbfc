#include "diagnostics/diagnostic.h"

#include <algorithm>
#include <array>

namespace rflow::diagnostics {

namespace {

constexpr std::array kKinds = {
#define RFLOW_DIAGNOSTIC(Name, Code, Sev, Format, ...) \
  DiagnosticKindInfo{#Name, Code, Severity::k##Sev, Format},
#include "diagnostics/diagnostic_kinds.def"
#undef RFLOW_DIAGNOSTIC
};

}  // namespace

const DiagnosticKindInfo& kindInfo(DiagnosticKind kind) {
  return kKinds[static_cast<size_t>(kind)];
}

std::span<const DiagnosticKindInfo> allKinds() {
  return kKinds;
}

void DiagnosticCollector::consume(Diagnostic diagnostic) {
  diagnostics_.push_back(std::move(diagnostic));
}

size_t DiagnosticCollector::errorCount() const {
  return static_cast<size_t>(
      std::count_if(diagnostics_.begin(), diagnostics_.end(),
                    [](const auto& d) { return d.severity == Severity::kError; }));
}

size_t DiagnosticCollector::warningCount() const {
  return diagnostics_.size() - errorCount();
}

DiagnosticBuilder& DiagnosticBuilder::note(std::optional<Location> location, std::string message) {
  diagnostic_.notes.push_back({location, std::move(message)});
  return *this;
}

DiagnosticBuilder& DiagnosticBuilder::fix(std::string description, std::vector<Edit> edits) {
  diagnostic_.fix = Fix{std::move(description), std::move(edits)};
  return *this;
}

void DiagnosticBuilder::emit() {
  if (!muted_) emitter_->deliver(std::move(diagnostic_));
}

void DiagnosticEmitter::deliver(Diagnostic diagnostic) {
  if (diagnostic.severity == Severity::kError) ++errors_;
  consumer_->consume(std::move(diagnostic));
}

}  // namespace rflow::diagnostics

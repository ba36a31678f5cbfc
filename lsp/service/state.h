// LanguageService's state, shared by the files that implement its features. Internal
// to lsp/service.
//
// Invariants: `docs` holds every file of the project by normalized path (disk files,
// overlaid by open documents); when `stale` is false, `result` and `index` describe
// exactly the texts in `docs`, and `ids` maps each path to its FileId in `result`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "driver/check.h"
#include "lsp/service/index.h"
#include "lsp/service/language_service.h"

namespace rflow::lsp::service {

struct Document {
  std::string text;
  bool open = false;
};

// One analysis of the whole project. The index is built on first use: publishing
// diagnostics after an edit does not need it, hover and completion do.
struct Analysis {
  compiler::CheckResult result;
  std::map<std::string, source::FileId> ids;

  const Index& index() const {
    if (!index_) index_ = std::make_unique<Index>(result);
    return *index_;
  }
  void dropIndex() { index_.reset(); }

 private:
  mutable std::unique_ptr<Index> index_;
};

struct LanguageService::State {
  std::string root;
  std::map<std::string, Document> docs;
  bool stale = true;
  std::unique_ptr<Analysis> analysis;
  size_t analyses = 0;
  size_t parses = 0;

  // Re-checks when stale; returns the current analysis.
  const Analysis& current();
  // The analysis of the project with `path`'s text replaced (for completion in code
  // that does not parse yet). It reuses the current analysis' syntax trees and then
  // becomes the current one, marked stale: the next question re-checks the real text,
  // re-parsing only `path` again. Valid until the next call of current().
  const Analysis& analyseWith(const std::string& path, const std::string& text);
  std::optional<source::FileId> fileOf(const Analysis& a, const std::string& path) const;
};

std::string normalizePath(const std::string& path);
FileRange fileRange(const compiler::CheckResult& result, const source::Location& location);
Range rangeOf(const source::SourceFile& file, source::Span span);
bool isIdentChar(char c);
bool isReservedWord(std::string_view word);
CompletionKind completionKind(SymbolKind kind);

}  // namespace rflow::lsp::service

// LanguageService: documents, analysis, diagnostics, navigation, rename, formatting
// and code actions. Completion and signature help are in completion.cpp; outline,
// semantic tokens and folding in outline.cpp.
#include "lsp/service/language_service.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>

#include "format/format.h"
#include "lsp/service/state.h"
#include "lsp/service/stdlib_docs.h"
#include "source/utf8.h"

namespace rflow::lsp::service {

using source::FileId;
using source::Location;

// ---- helpers ---------------------------------------------------------------------------

std::string normalizePath(const std::string& path) {
  return std::filesystem::path(path).lexically_normal().string();
}

bool isIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool isReservedWord(std::string_view word) {
  static constexpr std::array<std::string_view, 45> kWords = {
      "module",    "import",   "as",       "record", "enum",     "const", "role",     "signal",
      "connector", "fn",       "decision", "policy", "workflow", "on",    "start",    "spawn",
      "test",      "let",      "var",      "if",     "then",     "else",  "match",    "for",
      "in",        "while",    "return",   "fail",   "try",      "catch", "parallel", "await",
      "sleep",     "approval", "task",     "when",   "require",  "and",   "or",       "not",
      "true",      "false",    "none",     "list",   "map"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

Position positionAt(const source::SourceFile& file, uint32_t offset) {
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(file.text().size()));
  return {file.line(offset) - 1, file.utf16Column(offset)};
}

Range rangeOf(const source::SourceFile& file, source::Span span) {
  return {positionAt(file, span.begin), positionAt(file, span.end)};
}

uint32_t offsetAt(std::string_view text, Position position) {
  size_t pos = 0;
  for (uint32_t line = 0; line < position.line; ++line) {
    const size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) return static_cast<uint32_t>(text.size());
    pos = nl + 1;
  }
  uint32_t units = 0;
  while (pos < text.size() && text[pos] != '\n' && text[pos] != '\r' &&
         units < position.character) {
    size_t length = 1;
    const int32_t cp = source::decodeUtf8(text, pos, length);
    units += cp >= 0x10000 ? 2 : 1;
    pos += length;
  }
  return static_cast<uint32_t>(pos);
}

FileRange fileRange(const compiler::CheckResult& result, const Location& location) {
  const source::SourceFile& file = result.sources.file(location.file);
  return {file.path(), rangeOf(file, location.span)};
}

CompletionKind completionKind(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::kModule:
      return CompletionKind::kModule;
    case SymbolKind::kRecord:
    case SymbolKind::kSignal:
    case SymbolKind::kEnum:
      return CompletionKind::kType;
    case SymbolKind::kEnumMember:
      return CompletionKind::kEnumMember;
    case SymbolKind::kField:
      return CompletionKind::kField;
    case SymbolKind::kConst:
      return CompletionKind::kConstant;
    case SymbolKind::kOperation:
      return CompletionKind::kMethod;
    case SymbolKind::kFunction:
    case SymbolKind::kDecision:
      return CompletionKind::kFunction;
    case SymbolKind::kParameter:
    case SymbolKind::kLocal:
      return CompletionKind::kVariable;
    default:
      return CompletionKind::kClass;
  }
}

// ---- state -------------------------------------------------------------------------------

namespace {

std::unique_ptr<Analysis> finishAnalysis(compiler::CheckResult result) {
  auto a = std::make_unique<Analysis>();
  a->result = std::move(result);
  for (FileId id = compiler::CheckResult::kFirstUserFile; id < a->result.sources.size(); ++id)
    a->ids[a->result.sources.file(id).path()] = id;
  return a;
}

}  // namespace

const Analysis& LanguageService::State::current() {
  if (!stale && analysis) return *analysis;
  source::SourceSet sources;
  for (const auto& [path, doc] : docs)
    sources.add(path, doc.text);
  compiler::CheckResult result;
  if (analysis) {
    // The index points into the old result: drop it before the trees move on.
    analysis->dropIndex();
    result = compiler::recheckSources(sources, std::move(analysis->result));
  } else {
    result = compiler::checkSources(sources);
  }
  parses += result.parsed_files;
  ++analyses;
  analysis = finishAnalysis(std::move(result));
  stale = false;
  return *analysis;
}

const Analysis& LanguageService::State::analyseWith(const std::string& path,
                                                    const std::string& text) {
  (void)current();
  source::SourceSet sources;
  for (const auto& [p, doc] : docs)
    sources.add(p, p == path ? text : doc.text);
  analysis->dropIndex();
  compiler::CheckResult result = compiler::recheckSources(sources, std::move(analysis->result));
  parses += result.parsed_files;
  ++analyses;
  analysis = finishAnalysis(std::move(result));
  stale = true;  // it describes a text the editor does not have
  return *analysis;
}

std::optional<FileId> LanguageService::State::fileOf(const Analysis& a,
                                                     const std::string& path) const {
  auto it = a.ids.find(normalizePath(path));
  if (it == a.ids.end()) return std::nullopt;
  return it->second;
}

LanguageService::LanguageService(std::string root) : state_(std::make_unique<State>()) {
  state_->root = root;
  if (root.empty()) return;
  source::SourceSet disk;
  const std::vector<std::string> paths{root};
  (void)source::loadSources(paths, disk);
  for (const source::SourceFile& f : disk.files())
    state_->docs[normalizePath(f.path())] = {std::string(f.text()), false};
}

LanguageService::~LanguageService() = default;

void LanguageService::open(const std::string& path, std::string text) {
  state_->docs[normalizePath(path)] = {std::move(text), true};
  state_->stale = true;
}

void LanguageService::change(const std::string& path, std::string text) {
  open(path, std::move(text));
}

void LanguageService::close(const std::string& path) {
  const std::string p = normalizePath(path);
  // Back to what the disk says; a file that is not (or no longer) there leaves the project.
  source::SourceSet disk;
  const std::vector<std::string> paths{p};
  std::error_code ec;
  const bool in_project = !state_->root.empty() && p.starts_with(normalizePath(state_->root));
  if (in_project && std::filesystem::is_regular_file(p, ec) &&
      source::loadSources(paths, disk).empty() && disk.size() == 1) {
    state_->docs[p] = {std::string(disk.file(0).text()), false};
  } else {
    state_->docs.erase(p);
  }
  state_->stale = true;
}

void LanguageService::changedOnDisk(const std::string& path) {
  auto it = state_->docs.find(normalizePath(path));
  if (it != state_->docs.end() && it->second.open) return;
  close(path);  // re-reads it from disk, or drops it when it is gone
}

const std::string* LanguageService::text(const std::string& path) const {
  auto it = state_->docs.find(normalizePath(path));
  return it == state_->docs.end() ? nullptr : &it->second.text;
}

std::vector<std::string> LanguageService::paths() const {
  std::vector<std::string> out;
  for (const auto& [p, d] : state_->docs)
    out.push_back(p);
  return out;
}

size_t LanguageService::analyses() const {
  return state_->analyses;
}
size_t LanguageService::parses() const {
  return state_->parses;
}

// ---- diagnostics ------------------------------------------------------------------------

std::map<std::string, std::vector<Diagnostic>> LanguageService::diagnostics() {
  const Analysis& a = state_->current();
  std::map<std::string, std::vector<Diagnostic>> out;
  for (const auto& [path, id] : a.ids)
    out[path];
  for (const diagnostics::Diagnostic& d : a.result.diagnostics) {
    if (!d.location || d.location->file < compiler::CheckResult::kFirstUserFile) continue;
    const source::SourceFile& file = a.result.sources.file(d.location->file);
    Diagnostic out_d{
        rangeOf(file, d.location->span), d.severity, std::string(d.code()), d.message, {}, d.fix};
    for (const auto& n : d.notes) {
      std::optional<FileRange> where;
      if (n.location && n.location->file >= compiler::CheckResult::kFirstUserFile)
        where = fileRange(a.result, *n.location);
      out_d.notes.emplace_back(where, n.message);
    }
    out[file.path()].push_back(std::move(out_d));
  }
  return out;
}

std::vector<CodeAction> LanguageService::codeActions(const std::string& path, Range range) {
  const Analysis& a = state_->current();
  std::vector<CodeAction> out;
  const auto id = state_->fileOf(a, path);
  if (!id) return out;
  const source::SourceFile& file = a.result.sources.file(*id);
  for (const diagnostics::Diagnostic& d : a.result.diagnostics) {
    if (!d.fix || !d.location || d.location->file != *id) continue;
    const Range r = rangeOf(file, d.location->span);
    if (r.end < range.start || range.end < r.start) continue;
    CodeAction action{d.fix->description, std::string(d.code()), {}};
    for (const diagnostics::Edit& e : d.fix->edits) {
      const source::SourceFile& ef = a.result.sources.file(e.location.file);
      action.edit[ef.path()].push_back({rangeOf(ef, e.location.span), e.replacement});
    }
    out.push_back(std::move(action));
  }
  return out;
}

// ---- navigation ---------------------------------------------------------------------------

std::optional<Hover> LanguageService::hover(const std::string& path, uint32_t offset) {
  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  if (!id) return std::nullopt;
  const Occurrence* occ = a.index().occurrenceAt(*id, offset);
  const SymbolInfo* sym = occ != nullptr ? a.index().symbol(occ->symbol) : nullptr;
  if (sym == nullptr) {
    if (const UnplacedField* field = a.index().unplacedFieldAt(*id, offset))
      return Hover{"```rflow\n" + field->info.signature + "\n```\n\nin `" + field->info.container +
                       "`\n\n---\n\n" + field->info.doc,
                   rangeOf(a.result.sources.file(*id), field->span)};
    if (const StdlibCall* call = a.index().stdlibCallAt(*id, offset)) {
      // A stdlib function: the overload it calls (all of them when none fits) and its doc.
      const StdlibSignature s = call->overload != nullptr ? stdlibSignature(*call->overload)
                                                          : stdlibSignature(*call->function);
      return Hover{"```rflow\n" + s.text() + "\n```\n\n---\n\n" + std::string(call->function->doc),
                   rangeOf(a.result.sources.file(*id), call->name)};
    }
    if (const StageClause* stage = a.index().stageAt(*id, offset))
      return Hover{"```rflow\nstage " + stage->name +
                       "\n```\n\n---\n\nThe stage this wait is counted in, from the request "
                       "to its answer: `GET /v1/insights/stages` and the dashboard's “Where time "
                       "goes” add up the time instances spend in it. Without the clause, the "
                       "stage is the title's text before its first interpolation.",
                   rangeOf(a.result.sources.file(*id), stage->span)};
    // No name here: the type of the expression under the cursor.
    const auto typed = a.index().typeAt(*id, offset);
    if (!typed) return std::nullopt;
    return Hover{"```rflow\n" + a.result.program.typeName(typed->second) + "\n```",
                 rangeOf(a.result.sources.file(*id), typed->first)};
  }
  std::string md = "```rflow\n" + sym->signature + "\n```";
  if (!sym->container.empty() && sym->kind != SymbolKind::kLocal)
    md += "\n\nin `" + sym->container + "`";
  if (!sym->doc.empty()) md += "\n\n---\n\n" + sym->doc;
  return Hover{md, rangeOf(a.result.sources.file(*id), occ->span)};
}

std::vector<FileRange> LanguageService::definition(const std::string& path, uint32_t offset) {
  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  if (!id) return {};
  const Occurrence* occ = a.index().occurrenceAt(*id, offset);
  // A classifier's result field is declared by the classifier.
  if (const UnplacedField* field = occ ? nullptr : a.index().unplacedFieldAt(*id, offset))
    return {fileRange(a.result, field->info.location)};
  // The prelude is compiled into rflow, not a file the editor can open.
  if (occ == nullptr || occ->symbol.file < compiler::CheckResult::kFirstUserFile) return {};
  return {fileRange(a.result, occ->symbol)};
}

std::vector<FileRange> LanguageService::references(const std::string& path, uint32_t offset,
                                                   bool include_declaration) {
  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  if (!id) return {};
  const Occurrence* occ = a.index().occurrenceAt(*id, offset);
  if (occ == nullptr) return {};
  std::vector<FileRange> out;
  for (const Location& l : a.index().references(occ->symbol)) {
    if (l.file < compiler::CheckResult::kFirstUserFile) continue;
    if (!include_declaration && keyOf(l) == keyOf(occ->symbol)) continue;
    out.push_back(fileRange(a.result, l));
  }
  return out;
}

std::optional<Range> LanguageService::prepareRename(const std::string& path, uint32_t offset) {
  const Analysis& a = state_->current();
  const auto id = state_->fileOf(a, path);
  if (!id) return std::nullopt;
  const Occurrence* occ = a.index().occurrenceAt(*id, offset);
  if (occ == nullptr || occ->symbol.file < compiler::CheckResult::kFirstUserFile)
    return std::nullopt;
  const SymbolInfo* sym = a.index().symbol(occ->symbol);
  if (sym == nullptr || sym->kind == SymbolKind::kModule) return std::nullopt;
  return rangeOf(a.result.sources.file(*id), occ->span);
}

std::variant<WorkspaceEdit, std::string> LanguageService::rename(const std::string& path,
                                                                 uint32_t offset,
                                                                 const std::string& new_name) {
  const bool valid = !new_name.empty() && !(new_name[0] >= '0' && new_name[0] <= '9') &&
                     std::all_of(new_name.begin(), new_name.end(), isIdentChar);
  if (!valid) return "`" + new_name + "` is not a valid rflow name";
  if (isReservedWord(new_name)) return "`" + new_name + "` is a reserved word";
  if (!prepareRename(path, offset)) return std::string("there is no symbol to rename here");
  const Analysis& a = state_->current();
  const Occurrence* occ = a.index().occurrenceAt(*state_->fileOf(a, path), offset);
  // A declaration that already has the new name beside it (same module, record, enum or
  // connector) would make the rename an error; locals may shadow, so they are not asked.
  if (const SymbolInfo* sym = a.index().symbol(occ->symbol);
      sym != nullptr && sym->kind != SymbolKind::kLocal && sym->kind != SymbolKind::kParameter) {
    for (const auto& [key, other] : a.index().symbols()) {
      if (other.name == new_name && other.container == sym->container &&
          other.kind != SymbolKind::kLocal && other.kind != SymbolKind::kParameter &&
          keyOf(other.location) != keyOf(sym->location))
        return "`" + new_name + "` is already declared in `" + sym->container + "`";
    }
  }
  std::set<std::pair<std::string, uint32_t>> seen;
  WorkspaceEdit edit;
  std::vector<Location> places = a.index().references(occ->symbol);
  places.push_back(occ->symbol);
  for (const Location& l : places) {
    const source::SourceFile& f = a.result.sources.file(l.file);
    if (!seen.insert({f.path(), l.span.begin}).second) continue;
    edit[f.path()].push_back({rangeOf(f, l.span), new_name});
  }
  return edit;
}

std::variant<std::string, std::string> LanguageService::format(const std::string& path) {
  const std::string* t = text(path);
  if (t == nullptr)
    return std::variant<std::string, std::string>(std::in_place_index<1>, "unknown document");
  rflow::format::FormatResult r = rflow::format::formatText(normalizePath(path), *t);
  if (r.ok())
    return std::variant<std::string, std::string>(std::in_place_index<0>, std::move(*r.text));
  std::string why =
      !r.diagnostics.empty() ? "not formatted: " + r.diagnostics.front().message : r.internal_error;
  return std::variant<std::string, std::string>(std::in_place_index<1>, why);
}

}  // namespace rflow::lsp::service

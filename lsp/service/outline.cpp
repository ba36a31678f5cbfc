// The outline of a document (symbols, folding) and its semantic tokens, plus workspace
// symbols. Symbols and folding come from the syntax tree and the token stream, so they
// exist for declarations with syntax errors too.
#include <algorithm>

#include "lsp/service/language_service.h"
#include "lsp/service/state.h"
#include "parse/tokens.h"
#include "source/utf8.h"

namespace rflow::lsp::service {

namespace {

SymbolKind declSymbolKind(const syntax::Decl& d) {
  using K = syntax::DeclKind;
  switch (d.kind()) {
    case K::kRecord:
      return SymbolKind::kRecord;
    case K::kEnum:
      return SymbolKind::kEnum;
    case K::kConst:
      return SymbolKind::kConst;
    case K::kRole:
      return SymbolKind::kRole;
    case K::kSignal:
      return SymbolKind::kSignal;
    case K::kConnector:
      return SymbolKind::kConnector;
    case K::kFn:
      return SymbolKind::kFunction;
    case K::kDecision:
      return SymbolKind::kDecision;
    case K::kPolicy:
      return SymbolKind::kPolicy;
    case K::kTrigger:
      return SymbolKind::kTrigger;
    case K::kWorkflow:
      return SymbolKind::kWorkflow;
    case K::kTest:
      return SymbolKind::kTest;
    case K::kClassifier:
      return SymbolKind::kClassifier;
    case K::kCalendar:
      return SymbolKind::kCalendar;
  }
  return SymbolKind::kFunction;
}

SemanticType semanticType(SymbolKind kind) {
  switch (kind) {
    case SymbolKind::kModule:
      return SemanticType::kNamespace;
    case SymbolKind::kRecord:
    case SymbolKind::kSignal:
      return SemanticType::kType;
    case SymbolKind::kEnum:
      return SemanticType::kEnum;
    case SymbolKind::kEnumMember:
      return SemanticType::kEnumMember;
    case SymbolKind::kField:
      return SemanticType::kProperty;
    case SymbolKind::kOperation:
      return SemanticType::kMethod;
    case SymbolKind::kFunction:
    case SymbolKind::kDecision:
      return SemanticType::kFunction;
    case SymbolKind::kParameter:
      return SemanticType::kParameter;
    case SymbolKind::kConst:
    case SymbolKind::kLocal:
      return SemanticType::kVariable;
    default:
      return SemanticType::kClass;
  }
}

}  // namespace

std::vector<DocumentSymbol> LanguageService::documentSymbols(const std::string& path) {
  const Analysis& a = state_->current();
  std::vector<DocumentSymbol> out;
  const auto id = state_->fileOf(a, path);
  if (!id) return out;
  const source::SourceFile& file = a.result.sources.file(*id);
  const syntax::File& tree = a.result.files[*id];
  const auto child = [&](const syntax::Ident& name, source::Span span, SymbolKind kind,
                         std::string detail) {
    return DocumentSymbol{name.text,
                          std::move(detail),
                          kind,
                          rangeOf(file, span.to(name.span)),
                          rangeOf(file, name.span),
                          {}};
  };
  for (const syntax::Decl& d : tree.decls) {
    std::string name = d.name.text;
    if (const auto* t = d.as<syntax::TestDecl>()) {
      name = t->title ? std::string(file.text(t->title->span)) : "test";
    } else if (const auto* tr = d.as<syntax::TriggerDecl>()) {
      name = tr->schedule ? "on schedule" : "on event " + d.name.text;
    }
    if (name.empty()) continue;
    DocumentSymbol sym{name,
                       d.has_syntax_error ? "(syntax error)" : "",
                       declSymbolKind(d),
                       rangeOf(file, d.span),
                       rangeOf(file, d.name.span.empty() ? d.span : d.name.span),
                       {}};
    const SymbolInfo* info = a.index().symbol({*id, d.name.span});
    if (info != nullptr && sym.detail.empty())
      sym.detail = info->signature.substr(0, info->signature.find('\n'));
    if (const auto* r = d.as<syntax::RecordDecl>()) {
      for (const auto& f : r->fields)
        sym.children.push_back(
            child(f.name, f.span, SymbolKind::kField, std::string(file.text(f.type.span))));
    } else if (const auto* s = d.as<syntax::SignalDecl>()) {
      for (const auto& f : s->fields)
        sym.children.push_back(
            child(f.name, f.span, SymbolKind::kField, std::string(file.text(f.type.span))));
    } else if (const auto* e = d.as<syntax::EnumDecl>()) {
      for (const auto& m : e->members)
        sym.children.push_back(child(m.name, m.span, SymbolKind::kEnumMember, ""));
    } else if (const auto* c = d.as<syntax::ConnectorDecl>()) {
      for (const auto& op : c->ops)
        sym.children.push_back(child(op.name, op.span, SymbolKind::kOperation, ""));
    }
    out.push_back(std::move(sym));
  }
  return out;
}

std::vector<WorkspaceSymbol> LanguageService::workspaceSymbols(const std::string& query) {
  const Analysis& a = state_->current();
  std::vector<WorkspaceSymbol> out;
  const auto lower = [](std::string s) {
    for (char& c : s)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string q = lower(query);
  for (const auto& [key, s] : a.index().symbols()) {
    if (s.location.file < compiler::CheckResult::kFirstUserFile) continue;
    if (s.kind == SymbolKind::kParameter || s.kind == SymbolKind::kLocal ||
        s.kind == SymbolKind::kField)
      continue;
    if (lower(s.name).find(q) == std::string::npos) continue;
    out.push_back({s.name, s.kind, s.container, fileRange(a.result, s.location)});
    if (out.size() >= 500) break;
  }
  return out;
}

std::vector<SemanticToken> LanguageService::semanticTokens(const std::string& path) {
  const Analysis& a = state_->current();
  std::vector<SemanticToken> out;
  const auto id = state_->fileOf(a, path);
  if (!id) return out;
  const source::SourceFile& file = a.result.sources.file(*id);
  const Index& index = a.index();
  const auto emit = [&](source::Span span, SemanticType type, bool decl, bool doc) {
    // A token never spans lines in the protocol: split multi-line comments.
    uint32_t begin = span.begin;
    while (begin < span.end) {
      const std::string_view rest = file.text().substr(begin, span.end - begin);
      const size_t nl = rest.find('\n');
      const uint32_t end =
          nl == std::string_view::npos ? span.end : begin + static_cast<uint32_t>(nl);
      std::string_view piece = file.text().substr(begin, end - begin);
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      if (!piece.empty()) {
        const Position p = positionAt(file, begin);
        out.push_back({p.line, p.character, static_cast<uint32_t>(source::countUtf16Units(piece)),
                       type, decl, doc});
      }
      begin = end + 1;
    }
  };
  for (const parse::Token& t : parse::lexTokens(file)) {
    switch (t.cls) {
      case parse::TokenClass::kKeyword:
        emit(t.span, SemanticType::kKeyword, false, false);
        break;
      case parse::TokenClass::kContextual:
      case parse::TokenClass::kIdent: {
        const Occurrence* occ = index.occurrenceAt(*id, t.span.begin);
        const SymbolInfo* s = occ && occ->span == t.span ? index.symbol(occ->symbol) : nullptr;
        const UnplacedField* field = index.unplacedFieldAt(*id, t.span.begin);
        if (s != nullptr) {
          emit(t.span, semanticType(s->kind), occ->is_declaration, false);
        } else if (field != nullptr && field->span == t.span) {
          emit(t.span, SemanticType::kProperty, false, false);
        } else {
          emit(
              t.span,
              t.cls == parse::TokenClass::kIdent ? SemanticType::kVariable : SemanticType::kKeyword,
              false, false);
        }
        break;
      }
      case parse::TokenClass::kNumber:
        emit(t.span, SemanticType::kNumber, false, false);
        break;
      case parse::TokenClass::kString:
        emit(t.span, SemanticType::kString, false, false);
        break;
      case parse::TokenClass::kComment:
        emit(t.span, SemanticType::kComment, false, false);
        break;
      case parse::TokenClass::kDocComment:
        emit(t.span, SemanticType::kComment, false, true);
        break;
      default:
        break;
    }
  }
  return out;
}

std::vector<FoldingRange> LanguageService::foldingRanges(const std::string& path) {
  std::vector<FoldingRange> out;
  const std::string* t = text(path);
  if (t == nullptr) return out;
  const source::SourceFile file(path, *t);
  std::vector<uint32_t> open;  // lines of unclosed brackets
  uint32_t comment_start = 0, comment_end = 0;
  bool in_comments = false;
  for (const parse::Token& tok : parse::lexTokens(file)) {
    const uint32_t line = file.line(tok.span.begin) - 1;
    const bool comment =
        tok.cls == parse::TokenClass::kComment || tok.cls == parse::TokenClass::kDocComment;
    if (comment) {
      if (in_comments && line == comment_end + 1) {
        comment_end = line;
      } else {
        if (in_comments && comment_end > comment_start)
          out.push_back({comment_start, comment_end, true});
        in_comments = true;
        comment_start = line;
        comment_end = file.line(tok.span.end) - 1;
      }
      continue;
    }
    const std::string_view s = file.text(tok.span);
    if (s == "{" || s == "(" || s == "[") {
      open.push_back(line);
    } else if ((s == "}" || s == ")" || s == "]") && !open.empty()) {
      // The closing line stays visible: fold up to the line before it.
      if (line > open.back() + 1) out.push_back({open.back(), line - 1, false});
      open.pop_back();
    }
  }
  if (in_comments && comment_end > comment_start) out.push_back({comment_start, comment_end, true});
  std::sort(out.begin(), out.end(), [](const FoldingRange& x, const FoldingRange& y) {
    return x.start_line < y.start_line;
  });
  return out;
}

}  // namespace rflow::lsp::service

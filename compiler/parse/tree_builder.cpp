#include "parse/tree_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/suggest.h"
#include "syntax/limits.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;
using namespace rflow::syntax;

TreeBuilder::TreeBuilder(ParseSession& session) : session_(session) {
  indexDocComments();
}

// ---------------------------------------------------------------------------------------
// Positions, names, docs

source::Span TreeBuilder::span(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr || ctx->getStart() == nullptr) return {};
  return session_.span(ctx->getStart(), ctx->getStop());
}

source::Span TreeBuilder::span(antlr4::tree::TerminalNode* node) const {
  return node == nullptr ? source::Span{} : session_.span(node->getSymbol());
}

std::string TreeBuilder::text(antlr4::tree::TerminalNode* node) const {
  return text(span(node));
}

std::string TreeBuilder::text(source::Span s) const {
  return std::string(session_.file().text(s));
}

Ident TreeBuilder::ident(P::NameContext* ctx) const {
  if (ctx == nullptr) return {};
  const source::Span s = span(ctx);
  return {text(s), s};
}

Ident TreeBuilder::ident(P::MemberNameContext* ctx) const {
  if (ctx == nullptr) return {};
  const source::Span s = span(ctx);
  return {text(s), s};
}

Path TreeBuilder::path(P::QualifiedNameContext* ctx) const {
  Path out;
  if (ctx == nullptr) return out;
  if (ctx->name() != nullptr) out.push_back(ident(ctx->name()));
  for (P::MemberNameContext* m : ctx->memberName())
    out.push_back(ident(m));
  return out;
}

Path TreeBuilder::path(P::ModuleNameContext* ctx) const {
  Path out;
  if (ctx == nullptr) return out;
  for (P::MemberNameContext* m : ctx->memberName())
    out.push_back(ident(m));
  return out;
}

void TreeBuilder::indexDocComments() {
  size_t last_line = 1;
  for (const antlr4::Token* t : session_.tokens())
    last_line = std::max(last_line, t->getLine());
  busy_lines_.assign(last_line + 2, false);
  for (const antlr4::Token* t : session_.tokens()) {
    const size_t type = t->getType();
    if (type == P::NEWLINE || type == antlr4::Token::EOF) continue;
    if (type == P::DOC_COMMENT) {
      // A doc line holds the `///` comment and nothing before it.
      const source::Span s = session_.span(t);
      const auto line_start = session_.file().lineStart(static_cast<uint32_t>(t->getLine()));
      const std::string_view before =
          session_.file().text().substr(line_start, s.begin - line_start);
      if (before.find_first_not_of(" \t") == std::string_view::npos) {
        std::string body = text(s).substr(3);
        if (!body.empty() && body.front() == ' ') body.erase(0, 1);
        while (!body.empty() && (body.back() == '\r' || body.back() == ' '))
          body.pop_back();
        doc_lines_[t->getLine()] = std::move(body);
        continue;
      }
    }
    // Anything else marks every line it spans as taken.
    const source::Span s = session_.span(t);
    const size_t end_line = session_.file().line(s.end > s.begin ? s.end - 1 : s.begin);
    for (size_t line = t->getLine(); line <= end_line && line < busy_lines_.size(); ++line)
      busy_lines_[line] = true;
  }
  for (const auto& [line, _] : doc_lines_) {
    if (line < busy_lines_.size()) busy_lines_[line] = false;
  }
}

std::string TreeBuilder::docAbove(antlr4::ParserRuleContext* ctx) const {
  if (ctx == nullptr || ctx->getStart() == nullptr) return {};
  // Only what starts a line is documented: in `High, Low` the doc is High's alone.
  if (!session_.startsLine(ctx->getStart()->getTokenIndex())) return {};
  size_t line = ctx->getStart()->getLine();
  // Skip blank lines between the doc block and what it documents.
  while (line > 1 && !doc_lines_.count(line - 1) && !busy_lines_[line - 1])
    --line;
  std::vector<const std::string*> lines;
  while (line > 1 && doc_lines_.count(line - 1)) {
    lines.push_back(&doc_lines_.at(line - 1));
    --line;
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if (!out.empty()) out += '\n';
    out += **it;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Files

syntax::File TreeBuilder::build(P::FileContext* ctx) {
  syntax::File file;
  file.file = session_.fileId();
  if (ctx != nullptr) {
    for (P::TopLevelContext* top : ctx->topLevel())
      topLevel(top, file);
  }
  if (file.module.empty() && file.module_span.empty()) {
    // Suggest the file's name as the module name.
    std::string stem = session_.file().path();
    if (const auto slash = stem.find_last_of('/'); slash != std::string::npos)
      stem = stem.substr(slash + 1);
    if (const auto dot = stem.find('.'); dot != std::string::npos) stem = stem.substr(0, dot);
    std::string name;
    for (char c : stem)
      name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "main";
    session_.error({0, 0}, diag::MissingModuleLine, name)
        .fix("add a `module` line", {{session_.location({0, 0}), "module " + name + "\n"}})
        .emit();
  }

  // Comments, for the formatter.
  for (const antlr4::Token* t : session_.tokens()) {
    const size_t type = t->getType();
    if (type == P::DOC_COMMENT) {
      file.comments.push_back({Comment::Kind::kDoc, session_.span(t)});
    } else if (type == P::LINE_COMMENT) {
      file.comments.push_back({Comment::Kind::kLine, session_.span(t)});
    } else if (type == P::BLOCK_COMMENT || type == P::UNTERMINATED_COMMENT) {
      file.comments.push_back({Comment::Kind::kBlock, session_.span(t)});
    }
  }

  // A declaration with a syntax error anywhere inside gets no semantic diagnostics.
  const auto& errors = session_.errorOffsets();
  file.has_syntax_error = !errors.empty();
  for (Decl& decl : file.decls) {
    decl.has_syntax_error = std::any_of(errors.begin(), errors.end(), [&](uint32_t offset) {
      // Inclusive end: "expected `}`" is reported just after a declaration's last token.
      return decl.span.begin <= offset && offset <= decl.span.end;
    });
  }
  file.expr_count = next_expr_id_;
  return file;
}

void TreeBuilder::topLevel(P::TopLevelContext* ctx, syntax::File& file) {
  if (ctx == nullptr || ctx->getStart() == nullptr) return;
  const source::Span whole = span(ctx);
  if (!session_.startsLine(ctx->getStart()->getTokenIndex())) {
    session_
        .error(whole.begin == whole.end ? whole : source::Span{whole.begin, whole.begin + 1},
               diag::DeclarationNotOnOwnLine)
        .emit();
  }
  if (auto* m = ctx->moduleDecl()) {
    if (!file.module.empty() || !file.module_span.empty()) {
      const auto line = session_.file().line(file.module_span.begin);
      std::string previous;
      for (const Ident& i : file.module)
        previous += (previous.empty() ? "" : ".") + i.text;
      session_.error(span(m), diag::DuplicateModuleLine, previous, line).emit();
      return;
    }
    if (!file.imports.empty() || !file.decls.empty())
      session_.error(span(m), diag::ModuleLineNotFirst).emit();
    file.module = path(m->moduleName());
    file.module_span = span(m);
    return;
  }
  if (auto* i = ctx->importDecl()) {
    if (!file.decls.empty()) session_.error(span(i), diag::ImportAfterDeclaration).emit();
    ImportDecl import{path(i->moduleName()), std::nullopt, span(i)};
    if (i->KW_AS() != nullptr && i->name() != nullptr) import.alias = ident(i->name());
    file.imports.push_back(std::move(import));
    return;
  }
  if (auto decl = declaration(ctx)) file.decls.push_back(std::move(*decl));
}

// ---------------------------------------------------------------------------------------
// Declarations

std::optional<syntax::Decl> TreeBuilder::declaration(P::TopLevelContext* ctx) {
  Decl decl;
  decl.span = span(ctx);
  decl.doc = docAbove(ctx);
  const auto finish = [&](P::NameContext* name, Decl::Data data) {
    decl.name = ident(name);
    decl.data = std::move(data);
    return std::optional<Decl>(std::move(decl));
  };

  if (auto* c = ctx->recordDecl()) return finish(c->name(), RecordDecl{fields(c->fieldList())});
  if (auto* c = ctx->enumDecl()) {
    EnumDecl e;
    for (P::EnumMemberContext* m : c->enumMember()) {
      e.members.push_back({ident(m->name()), docAbove(m), span(m)});
    }
    return finish(c->name(), std::move(e));
  }
  if (auto* c = ctx->constDecl())
    return finish(c->name(), ConstDecl{optionalType(c->type()), box(c->expr())});
  if (auto* c = ctx->roleDecl()) {
    RoleDecl r;
    if (c->stringLit() != nullptr) r.title = string(c->stringLit());
    return finish(c->name(), std::move(r));
  }
  if (auto* c = ctx->signalDecl()) {
    return finish(c->name(),
                  SignalDecl{c->fieldList() ? fields(c->fieldList()) : std::vector<FieldDecl>{}});
  }
  if (auto* c = ctx->connectorDecl()) {
    ConnectorDecl conn;
    for (P::ConnectorOpContext* op : c->connectorOp()) {
      conn.ops.push_back({ident(op->memberName()), params(op->paramList()),
                          optionalType(op->type()), docAbove(op), span(op)});
    }
    return finish(c->name(), std::move(conn));
  }
  if (auto* c = ctx->fnDecl()) {
    FnDecl fn{params(c->paramList()), optionalType(c->type()), std::nullopt, {}};
    if (c->block() != nullptr) {
      fn.body = block(c->block());
    } else if (c->ASSIGN() != nullptr) {
      fn.expr_body = box(c->expr());
      if (!fn.expr_body) fn.expr_body = error(span(c->ASSIGN()));
    }
    return finish(c->name(), std::move(fn));
  }
  if (auto* c = ctx->decisionDecl()) {
    DecisionDecl d{params(c->paramList()), type(c->type()), {}};
    std::optional<uint32_t> else_line;
    for (P::DecisionRuleContext* r : c->decisionRule()) {
      DecisionRule rule;
      rule.span = span(r);
      const auto& exprs = r->expr();
      if (r->KW_ELSE() != nullptr) {
        if (else_line) {
          session_.error(span(r->KW_ELSE()), diag::DuplicateElse, *else_line).emit();
        }
        else_line = session_.file().line(rule.span.begin);
        rule.result = exprs.empty() ? Box<Expr>() : Box<Expr>(expr(exprs[0]));
      } else {
        if (else_line) session_.error(span(r), diag::RuleAfterElse).emit();
        rule.cond = exprs.empty() ? Box<Expr>() : Box<Expr>(expr(exprs[0]));
        rule.result = exprs.size() < 2 ? Box<Expr>() : Box<Expr>(expr(exprs[1]));
      }
      d.rules.push_back(std::move(rule));
    }
    return finish(c->name(), std::move(d));
  }
  if (auto* c = ctx->policyDecl()) {
    const auto names = c->name();
    PolicyDecl p;
    p.kind = c->policyKind() != nullptr && c->policyKind()->KW_TASK() != nullptr
                 ? PolicyKind::kTask
                 : PolicyKind::kApproval;
    if (names.size() > 1) p.param = ident(names[1]);
    p.when = box(c->expr());
    p.body = block(c->block());
    return finish(names.empty() ? nullptr : names[0], std::move(p));
  }
  if (auto* c = ctx->triggerDecl()) {
    TriggerDecl t;
    t.schedule = c->KW_SCHEDULE() != nullptr;
    if (c->paramList() != nullptr) t.params = params(c->paramList());
    if (c->stringLit() != nullptr) t.cron = string(c->stringLit());
    t.workflow = path(c->qualifiedName());
    t.args = args(c->argList());
    return finish(c->name(), std::move(t));
  }
  if (auto* c = ctx->workflowDecl()) {
    WorkflowDecl w;
    w.params = params(c->paramList());
    w.result = optionalType(c->type());
    w.body = block(c->block(), &w);
    return finish(c->name(), std::move(w));
  }
  if (auto* c = ctx->classifierDecl()) return finish(c->name(), classifier(c));
  if (auto* c = ctx->calendarDecl()) return finish(c->name(), calendar(c));
  if (auto* c = ctx->testDecl()) {
    TestDecl t;
    if (c->stringLit() != nullptr) t.title = string(c->stringLit());
    t.body = block(c->block());
    return finish(nullptr, std::move(t));
  }
  return std::nullopt;
}

syntax::ClassifierDecl TreeBuilder::classifier(P::ClassifierDeclContext* ctx) {
  ClassifierDecl c;
  c.labels = type(ctx->type());
  std::optional<uint32_t> threshold_line;
  for (P::ClassifierClauseContext* clause : ctx->classifierClause()) {
    const source::Span keyword = session_.span(clause->getStart());
    if (clause->KW_THRESHOLD() != nullptr) {
      if (threshold_line) {
        session_.error(keyword, diag::DuplicateClause, "a classifier", "threshold", *threshold_line)
            .emit();
        continue;
      }
      threshold_line = session_.file().line(keyword.begin);
      c.threshold = clause->expr() != nullptr ? Box<Expr>(expr(clause->expr()))
                                              : Box<Expr>(error(span(clause)));
      continue;
    }
    const std::string word = text(keyword);
    auto d = session_.error(keyword, diag::UnknownClause, word, "a classifier");
    d.note(std::nullopt, "a classifier takes `threshold`");
    if (base::closestMatch(word, std::array<std::string_view, 1>{"threshold"})) {
      d.fix(fmt::format("replace `{}` with `threshold`", word),
            {{session_.location(keyword), "threshold"}});
    }
    d.emit();
  }
  return c;
}

std::vector<syntax::Param> TreeBuilder::params(P::ParamListContext* ctx) {
  std::vector<Param> out;
  if (ctx == nullptr) return out;
  for (P::ParamContext* p : ctx->param())
    out.push_back({ident(p->name()), type(p->type()), span(p)});
  return out;
}

std::vector<syntax::FieldDecl> TreeBuilder::fields(P::FieldListContext* ctx) {
  std::vector<FieldDecl> out;
  if (ctx == nullptr) return out;
  for (P::FieldDeclContext* f : ctx->fieldDecl())
    out.push_back(field(f));
  return out;
}

syntax::FieldDecl TreeBuilder::field(P::FieldDeclContext* ctx) {
  FieldDecl f;
  f.name = ident(ctx->memberName());
  f.type = type(ctx->type());
  if (ctx->ASSIGN() != nullptr) {
    f.default_value = box(ctx->expr());
    if (!f.default_value) f.default_value = error(span(ctx->ASSIGN()));
  }
  f.doc = docAbove(ctx);
  f.span = span(ctx);
  return f;
}

// ---------------------------------------------------------------------------------------
// Types

std::optional<syntax::TypeRef> TreeBuilder::optionalType(P::TypeContext* ctx) {
  if (ctx == nullptr) return std::nullopt;
  return type(ctx);
}

syntax::TypeRef TreeBuilder::type(P::TypeContext* ctx) {
  if (ctx == nullptr) return {};
  TypeRef inner = typeAtom(ctx->typeAtom());
  if (ctx->QUESTION() == nullptr) return inner;
  TypeRef optional;
  optional.kind = TypeRef::Kind::kOptional;
  optional.span = span(ctx);
  optional.args.push_back(std::move(inner));
  return optional;
}

syntax::TypeRef TreeBuilder::typeAtom(P::TypeAtomContext* ctx) {
  TypeRef t;
  if (ctx == nullptr) return t;
  t.span = span(ctx);
  const auto inner = ctx->type();
  if (ctx->KW_LIST() != nullptr || ctx->KW_MAP() != nullptr) {
    t.kind = ctx->KW_LIST() != nullptr ? TypeRef::Kind::kList : TypeRef::Kind::kMap;
    t.args.push_back(inner.empty() ? TypeRef{} : type(inner[0]));
    return t;
  }
  if (ctx->qualifiedName() == nullptr) return t;
  t.kind = TypeRef::Kind::kNamed;
  t.path = path(ctx->qualifiedName());
  for (P::TypeContext* arg : inner)
    t.args.push_back(type(arg));
  return t;
}

}  // namespace rflow::parse

// TreeBuilder: ANTLR's parse tree to rflow's syntax tree, the one place where the two
// meet. Internal to compiler/parse.
//
// The parse tree may be incomplete where the parser recovered from errors: every
// accessor here tolerates missing children and builds error nodes for them (the error
// itself was already reported). Problems the grammar accepts on purpose so that they can
// be explained well — literals like `3days`, chained comparisons, unknown approval
// clauses, header clauses out of place — are diagnosed here.
//
// Split by grammar area: tree_builder.cpp (files, declarations, types, names),
// tree_builder_stmts.cpp, tree_builder_exprs.cpp.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "RFlowParser.h"
#include "parse/session.h"
#include "syntax/ast.h"

namespace rflow::parse {

using P = rflow::grammar::RFlowParser;

class TreeBuilder {
 public:
  explicit TreeBuilder(ParseSession& session);

  syntax::File build(P::FileContext* ctx);

 private:
  // ---- Positions, names and docs (tree_builder.cpp)
  source::Span span(antlr4::ParserRuleContext* ctx) const;
  source::Span span(antlr4::tree::TerminalNode* node) const;
  std::string text(antlr4::tree::TerminalNode* node) const;
  std::string text(source::Span span) const;
  syntax::Ident ident(P::NameContext* ctx) const;
  syntax::Ident ident(P::MemberNameContext* ctx) const;
  syntax::Path path(P::QualifiedNameContext* ctx) const;
  syntax::Path path(P::ModuleNameContext* ctx) const;
  std::string docAbove(antlr4::ParserRuleContext* ctx) const;
  void indexDocComments();

  // ---- Declarations and types (tree_builder.cpp)
  void topLevel(P::TopLevelContext* ctx, syntax::File& file);
  std::optional<syntax::Decl> declaration(P::TopLevelContext* ctx);
  syntax::TypeRef type(P::TypeContext* ctx);
  syntax::TypeRef typeAtom(P::TypeAtomContext* ctx);
  std::optional<syntax::TypeRef> optionalType(P::TypeContext* ctx);
  std::vector<syntax::Param> params(P::ParamListContext* ctx);
  std::vector<syntax::FieldDecl> fields(P::FieldListContext* ctx);
  syntax::FieldDecl field(P::FieldDeclContext* ctx);

  // ---- Statements (tree_builder_stmts.cpp)
  // `workflow` is set for a workflow's body: its leading header clauses go there.
  syntax::Block block(P::BlockContext* ctx, syntax::WorkflowDecl* workflow = nullptr);
  std::optional<syntax::Stmt> stmt(P::StmtContext* ctx);
  void headerClause(P::HeaderClauseContext* ctx, syntax::WorkflowDecl* workflow, bool in_header);
  syntax::Pattern pattern(P::PatternContext* ctx);
  std::optional<syntax::Stmt> decide(P::DecideStmtContext* ctx, bool expect_refused);

  // ---- Expressions (tree_builder_exprs.cpp)
  syntax::Expr expr(P::ExprContext* ctx);
  syntax::Box<syntax::Expr> box(P::ExprContext* ctx);  // empty when ctx is null
  syntax::Expr coalesce(P::CoalesceExprContext* ctx);
  syntax::Expr orExpr(P::OrExprContext* ctx);
  syntax::Expr andExpr(P::AndExprContext* ctx);
  syntax::Expr notExpr(P::NotExprContext* ctx);
  syntax::Expr cmpExpr(P::CmpExprContext* ctx);
  syntax::Expr addExpr(P::AddExprContext* ctx);
  syntax::Expr mulExpr(P::MulExprContext* ctx);
  syntax::Expr unaryExpr(P::UnaryExprContext* ctx);
  syntax::Expr postfixExpr(P::PostfixExprContext* ctx);
  syntax::Expr primary(P::PrimaryContext* ctx);
  syntax::Expr literal(P::LiteralContext* ctx);
  syntax::Expr string(P::StringLitContext* ctx);
  std::vector<syntax::Expr> args(P::ArgListContext* ctx);
  std::vector<syntax::FieldInit> fieldInits(P::FieldInitsContext* ctx);
  std::vector<syntax::Clause> clauses(P::ClauseBlockContext* ctx, bool is_task);
  syntax::ClassifierDecl classifier(P::ClassifierDeclContext* ctx);
  // `d in Calendar` after a waiting duration: wraps `duration` in an InCalendarExpr when
  // ctx is there (after `await … timeout`), or turns a top-level `d in C` membership test
  // into one (after `due`, `escalate after`, `sla`, `sleep`; tree_builder_exprs.cpp).
  syntax::Box<syntax::Expr> inCalendar(syntax::Box<syntax::Expr> duration,
                                       P::InCalendarContext* ctx);
  // The `calendar` declaration, its lines read from their source text
  // (tree_builder_calendar.cpp).
  syntax::CalendarDecl calendar(P::CalendarDeclContext* ctx);
  syntax::NamedValue namedValue(P::NamedValueContext* ctx);
  syntax::Expr binary(syntax::BinaryOp op, source::Span op_span, syntax::Expr lhs,
                      syntax::Expr rhs);

  // Every expression node is made here: it gets its id, and the nesting limit is
  // enforced (an over-deep node is reported once and replaced by an error node).
  syntax::Expr make(source::Span span, syntax::Expr::Data data);
  syntax::Expr error(source::Span span);

  ParseSession& session_;
  uint32_t next_expr_id_ = 0;
  // Height of the expression with each id (1 for leaves).
  std::vector<uint16_t> heights_;
  // Blocks currently open while building statements.
  size_t block_depth_ = 0;
  // Doc comment text by line, for lines holding nothing but a `///` comment, and the
  // lines holding anything else.
  std::map<size_t, std::string> doc_lines_;
  std::vector<bool> busy_lines_;
};

}  // namespace rflow::parse

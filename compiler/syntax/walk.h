// Walking the syntax tree: every expression under a statement, block or expression,
// parents before children, in source order. For passes that look for patterns (lints,
// the language server's symbol index) rather than compute a result per node.
//
// Recursion depth is bounded by kMaxNestingDepth (limits.h).
#pragma once

#include "syntax/ast.h"

namespace rflow::syntax {

template <typename F>
void walkExpr(const Expr& expr, F&& f);
template <typename F>
void walkBlock(const Block& block, F&& f);
template <typename F>
void walkStmt(const Stmt& stmt, F&& f);

template <typename F>
void walkExpr(const Expr& expr, F&& f) {
  f(expr);
  const auto one = [&](const Box<Expr>& b) {
    if (b) walkExpr(*b, f);
  };
  const auto clauses = [&](const std::vector<Clause>& cs) {
    for (const Clause& c : cs) {
      one(c.value);
      one(c.target);
      for (const FieldInit& fi : c.data)
        one(fi.value);
      for (const FieldDecl& fd : c.form)
        one(fd.default_value);
    }
  };
  std::visit(Overloaded{
                 [&](const StringExpr& x) {
                   for (const StringPart& p : x.parts)
                     one(p.expr);
                 },
                 [&](const MemberExpr& x) { one(x.object); },
                 [&](const IndexExpr& x) {
                   one(x.object);
                   one(x.index);
                 },
                 [&](const CallExpr& x) {
                   one(x.callee);
                   for (const Expr& a : x.args)
                     walkExpr(a, f);
                   if (x.options) {
                     one(x.options->retry);
                     one(x.options->every);
                     one(x.options->backoff);
                     one(x.options->timeout);
                   }
                 },
                 [&](const UnaryExpr& x) { one(x.operand); },
                 [&](const BinaryExpr& x) {
                   one(x.lhs);
                   one(x.rhs);
                 },
                 [&](const ConditionalExpr& x) {
                   one(x.cond);
                   one(x.then_expr);
                   one(x.else_expr);
                 },
                 [&](const ListExpr& x) {
                   for (const Expr& e : x.elements)
                     walkExpr(e, f);
                 },
                 [&](const MapExpr& x) {
                   for (const MapEntry& m : x.entries) {
                     one(m.key);
                     one(m.value);
                   }
                 },
                 [&](const RecordExpr& x) {
                   for (const FieldInit& fi : x.fields)
                     one(fi.value);
                 },
                 [&](const ApprovalExpr& x) {
                   one(x.title);
                   clauses(x.clauses);
                 },
                 [&](const TaskExpr& x) {
                   one(x.title);
                   clauses(x.clauses);
                 },
                 [&](const AwaitExpr& x) { one(x.timeout); },
                 [&](const StartExpr& x) {
                   for (const Expr& e : x.args)
                     walkExpr(e, f);
                 },
                 [&](const ClassifyExpr& x) {
                   for (const Expr& e : x.args)
                     walkExpr(e, f);
                 },
                 [&](const InCalendarExpr& x) { one(x.duration); },
                 [](const auto&) {},
             },
             expr.data);
}

template <typename F>
void walkBlock(const Block& block, F&& f) {
  for (const Stmt& s : block.stmts)
    walkStmt(s, f);
}

template <typename F>
void walkStmt(const Stmt& stmt, F&& f) {
  const auto one = [&](const Box<Expr>& b) {
    if (b) walkExpr(*b, f);
  };
  std::visit(Overloaded{
                 [&](const LetStmt& s) { one(s.value); },
                 [&](const AssignStmt& s) {
                   one(s.target);
                   one(s.value);
                 },
                 [&](const IfStmt& s) {
                   for (const IfBranch& b : s.branches) {
                     one(b.cond);
                     walkBlock(b.body, f);
                   }
                   if (s.else_block) walkBlock(*s.else_block, f);
                 },
                 [&](const MatchStmt& s) {
                   one(s.subject);
                   for (const MatchArm& a : s.arms)
                     walkBlock(a.body, f);
                 },
                 [&](const ForStmt& s) {
                   one(s.iterable);
                   walkBlock(s.body, f);
                 },
                 [&](const WhileStmt& s) {
                   one(s.cond);
                   walkBlock(s.body, f);
                 },
                 [&](const ReturnStmt& s) { one(s.value); },
                 [&](const FailStmt& s) { one(s.message); },
                 [&](const TryStmt& s) {
                   walkBlock(s.body, f);
                   walkBlock(s.handler, f);
                 },
                 [&](const ParallelStmt& s) {
                   for (const ParallelBranch& b : s.branches)
                     one(b.value);
                 },
                 [&](const SleepStmt& s) { one(s.value); },
                 [&](const RequireStmt& s) {
                   one(s.cond);
                   one(s.message);
                 },
                 [&](const NoteStmt& s) { one(s.text); },
                 [&](const NotifyStmt& s) {
                   one(s.target);
                   one(s.text);
                 },
                 [&](const ExprStmt& s) { one(s.expr); },
                 [&](const MockStmt& s) {
                   one(s.result);
                   one(s.fails);
                   one(s.confidence);
                 },
                 [&](const AdvanceStmt& s) { one(s.duration); },
                 [&](const DecideStmt& s) {
                   one(s.target);
                   one(s.by);
                   one(s.comment);
                   for (const FieldInit& fi : s.with)
                     one(fi.value);
                 },
                 [&](const SendStmt& s) {
                   one(s.run);
                   one(s.signal);
                 },
                 [&](const ExpectStmt& s) {
                   one(s.cond);
                   one(s.message);
                 },
                 [&](const ExpectCalledStmt& s) { one(s.times); },
                 [&](const LearnStmt& s) {
                   for (const Expr& e : s.args)
                     walkExpr(e, f);
                 },
                 [&](const MeasureStmt& s) { one(s.measure.value); },
             },
             stmt.data);
}

}  // namespace rflow::syntax

// Statements. Each starts and ends with an empty operand stack.
#include <fmt/format.h>

#include <algorithm>

#include "codegen/function_gen.h"

namespace rflow::codegen {

using check::TypeKind;
using Opcode = bytecode::Opcode;

void FunctionGen::block(const syntax::Block& b) {
  for (const syntax::Stmt& s : b.stmts)
    stmt(s);
}

void FunctionGen::stmt(const syntax::Stmt& s) {
  line(s.span);
  std::visit(
      syntax::Overloaded{
          [&](const syntax::LetStmt& let) {
            const uint32_t begin = w_.offset();
            expr(*let.value);
            namedLet(frameSlot(slotOf(&let)), let.name.text, begin);
            store(frameSlot(slotOf(&let)));
          },
          [&](const syntax::AssignStmt& assign) {
            expr(*assign.value);
            store(frameSlot(fact(*assign.target).a));
          },
          [&](const syntax::IfStmt& i) { ifStmt(i); },
          [&](const syntax::MatchStmt& m) { matchStmt(m); },
          [&](const syntax::ForStmt& f) { forStmt(f); },
          [&](const syntax::WhileStmt& loop) {
            const uint32_t head = w_.offset();
            std::vector<uint32_t> exit;
            condJump(*loop.cond, false, exit);
            block(loop.body);
            w_.emitJumpTo(Opcode::kJump, head);
            patchHere(exit);
          },
          [&](const syntax::ReturnStmt& r) {
            if (r.value) {
              expr(*r.value);
            } else {
              w_.emit(Opcode::kConstNone);
            }
            w_.emit(Opcode::kReturn);
          },
          [&](const syntax::FailStmt& f) {
            expr(*f.message);
            w_.emit(Opcode::kFail);
          },
          [&](const syntax::TryStmt& t) { tryStmt(t); },
          [&](const syntax::ParallelStmt& p) { parallelStmt(p); },
          [&](const syntax::SleepStmt& sleep) {
            expr(*sleep.value);
            if (!sleep.until) waitCalendar(sleep.value.get());
            w_.emit(sleep.until ? Opcode::kSleepUntil : Opcode::kSleep);
          },
          [&](const syntax::RequireStmt& r) {
            // A policy returns the refusal's message; it goes on when the rule holds.
            std::vector<uint32_t> holds;
            condJump(*r.cond, true, holds);
            if (r.message) {
              expr(*r.message);
            } else {
              pushString(fmt::format("refused: `{}` does not hold", sourceText(r.cond->span)));
            }
            w_.emit(Opcode::kReturn);
            patchHere(holds);
          },
          [&](const syntax::LearnStmt& l) {
            for (const syntax::Expr& arg : l.args)
              expr(arg);
            w_.emit(Opcode::kLearn, slotOf(&l));
          },
          [&](const syntax::MeasureStmt& m) {
            expr(*m.measure.value);
            w_.emit(Opcode::kMeasure, slotOf(&m));
          },
          [&](const syntax::NoteStmt& n) {
            expr(*n.text);
            w_.emit(Opcode::kNote);
          },
          [&](const syntax::NotifyStmt& n) {
            expr(*n.target);
            expr(*n.text);
            w_.emit(Opcode::kNotify);
          },
          [&](const syntax::ExprStmt& e) {
            expr(*e.expr);
            w_.emit(Opcode::kPop);
          },
          [&](const auto&) { testStmt(s); },
      },
      s.data);
}

void FunctionGen::ifStmt(const syntax::IfStmt& s) {
  std::vector<uint32_t> to_end;
  for (size_t i = 0; i < s.branches.size(); ++i) {
    const syntax::IfBranch& branch = s.branches[i];
    line(branch.span);
    std::vector<uint32_t> next;
    condJump(*branch.cond, false, next);
    block(branch.body);
    // The last branch without an else falls through to the end: no jump to it.
    if (i + 1 < s.branches.size() || s.else_block) to_end.push_back(w_.emitJump(Opcode::kJump));
    patchHere(next);
  }
  if (s.else_block) block(*s.else_block);
  patchHere(to_end);
}

void FunctionGen::matchStmt(const syntax::MatchStmt& s) {
  const check::TypeTable& t = program_.types;
  const TypeId subject_type = fact(*s.subject).type;
  expr(*s.subject);
  const uint32_t subject = temp(subject_type);
  store(subject);
  std::vector<uint32_t> to_end;
  for (size_t a = 0; a < s.arms.size(); ++a) {
    const syntax::MatchArm& arm = s.arms[a];
    line(arm.span);
    // An arm with a wildcard always matches: testing its other patterns would only decide
    // between two ways into the same body.
    const bool wildcard =
        std::any_of(arm.patterns.begin(), arm.patterns.end(), [](const syntax::Pattern& p) {
          return p.kind == syntax::Pattern::Kind::kWildcard ||
                 p.kind == syntax::Pattern::Kind::kError;
        });
    std::vector<uint32_t> to_body;
    uint32_t next = 0;
    for (size_t i = 0; i < arm.patterns.size() && !wildcard; ++i) {
      const syntax::Pattern& p = arm.patterns[i];
      switch (p.kind) {
        case syntax::Pattern::Kind::kWildcard:
        case syntax::Pattern::Kind::kError:
          continue;
        case syntax::Pattern::Kind::kInt:
          load(subject);
          pushInt(p.int_value);
          break;
        case syntax::Pattern::Kind::kString:
          load(subject);
          pushString(p.string_value);
          break;
        case syntax::Pattern::Kind::kEnumMember: {
          const uint32_t e = t.get(subject_type).decl;
          const int member = program_.enums[e].memberIndex(p.path.back().text);
          load(subject);
          constant(tables_.constant(check::ConstValue{check::EnumValue{
                                        e, static_cast<uint32_t>(member < 0 ? 0 : member)}},
                                    subject_type));
          break;
        }
      }
      w_.emit(Opcode::kEq, typeOf(subject_type));
      // The last pattern's test jumps past the body when it fails; the others jump into
      // it when they hold.
      if (i + 1 < arm.patterns.size()) {
        to_body.push_back(w_.emitJump(Opcode::kJumpIfTrue));
      } else {
        next = w_.emitJump(Opcode::kJumpIfFalse);
      }
    }
    if (!wildcard && arm.patterns.empty()) next = w_.emitJump(Opcode::kJump);  // never matches
    patchHere(to_body);
    block(arm.body);
    const bool last = wildcard || a + 1 == s.arms.size();
    // The last arm's body ends where the match does: no jump to the end.
    if (!last) to_end.push_back(w_.emitJump(Opcode::kJump));
    if (!wildcard) w_.patchJumpHere(next);
    if (wildcard) break;  // nothing after it can match
  }
  patchHere(to_end);
}

void FunctionGen::forStmt(const syntax::ForStmt& s) {
  // The list and the position live in the two hidden slots the checker reserved.
  const uint32_t list = frameSlot(slotOf(&s.body));
  const uint32_t position = list + 1;
  const uint32_t var = frameSlot(slotOf(&s));
  facts_out_.slot_names.emplace(var, s.var.text);
  expr(*s.iterable);
  store(list);
  pushInt(0);
  store(position);
  const uint32_t head = w_.offset();
  load(position);
  load(list);
  w_.emit(Opcode::kListLength);
  w_.emit(Opcode::kLtInt);
  const uint32_t exit = w_.emitJump(Opcode::kJumpIfFalse);
  load(list);
  load(position);
  w_.emit(Opcode::kListAt);
  store(var);
  block(s.body);
  load(position);
  pushInt(1);
  w_.emit(Opcode::kAddInt);
  store(position);
  w_.emitJumpTo(Opcode::kJump, head);
  w_.patchJumpHere(exit);
}

void FunctionGen::tryStmt(const syntax::TryStmt& s) {
  const uint32_t handler = w_.emitJump(Opcode::kTryBegin);
  const uint32_t body = w_.offset();
  block(s.body);
  facts_out_.try_ranges.emplace_back(body, w_.offset());
  w_.emit(Opcode::kTryEnd);
  const uint32_t done = w_.emitJump(Opcode::kJump);
  w_.patchJumpHere(handler);
  store(frameSlot(slotOf(&s)));  // the Error record the handler starts with
  facts_out_.slot_names.emplace(frameSlot(slotOf(&s)), s.error_name.text);
  block(s.handler);
  w_.patchJumpHere(done);
}

void FunctionGen::parallelStmt(const syntax::ParallelStmt& s) {
  // Fork every branch, wait for all, then continue after the branches' code.
  std::vector<uint32_t> forks;
  for (size_t i = 0; i < s.branches.size(); ++i)
    forks.push_back(w_.emitJump(Opcode::kFork));
  w_.emit(Opcode::kJoin);
  const uint32_t after = w_.emitJump(Opcode::kJump);
  for (size_t i = 0; i < s.branches.size(); ++i) {
    const syntax::ParallelBranch& branch = s.branches[i];
    w_.patchJumpHere(forks[i]);
    const uint32_t begin = w_.offset();
    line(branch.span);
    expr(*branch.value);
    store(frameSlot(slotOf(&branch)));
    facts_out_.slot_names.emplace(frameSlot(slotOf(&branch)), branch.name.text);
    w_.emit(Opcode::kEndBranch);
    facts_out_.parallel_ranges.emplace_back(begin, w_.offset());
  }
  w_.patchJumpHere(after);
}

}  // namespace rflow::codegen

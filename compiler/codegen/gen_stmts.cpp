// Statements. Each starts and ends with an empty operand stack.
#include <fmt/format.h>

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
            expr(*let.value);
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
            expr(*loop.cond);
            const uint32_t exit = w_.emitJump(Opcode::kJumpIfFalse);
            block(loop.body);
            w_.emitJumpTo(Opcode::kJump, head);
            w_.patchJumpHere(exit);
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
            w_.emit(sleep.until ? Opcode::kSleepUntil : Opcode::kSleep);
          },
          [&](const syntax::RequireStmt& r) {
            // A policy returns the refusal's message; it goes on when the rule holds.
            expr(*r.cond);
            const uint32_t holds = w_.emitJump(Opcode::kJumpIfTrue);
            if (r.message) {
              expr(*r.message);
            } else {
              pushString(fmt::format("refused: `{}` does not hold", sourceText(r.cond->span)));
            }
            w_.emit(Opcode::kReturn);
            w_.patchJumpHere(holds);
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
  for (const syntax::IfBranch& branch : s.branches) {
    line(branch.span);
    expr(*branch.cond);
    const uint32_t next = w_.emitJump(Opcode::kJumpIfFalse);
    block(branch.body);
    to_end.push_back(w_.emitJump(Opcode::kJump));
    w_.patchJumpHere(next);
  }
  if (s.else_block) block(*s.else_block);
  for (uint32_t jump : to_end)
    w_.patchJumpHere(jump);
}

void FunctionGen::matchStmt(const syntax::MatchStmt& s) {
  const check::TypeTable& t = program_.types;
  const TypeId subject_type = fact(*s.subject).type;
  expr(*s.subject);
  const uint32_t subject = temp(subject_type);
  store(subject);
  std::vector<uint32_t> to_end;
  for (const syntax::MatchArm& arm : s.arms) {
    line(arm.span);
    bool wildcard = false;
    std::vector<uint32_t> to_body;
    for (const syntax::Pattern& p : arm.patterns) {
      switch (p.kind) {
        case syntax::Pattern::Kind::kWildcard:
        case syntax::Pattern::Kind::kError:
          wildcard = true;
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
      to_body.push_back(w_.emitJump(Opcode::kJumpIfTrue));
    }
    uint32_t next = 0;
    if (!wildcard) next = w_.emitJump(Opcode::kJump);
    for (uint32_t jump : to_body)
      w_.patchJumpHere(jump);
    block(arm.body);
    to_end.push_back(w_.emitJump(Opcode::kJump));
    if (wildcard) break;  // the last arm
    w_.patchJumpHere(next);
  }
  for (uint32_t jump : to_end)
    w_.patchJumpHere(jump);
}

void FunctionGen::forStmt(const syntax::ForStmt& s) {
  // The list and the position live in the two hidden slots the checker reserved.
  const uint32_t list = frameSlot(slotOf(&s.body));
  const uint32_t position = list + 1;
  const uint32_t var = frameSlot(slotOf(&s));
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
  block(s.body);
  w_.emit(Opcode::kTryEnd);
  const uint32_t done = w_.emitJump(Opcode::kJump);
  w_.patchJumpHere(handler);
  store(frameSlot(slotOf(&s)));  // the Error record the handler starts with
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
    line(branch.span);
    expr(*branch.value);
    store(frameSlot(slotOf(&branch)));
    w_.emit(Opcode::kEndBranch);
  }
  w_.patchJumpHere(after);
}

}  // namespace rflow::codegen

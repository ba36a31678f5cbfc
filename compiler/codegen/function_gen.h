// FunctionGen: compiles one CodeUnit (a function, decision, workflow body, key, sla,
// breach handler, policy, trigger, test or mock) into one bytecode Function. Internal to
// compiler/codegen.
//
// The stack discipline every statement keeps: it starts and ends with an empty operand
// stack (so `parallel` branches can start anywhere and jumps between statements always
// agree on the depth); every expression pushes exactly one value (a call of something
// without a result pushes none). Temporaries that must outlive one expression (a
// `match` subject, the two sides of an `expect`, fields given out of order) live in
// extra local slots after the checker's.
//
// Mock units put the captured test values first: the checker numbers captured reads
// 0…k-1 (fact.b == 1) and the mock's own slots from 0, so those are shifted by k here.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bytecode/emit.h"
#include "check/program.h"
#include "codegen/module_tables.h"
#include "source/source_set.h"
#include "syntax/ast.h"

namespace rflow::codegen {

class FunctionGen {
 public:
  FunctionGen(ModuleTables& tables, const source::SourceSet& sources, uint32_t unit_index);

  // Fills `out` (whose signature is already set) with code, line table and locals.
  // Returns false when the function is too large for the module format.
  bool generate(bytecode::Function& out);

  // What the wait places of a workflow body need (wait_places.cpp), known once generate()
  // ran: the name of each named frame slot (parameters, `let`, `for`, `parallel` and
  // `try` names; temporaries have none), the constant a `let` initializes its slot with
  // when its value is one constant, and the code ranges [begin, end) of `try` bodies and
  // `parallel` branches. An integer literal (ConstInt) is kept as its value and type and
  // becomes a constant only when a wait place needs it (codegen.cpp), after every body's
  // code: interning it here would renumber the constants of modules without workflows.
  struct CodeFacts {
    std::map<uint32_t, std::string> slot_names;
    std::map<uint32_t, bytecode::ConstantId> slot_defaults;
    std::map<uint32_t, std::pair<int64_t, check::TypeId>> slot_int_defaults;
    std::vector<std::pair<uint32_t, uint32_t>> try_ranges;
    std::vector<std::pair<uint32_t, uint32_t>> parallel_ranges;
    // The calendar (calendar::encode text) a wait instruction's duration was declared in,
    // by the instruction's pc: `due d in C` (else the first `escalate after d in C`),
    // `sleep d in C`, `await … timeout d in C`.
    std::map<uint32_t, std::string> wait_calendars;
  };
  const CodeFacts& codeFacts() const { return facts_out_; }

 private:
  using Opcode = bytecode::Opcode;
  using TypeId = check::TypeId;

  // ---- Statements (gen_stmts.cpp) ----------------------------------------------------
  void block(const syntax::Block& block);
  void stmt(const syntax::Stmt& stmt);
  void ifStmt(const syntax::IfStmt& s);
  void matchStmt(const syntax::MatchStmt& s);
  void forStmt(const syntax::ForStmt& s);
  void tryStmt(const syntax::TryStmt& s);
  void parallelStmt(const syntax::ParallelStmt& s);
  void testStmt(const syntax::Stmt& stmt);  // gen_tests.cpp

  // ---- Expressions (gen_exprs.cpp) ---------------------------------------------------
  // Pushes the value of `e`, with the coercion the checker asked for.
  void expr(const syntax::Expr& e);
  void exprNoCoercion(const syntax::Expr& e);
  void name(const syntax::Expr& e);
  void member(const syntax::Expr& e, const syntax::MemberExpr& m);
  void call(const syntax::Expr& e, const syntax::CallExpr& c);
  void unary(const syntax::Expr& e, const syntax::UnaryExpr& u);
  void binary(const syntax::Expr& e, const syntax::BinaryExpr& b);
  void string(const syntax::StringExpr& s);
  void record(uint32_t record, const std::vector<syntax::FieldInit>& fields);
  // A value of check type `type` pushed as text (ToString unless it is a string).
  void toText(TypeId type);
  // A condition compiled into control flow: jumps (appended to `jumps`, patched by the
  // caller) when `cond` is `jump_when`, falls through otherwise, the stack empty on both
  // paths. `and`, `or` and `not` become jumps of their operands instead of a bool that
  // is pushed, merged and tested again.
  void condJump(const syntax::Expr& cond, bool jump_when, std::vector<uint32_t>& jumps);
  void patchHere(const std::vector<uint32_t>& jumps) {
    for (uint32_t jump : jumps)
      w_.patchJumpHere(jump);
  }

  // ---- Effects (gen_effects.cpp) -----------------------------------------------------
  void approval(const syntax::Expr& e, const std::vector<syntax::Clause>& clauses,
                const syntax::Expr& title, bool is_task);
  void await(const syntax::Expr& e, const syntax::AwaitExpr& a);
  // `d in C`: business_add(now, d, C) - now, the real duration until d of C's open time
  // has passed (the host adds it to the same step time, so the deadline is exact).
  void inCalendar(const syntax::Expr& e, const syntax::InCalendarExpr& in);
  // A calendar as a value: the constant string of its calendar::encode text.
  void calendarValue(uint32_t calendar);
  // Notes the calendar of the wait instruction emitted next when `duration` is written
  // `d in C` (wait_calendars); nothing for a null or plain duration.
  void waitCalendar(const syntax::Expr* duration);
  void start(const syntax::Expr& e, const syntax::StartExpr& s);
  void connectorCall(const syntax::CallExpr& c, uint32_t op);
  // The body of `mock classify C(text) => member confidence d` (function_gen.cpp).
  void mockClassification();

  // ---- Helpers (function_gen.cpp) ----------------------------------------------------
  const check::ExprFact& fact(const syntax::Expr& e) const;
  uint32_t slotOf(const void* node) const;
  // The frame slot for a checker slot of this unit (shifted in mocks).
  uint32_t frameSlot(uint32_t checker_slot) const { return checker_slot + slot_shift_; }
  uint32_t temp(TypeId type);
  void line(source::Span span);
  void constant(bytecode::ConstantId id) { w_.emit(Opcode::kConst, id); }
  void pushInt(int64_t value);
  void pushString(std::string_view text) { constant(tables_.stringConstant(text)); }
  void pushConstValue(const check::ConstValue& value, TypeId type);
  bytecode::TypeId typeOf(TypeId type) { return tables_.type(type); }
  void load(uint32_t slot) { w_.emit(Opcode::kLoadLocal, slot); }
  void store(uint32_t slot) { w_.emit(Opcode::kStoreLocal, slot); }
  // Pushes a default-only record (a signal written without braces).
  void defaultRecord(uint32_t record);
  std::string_view sourceText(source::Span span) const;

  ModuleTables& tables_;
  const check::Program& program_;
  const check::CodeUnit& unit_;
  const check::FileFacts& facts_;
  const source::SourceFile& file_;
  bytecode::InstructionWriter w_;
  uint32_t slot_shift_ = 0;
  std::vector<TypeId> extra_slots_;  // temporaries after the checker's slots
  // In a policy's `when`, ordering comparisons with a `none` operand are false.
  bool policy_when_ = false;
  CodeFacts facts_out_;
  // A `let`'s slot: its name, and its default when [begin, end) is one constant push.
  void namedLet(uint32_t slot, const std::string& name, uint32_t begin);
};

}  // namespace rflow::codegen

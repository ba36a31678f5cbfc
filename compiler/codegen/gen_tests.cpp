// Test statements (language.md §6): mocks, the virtual clock, decisions, signals and
// expectations. The test driver answers them (opcodes.def, "test statements").
#include "codegen/function_gen.h"

namespace rflow::codegen {

using Opcode = bytecode::Opcode;

void FunctionGen::testStmt(const syntax::Stmt& s) {
  std::visit(syntax::Overloaded{
                 [&](const syntax::MockStmt& m) {
                   const uint32_t op = slotOf(&m);
                   if (m.classify) {
                     const uint32_t mock_unit = slotOf(m.result.get());
                     const check::CodeUnit& mock = program_.units[mock_unit];
                     for (uint32_t slot : mock.captured)
                       load(frameSlot(slot));
                     w_.emit(Opcode::kMockClassify, op, mock_unit, mock.captured.size());
                     return;
                   }
                   if (m.fails) {
                     expr(*m.fails);
                     w_.emit(Opcode::kMockFails, op);
                     return;
                   }
                   const uint32_t mock_unit = slotOf(m.result.get());
                   const check::CodeUnit& mock = program_.units[mock_unit];
                   for (uint32_t slot : mock.captured)
                     load(frameSlot(slot));
                   w_.emit(Opcode::kMock, op, mock_unit, mock.captured.size());
                 },
                 [&](const syntax::AdvanceStmt& a) {
                   expr(*a.duration);
                   w_.emit(Opcode::kAdvance);
                 },
                 [&](const syntax::DecideStmt& d) {
                   expr(*d.target);
                   expr(*d.by);
                   uint32_t flags = d.expect_refused ? 2 : 0;
                   if (d.decision == syntax::DecisionKind::kComplete) {
                     record(slotOf(&d), d.with);
                     flags |= 1;
                   } else if (d.comment) {
                     expr(*d.comment);
                     flags |= 1;
                   }
                   const uint32_t kind = d.decision == syntax::DecisionKind::kApprove  ? 0
                                         : d.decision == syntax::DecisionKind::kReject ? 1
                                                                                       : 2;
                   w_.emit(Opcode::kDecide, kind, flags);
                 },
                 [&](const syntax::SendStmt& send) {
                   expr(*send.run);
                   expr(*send.signal);
                   w_.emit(Opcode::kSend);
                 },
                 [&](const syntax::ExpectStmt& x) {
                   const bytecode::ConstantId text =
                       tables_.stringConstant(sourceText(x.cond->span));
                   uint32_t flags = 0;
                   const auto* cmp = x.cond->as<syntax::BinaryExpr>();
                   const bool comparison =
                       cmp != nullptr &&
                       (cmp->op == syntax::BinaryOp::kEq || cmp->op == syntax::BinaryOp::kNe ||
                        cmp->op == syntax::BinaryOp::kLt || cmp->op == syntax::BinaryOp::kLe ||
                        cmp->op == syntax::BinaryOp::kGt || cmp->op == syntax::BinaryOp::kGe);
                   if (comparison) {
                     // Both sides once, kept for the failure message: "expected 3, got 2".
                     const auto valueType = [&](const syntax::Expr& side) {
                       return fact(side).coercion == check::Coercion::kIntToDecimal
                                  ? program_.types.decimalType()
                                  : fact(side).type;
                     };
                     const TypeId lhs_type = valueType(*cmp->lhs), rhs_type = valueType(*cmp->rhs);
                     expr(*cmp->lhs);
                     const uint32_t lhs = temp(lhs_type);
                     store(lhs);
                     expr(*cmp->rhs);
                     const uint32_t rhs = temp(rhs_type);
                     store(rhs);
                     load(lhs);
                     toText(lhs_type);
                     load(rhs);
                     toText(rhs_type);
                     load(lhs);
                     load(rhs);
                     const check::ExprFact& f = fact(*x.cond);
                     const auto op = static_cast<Opcode>(f.a);
                     if (op == Opcode::kEq || op == Opcode::kNe) {
                       w_.emit(op, typeOf(f.b));
                     } else {
                       w_.emit(op);
                     }
                     flags |= 1;
                   } else {
                     expr(*x.cond);
                   }
                   if (x.message) {
                     expr(*x.message);
                     flags |= 2;
                   }
                   w_.emit(Opcode::kExpect, text, flags);
                 },
                 [&](const syntax::ExpectCalledStmt& x) {
                   expr(*x.times);
                   w_.emit(x.learned ? Opcode::kExpectLearned : Opcode::kExpectCalled, slotOf(&x));
                 },
                 [&](const auto&) {},
             },
             s.data);
}

}  // namespace rflow::codegen

// Expressions: literals, names, members, operators, conditionals, collections, records
// and calls. Each pushes exactly one value.
#include <fmt/format.h>

#include "base/decimal.h"
#include "bytecode/natives.h"
#include "calendar/calendar.h"
#include "codegen/function_gen.h"

namespace rflow::codegen {

using check::ExprRef;
using check::TypeKind;
using Opcode = bytecode::Opcode;

namespace {

// Canonical decimal text (the module stores "007.50" as "7.50").
std::string canonicalDecimal(std::string_view digits) {
  const auto parsed = base::Decimal::parse(digits);
  return parsed ? parsed->toString() : std::string(digits);
}

}  // namespace

void FunctionGen::expr(const syntax::Expr& e) {
  exprNoCoercion(e);
  if (fact(e).coercion == check::Coercion::kIntToDecimal) w_.emit(Opcode::kIntToDec);
}

void FunctionGen::exprNoCoercion(const syntax::Expr& e) {
  const check::TypeTable& t = program_.types;
  std::visit(
      syntax::Overloaded{
          [&](const syntax::ErrorExpr&) { w_.emit(Opcode::kConstNone); },
          [&](const syntax::IntExpr& i) { pushInt(i.value); },
          [&](const syntax::DecimalExpr& d) {
            constant(tables_.decimalConstant(canonicalDecimal(d.digits)));
          },
          [&](const syntax::MoneyExpr& m) {
            constant(tables_.moneyConstant(canonicalDecimal(m.amount), m.currency));
          },
          [&](const syntax::DurationExpr& d) {
            constant(tables_.intConstant(d.millis, t.durationType()));
          },
          [&](const syntax::BoolExpr& b) {
            w_.emit(b.value ? Opcode::kConstTrue : Opcode::kConstFalse);
          },
          [&](const syntax::NoneExpr&) { w_.emit(Opcode::kConstNone); },
          [&](const syntax::StringExpr& s) { string(s); },
          [&](const syntax::NameExpr&) { name(e); },
          [&](const syntax::MemberExpr& m) { member(e, m); },
          [&](const syntax::IndexExpr& i) {
            const TypeId object = fact(*i.object).type;
            expr(*i.object);
            expr(*i.index);
            w_.emit(t.kind(object) == TypeKind::kMap ? Opcode::kIndexMap : Opcode::kIndexList);
          },
          [&](const syntax::CallExpr& c) { call(e, c); },
          [&](const syntax::UnaryExpr& u) { unary(e, u); },
          [&](const syntax::BinaryExpr& b) { binary(e, b); },
          [&](const syntax::ConditionalExpr& c) {
            std::vector<uint32_t> otherwise;
            condJump(*c.cond, false, otherwise);
            expr(*c.then_expr);
            const uint32_t done = w_.emitJump(Opcode::kJump);
            patchHere(otherwise);
            expr(*c.else_expr);
            w_.patchJumpHere(done);
          },
          [&](const syntax::ListExpr& l) {
            for (const syntax::Expr& element : l.elements)
              expr(element);
            w_.emit(Opcode::kMakeList, typeOf(fact(e).type), l.elements.size());
          },
          [&](const syntax::MapExpr& m) {
            for (const syntax::MapEntry& entry : m.entries) {
              expr(*entry.key);
              expr(*entry.value);
            }
            w_.emit(Opcode::kMakeMap, typeOf(fact(e).type), m.entries.size());
          },
          [&](const syntax::RecordExpr& r) { record(fact(e).a, r.fields); },
          [&](const syntax::ApprovalExpr& a) { approval(e, a.clauses, *a.title, false); },
          [&](const syntax::TaskExpr& a) { approval(e, a.clauses, *a.title, true); },
          [&](const syntax::AwaitExpr& a) { await(e, a); },
          [&](const syntax::StartExpr& s) { start(e, s); },
          [&](const syntax::ClassifyExpr& c) {
            for (const syntax::Expr& arg : c.args)
              expr(arg);
            w_.emit(Opcode::kClassify, fact(e).a);
          },
          [&](const syntax::InCalendarExpr& c) { inCalendar(e, c); },
      },
      e.data);
}

void FunctionGen::name(const syntax::Expr& e) {
  const check::ExprFact& f = fact(e);
  switch (f.ref) {
    case ExprRef::kLocal:
      // b == 1: a test value a mock captured, already numbered from 0.
      load(f.b == 1 ? f.a : frameSlot(f.a));
      return;
    case ExprRef::kConst: {
      const check::ConstInfo& c = program_.consts[f.a];
      if (c.value) {
        pushConstValue(*c.value, c.type);
      } else {
        w_.emit(Opcode::kConstNone);
      }
      return;
    }
    case ExprRef::kRole:
      constant(
          tables_.constant(check::ConstValue{check::RoleValue{f.a}}, program_.types.roleType()));
      return;
    case ExprRef::kRecordType:
      defaultRecord(f.a);
      return;
    case ExprRef::kCalendar:
      calendarValue(f.a);
      return;
    default:
      w_.emit(Opcode::kConstNone);
      return;
  }
}

void FunctionGen::member(const syntax::Expr& e, const syntax::MemberExpr& m) {
  const check::ExprFact& f = fact(e);
  switch (f.ref) {
    case ExprRef::kEnumMember:
      constant(tables_.constant(check::ConstValue{check::EnumValue{f.a, f.b}},
                                program_.types.get(f.type).kind == TypeKind::kEnum
                                    ? f.type
                                    : program_.types.unwrap(f.type)));
      return;
    case ExprRef::kConst:
    case ExprRef::kRole:
    case ExprRef::kRecordType:
    case ExprRef::kCalendar:
      name(e);
      return;
    case ExprRef::kField: {
      expr(*m.object);
      if (f.b == 1) {  // a Run's field (tests)
        w_.emit(Opcode::kRunField, f.a);
        return;
      }
      uint32_t skip = 0;
      const bool chained = m.optional_chain && program_.types.isOptional(fact(*m.object).type);
      if (chained) skip = w_.emitJump(Opcode::kJumpIfNone);
      w_.emit(Opcode::kGetField, f.a);
      if (chained) w_.patchJumpHere(skip);
      return;
    }
    default:
      w_.emit(Opcode::kConstNone);
      return;
  }
}

void FunctionGen::string(const syntax::StringExpr& s) {
  if (s.parts.empty()) {
    pushString("");
    return;
  }
  for (const syntax::StringPart& part : s.parts) {
    if (part.expr) {
      expr(*part.expr);
      toText(fact(*part.expr).coercion == check::Coercion::kIntToDecimal
                 ? program_.types.decimalType()
                 : fact(*part.expr).type);
    } else {
      pushString(part.text);
    }
  }
  if (s.parts.size() > 1) w_.emit(Opcode::kInterpolate, s.parts.size());
}

void FunctionGen::toText(TypeId type) {
  if (type == program_.types.stringType()) return;
  w_.emit(Opcode::kToString, typeOf(type));
}

void FunctionGen::record(uint32_t index, const std::vector<syntax::FieldInit>& fields) {
  const check::RecordInfo& info = program_.records[index];
  // Values are computed in the order they are written (they may call connectors in a
  // workflow), then pushed in the order of the record's fields. When the two orders
  // agree no temporaries are needed.
  std::vector<const syntax::FieldInit*> given(info.fields.size(), nullptr);
  bool in_order = true;
  int last = -1;
  for (const syntax::FieldInit& init : fields) {
    const int i = info.fieldIndex(init.name.text);
    if (i < 0) continue;
    given[static_cast<size_t>(i)] = &init;
    if (i < last) in_order = false;
    last = i;
  }
  std::vector<int64_t> slots(info.fields.size(), -1);
  if (!in_order) {
    for (const syntax::FieldInit& init : fields) {
      const int i = info.fieldIndex(init.name.text);
      if (i < 0) continue;
      expr(*init.value);
      const uint32_t slot = temp(info.fields[static_cast<size_t>(i)].type);
      store(slot);
      slots[static_cast<size_t>(i)] = slot;
    }
  }
  for (size_t i = 0; i < info.fields.size(); ++i) {
    if (slots[i] >= 0) {
      load(static_cast<uint32_t>(slots[i]));
    } else if (given[i] != nullptr) {
      expr(*given[i]->value);
    } else if (info.fields[i].default_value) {
      pushConstValue(*info.fields[i].default_value, info.fields[i].type);
    } else {
      w_.emit(Opcode::kConstNone);  // unreachable: the checker requires a value
    }
  }
  w_.emit(Opcode::kMakeRecord, tables_.recordType(index));
}

void FunctionGen::calendarValue(uint32_t calendar) {
  constant(tables_.constant(check::ConstValue{calendar::encode(program_.calendars[calendar].value)},
                            program_.types.stringType()));
}

void FunctionGen::waitCalendar(const syntax::Expr* duration) {
  if (duration == nullptr || duration->as<syntax::InCalendarExpr>() == nullptr) return;
  facts_out_.wait_calendars[w_.offset()] =
      calendar::encode(program_.calendars[fact(*duration).a].value);
}

void FunctionGen::inCalendar(const syntax::Expr& e, const syntax::InCalendarExpr& in) {
  line(e.span);
  w_.emit(Opcode::kNow);
  expr(*in.duration);
  calendarValue(fact(e).a);
  w_.emit(Opcode::kCallNative, static_cast<uint32_t>(bytecode::Native::kBusinessAdd), 3);
  w_.emit(Opcode::kNow);
  w_.emit(Opcode::kSubTimeTime);
}

void FunctionGen::call(const syntax::Expr& e, const syntax::CallExpr& c) {
  line(e.span);
  const check::ExprFact& callee = fact(*c.callee);
  switch (callee.ref) {
    case ExprRef::kFunction:
      for (const syntax::Expr& arg : c.args)
        expr(arg);
      w_.emit(Opcode::kCall, program_.functions[callee.a].unit);
      return;
    case ExprRef::kNative:
      for (const syntax::Expr& arg : c.args)
        expr(arg);
      w_.emit(Opcode::kCallNative, callee.a, c.args.size());
      return;
    case ExprRef::kConversion:
      expr(c.args.at(0));
      switch (static_cast<check::Conversion>(callee.a)) {
        case check::Conversion::kIntToDecimal:
          w_.emit(Opcode::kIntToDec);
          break;
        case check::Conversion::kToString:
          toText(fact(c.args[0]).coercion == check::Coercion::kIntToDecimal
                     ? program_.types.decimalType()
                     : fact(c.args[0]).type);
          break;
        case check::Conversion::kIdentity:
          break;
      }
      return;
    case ExprRef::kNow:
      w_.emit(Opcode::kNow);
      return;
    case ExprRef::kConnectorOp:
      connectorCall(c, callee.a);
      return;
    default:
      w_.emit(Opcode::kConstNone);
      return;
  }
}

void FunctionGen::unary(const syntax::Expr& e, const syntax::UnaryExpr& u) {
  expr(*u.operand);
  w_.emit(static_cast<Opcode>(fact(e).a));
}

void FunctionGen::condJump(const syntax::Expr& cond, bool jump_when, std::vector<uint32_t>& jumps) {
  if (const auto* b = std::get_if<syntax::BinaryExpr>(&cond.data)) {
    if (b->op == syntax::BinaryOp::kAnd || b->op == syntax::BinaryOp::kOr) {
      // `a and b` is false as soon as a is (`or`: true as soon as a is): the side that
      // decides alone jumps straight to where the whole condition's jump goes.
      const bool decides = b->op == syntax::BinaryOp::kOr;
      if (jump_when == decides) {
        condJump(*b->lhs, jump_when, jumps);
        condJump(*b->rhs, jump_when, jumps);
      } else {
        std::vector<uint32_t> decided;
        condJump(*b->lhs, decides, decided);
        condJump(*b->rhs, jump_when, jumps);
        patchHere(decided);
      }
      return;
    }
  }
  if (const auto* u = std::get_if<syntax::UnaryExpr>(&cond.data);
      u != nullptr && u->op == syntax::UnaryOp::kNot) {
    condJump(*u->operand, !jump_when, jumps);
    return;
  }
  expr(cond);
  jumps.push_back(w_.emitJump(jump_when ? Opcode::kJumpIfTrue : Opcode::kJumpIfFalse));
}

void FunctionGen::binary(const syntax::Expr& e, const syntax::BinaryExpr& b) {
  using syntax::BinaryOp;
  const check::ExprFact& f = fact(e);
  switch (b.op) {
    case BinaryOp::kAnd:
    case BinaryOp::kOr: {
      // Short-circuit: the right side runs only when it decides the result.
      const bool is_and = b.op == BinaryOp::kAnd;
      expr(*b.lhs);
      const uint32_t decided = w_.emitJump(is_and ? Opcode::kJumpIfFalse : Opcode::kJumpIfTrue);
      expr(*b.rhs);
      const uint32_t done = w_.emitJump(Opcode::kJump);
      w_.patchJumpHere(decided);
      w_.emit(is_and ? Opcode::kConstFalse : Opcode::kConstTrue);
      w_.patchJumpHere(done);
      return;
    }
    case BinaryOp::kCoalesce: {
      expr(*b.lhs);
      const uint32_t done = w_.emitJump(Opcode::kJumpIfNotNone);
      w_.emit(Opcode::kPop);
      expr(*b.rhs);
      w_.patchJumpHere(done);
      return;
    }
    default:
      break;
  }
  const auto op = static_cast<Opcode>(f.a);
  const bool ordering = b.op == BinaryOp::kLt || b.op == BinaryOp::kLe || b.op == BinaryOp::kGt ||
                        b.op == BinaryOp::kGe;
  if (ordering && f.b == 1) {
    // In a policy's `when`, a comparison with a `none` side is false: the policy does
    // not apply to a request without an amount.
    expr(*b.lhs);
    const uint32_t lhs_none = w_.emitJump(Opcode::kJumpIfNone);
    expr(*b.rhs);
    const uint32_t rhs_none = w_.emitJump(Opcode::kJumpIfNone);
    w_.emit(op);
    const uint32_t done = w_.emitJump(Opcode::kJump);
    w_.patchJumpHere(rhs_none);
    w_.emit(Opcode::kPop);
    w_.patchJumpHere(lhs_none);
    w_.emit(Opcode::kPop);
    w_.emit(Opcode::kConstFalse);
    w_.patchJumpHere(done);
    return;
  }
  expr(*b.lhs);
  expr(*b.rhs);
  switch (op) {
    case Opcode::kEq:
    case Opcode::kNe:
      w_.emit(op, typeOf(f.b));
      return;
    case Opcode::kInList:
      w_.emit(op, typeOf(f.b));
      return;
    default:
      // `2 * amount`, `duration + time`: the opcode takes the money or time first.
      if (f.b == 1 && !ordering) w_.emit(Opcode::kSwap);
      w_.emit(op);
      return;
  }
}

}  // namespace rflow::codegen

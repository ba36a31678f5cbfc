// Expressions: literals, names, members, operators, conditionals, literals of lists,
// maps and records (language.md §3, §5a). Calls and effects are in calls.cpp and
// effects.cpp.
#include <fmt/format.h>

#include "base/currency.h"
#include "base/suggest.h"
#include "bytecode/operands.h"
#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;
using bytecode::Opcode;

TypeId Checker::checkExprAs(const syntax::Expr& expr, Scope& scope, TypeId expected,
                            std::string_view what) {
  TypeId found = checkExpr(expr, scope, expected);
  const TypeTable& t = types();
  if (t.kind(found) == TypeKind::kVoid && t.kind(expected) != TypeKind::kVoid) {
    emitter_.emit(at(expr.span), diag::VoidValue, "this");
    return t.error();
  }
  if (!expectType(expr, found, expected, what)) return t.error();
  return found;
}

void Checker::checkCondition(const syntax::Expr& expr, Scope& scope) {
  const TypeId found = checkExpr(expr, scope, types().boolType());
  if (!assignable(found, types().boolType()))
    emitter_.emit(at(expr.span), diag::ConditionNotBool, typeName(found));
}

TypeId Checker::checkExpr(const syntax::Expr& expr, Scope& scope, TypeId expected) {
  TypeTable& t = types();
  const TypeId type = std::visit(
      syntax::Overloaded{
          [&](const syntax::ErrorExpr&) { return t.error(); },
          [&](const syntax::IntExpr&) { return t.intType(); },
          [&](const syntax::DecimalExpr&) { return t.decimalType(); },
          [&](const syntax::MoneyExpr& m) {
            if (!base::isIsoCurrency(std::string_view(m.currency))) {
              emitter_.emit(at(m.currency_span), diag::UnknownCurrency, m.currency);
              return t.error();
            }
            return t.moneyType();
          },
          [&](const syntax::DurationExpr&) { return t.durationType(); },
          [&](const syntax::BoolExpr&) { return t.boolType(); },
          [&](const syntax::NoneExpr&) { return t.isOptional(expected) ? expected : t.noneType(); },
          [&](const syntax::StringExpr& s) {
            for (const syntax::StringPart& part : s.parts) {
              if (!part.expr) continue;
              const TypeId p = checkExpr(*part.expr, scope);
              if (t.kind(p) == TypeKind::kVoid)
                emitter_.emit(at(part.expr->span), diag::VoidValue, "this");
            }
            return t.stringType();
          },
          [&](const syntax::NameExpr& n) { return checkName(expr, n, scope, expected); },
          [&](const syntax::MemberExpr& m) { return checkMember(expr, m, scope); },
          [&](const syntax::IndexExpr& i) {
            const TypeId object = checkExpr(*i.object, scope);
            if (t.isError(object)) {
              checkExpr(*i.index, scope);
              return t.error();
            }
            const TypeData& o = t.get(object);
            if (o.kind == TypeKind::kList) {
              checkExprAs(*i.index, scope, t.intType());
              return o.element;
            }
            if (o.kind == TypeKind::kMap) {
              checkExprAs(*i.index, scope, t.stringType());
              return t.optional(o.element);
            }
            checkExpr(*i.index, scope);
            emitter_.emit(at(i.object->span), diag::NotIndexable, typeName(object));
            return t.error();
          },
          [&](const syntax::CallExpr& c) { return checkCall(expr, c, scope, expected); },
          [&](const syntax::UnaryExpr& u) { return checkUnary(expr, u, scope); },
          [&](const syntax::BinaryExpr& b) { return checkBinary(expr, b, scope); },
          [&](const syntax::ConditionalExpr& c) {
            checkCondition(*c.cond, scope);
            const TypeId a = checkExpr(*c.then_expr, scope, expected);
            const TypeId b =
                checkExpr(*c.else_expr, scope, t.isError(a) ? expected : (expected ? expected : a));
            if (t.isError(a) || t.isError(b)) return t.error();
            if (a == b) return a;
            if (assignable(b, a)) return a;
            if (assignable(a, b)) return b;
            if (a == t.noneType()) return t.optional(b);
            if (b == t.noneType()) return t.optional(a);
            const auto numeric = [&](TypeId x) { return x == t.intType() || x == t.decimalType(); };
            if (numeric(a) && numeric(b)) {
              fact(a == t.intType() ? *c.then_expr : *c.else_expr).coercion =
                  Coercion::kIntToDecimal;
              return t.decimalType();
            }
            if (expected != 0 && assignable(a, expected) && assignable(b, expected))
              return expected;
            emitter_.emit(at(c.else_expr->span), diag::ConditionalBranches, typeName(a),
                          typeName(b));
            return t.error();
          },
          [&](const syntax::ListExpr& l) {
            TypeId element = t.kind(expected) == TypeKind::kList ? t.get(expected).element : 0;
            if (l.elements.empty()) {
              if (element == 0) {
                emitter_.emit(at(expr.span), diag::EmptyListNeedsType, "list",
                              "let xs: list<string> = []");
                return t.error();
              }
              return t.list(element);
            }
            for (const syntax::Expr& e : l.elements) {
              if (element == 0) {
                element = checkExpr(e, scope);
                if (element == t.noneType()) element = 0;
                continue;
              }
              checkExprAs(e, scope, element);
            }
            if (element == 0) {
              emitter_.emit(at(expr.span), diag::UntypedNone);
              return t.error();
            }
            if (t.kind(element) == TypeKind::kVoid) return t.error();
            return t.list(element);
          },
          [&](const syntax::MapExpr& m) {
            TypeId element = 0;
            if (m.value_type) {
              element = resolveType(*m.value_type, module_);
            } else if (t.kind(expected) == TypeKind::kMap) {
              element = t.get(expected).element;
            }
            for (const syntax::MapEntry& entry : m.entries) {
              checkExprAs(*entry.key, scope, t.stringType(), "a `string` key");
              if (element == 0) {
                element = checkExpr(*entry.value, scope);
                if (element == t.noneType()) element = 0;
              } else {
                checkExprAs(*entry.value, scope, element);
              }
            }
            if (element == 0) {
              emitter_.emit(at(expr.span), diag::EmptyListNeedsType, "map",
                            "let m: map<int> = map{}");

              return t.error();
            }
            return t.map(element);
          },
          [&](const syntax::RecordExpr& r) { return checkRecordLiteral(expr, r, scope); },
          [&](const syntax::ApprovalExpr& a) {
            return checkApproval(expr, a.clauses, a.title.get(), false, scope);
          },
          [&](const syntax::TaskExpr& a) {
            return checkApproval(expr, a.clauses, a.title.get(), true, scope);
          },
          [&](const syntax::AwaitExpr& a) { return checkAwait(expr, a, scope); },
          [&](const syntax::StartExpr& s) { return checkStart(expr, s, scope); },
          [&](const syntax::ClassifyExpr& c) { return checkClassify(expr, c, scope); },
          [&](const syntax::InCalendarExpr& c) { return checkInCalendar(expr, c, scope); },
      },
      expr.data);
  ExprFact& f = fact(expr);
  f.type = type;
  f.checked = true;
  return type;
}

TypeId Checker::checkName(const syntax::Expr& expr, const syntax::NameExpr& name, Scope& scope,
                          TypeId expected) {
  TypeTable& t = types();
  const NameTarget target = lookup(name.name, &scope, module_);
  switch (target.kind) {
    case NameTarget::Kind::kLocal: {
      Binding* binding = target.local;
      uint32_t slot = binding->slot;
      if (target.captured) {
        // A mock body reads a test's local: copy it in when the mock is registered.
        CodeUnit& unit = program_.units[context_.unit];
        auto it = std::find(unit.captured.begin(), unit.captured.end(), binding->slot);
        if (it == unit.captured.end()) {
          unit.captured.push_back(binding->slot);
          it = unit.captured.end() - 1;
        }
        // Captured values occupy the mock's first slots, before its parameters.
        slot = static_cast<uint32_t>(it - unit.captured.begin());
        fact(expr).b = 1;
      }
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kLocal;
      f.a = slot;
      return binding->type;
    }
    case NameTarget::Kind::kSymbol: {
      const Symbol s = target.symbol;
      if (s.kind == SymbolKind::kConst) {
        resolveConst(s.index);
        ExprFact& f = fact(expr);
        f.ref = ExprRef::kConst;
        f.a = s.index;
        return program_.consts[s.index].value ? program_.consts[s.index].type : t.error();
      }
      if (s.kind == SymbolKind::kRole) {
        ExprFact& f = fact(expr);
        f.ref = ExprRef::kRole;
        f.a = s.index;
        return t.roleType();
      }
      if (s.kind == SymbolKind::kCalendar) {
        ExprFact& f = fact(expr);
        f.ref = ExprRef::kCalendar;
        f.a = s.index;
        return t.calendarType();
      }
      if (s.kind == SymbolKind::kRecord && program_.records[s.index].kind == RecordKind::kSignal) {
        // A signal without fields may be written without braces (`send run Ping`).
        const RecordInfo& record = program_.records[s.index];
        bool all_default = true;
        for (const FieldInfo& field : record.fields)
          all_default = all_default && field.default_value.has_value();
        if (all_default) {
          ExprFact& f = fact(expr);
          f.ref = ExprRef::kRecordType;
          f.a = s.index;
          return t.record(s.index);
        }
      }
      emitter_.emit(at(expr.span), diag::NotAValue, name.name, describe(s));
      return t.error();
    }
    case NameTarget::Kind::kBuiltinType:
      emitter_.emit(at(expr.span), diag::NotAValue, name.name, "a type");
      return t.error();
    case NameTarget::Kind::kNative:
      emitter_.emit(at(expr.span), diag::NotAValue, name.name, "a function; call it with `(…)`");
      return t.error();
    case NameTarget::Kind::kNotFound: {
      // Where a role or user is wanted, an unknown name is most likely a misspelled role.
      const TypeKind wanted = t.kind(t.unwrap(expected));
      const bool role = wanted == TypeKind::kAssignee || wanted == TypeKind::kRole;
      reportUnknownName(name.name, at(expr.span), module_, &scope,
                        role ? diag::UnknownRole : diag::UnknownName);
      return t.error();
    }
  }
  return t.error();
}

TypeId Checker::checkMember(const syntax::Expr& expr, const syntax::MemberExpr& member,
                            Scope& scope) {
  TypeTable& t = types();
  const syntax::Expr& object = *member.object;
  const std::string& name = member.member.text;
  // Static paths first: `Category.Pricing`, `common.Category.Pricing`, `common.LIMIT`,
  // `common.RegionalOps`.
  std::optional<Symbol> static_object;
  std::string object_text;
  if (const auto* n = object.as<syntax::NameExpr>()) {
    const NameTarget target = lookup(n->name, &scope, module_);
    if (target.kind == NameTarget::Kind::kSymbol &&
        (target.symbol.kind == SymbolKind::kEnum || target.symbol.kind == SymbolKind::kModule)) {
      static_object = target.symbol;
      object_text = n->name;
    }
  } else if (const auto* m = object.as<syntax::MemberExpr>()) {
    if (const auto* base_name = m->object->as<syntax::NameExpr>()) {
      const NameTarget target = lookup(base_name->name, &scope, module_);
      if (target.kind == NameTarget::Kind::kSymbol && target.symbol.kind == SymbolKind::kModule) {
        const ModuleInfo& imported = program_.modules[target.symbol.index];
        if (auto it = imported.names.find(m->member.text);
            it != imported.names.end() && it->second.kind == SymbolKind::kEnum) {
          static_object = it->second;
          object_text = base_name->name + "." + m->member.text;
          ExprFact& of = fact(object);
          of.ref = ExprRef::kEnumType;
          of.a = it->second.index;
          of.checked = true;
        }
      }
    }
  }
  if (static_object) {
    if (static_object->kind == SymbolKind::kEnum) {
      const EnumInfo& e = program_.enums[static_object->index];
      ExprFact& of = fact(object);
      of.ref = ExprRef::kEnumType;
      of.a = static_object->index;
      of.checked = true;
      const int index = e.memberIndex(name);
      if (index < 0) {
        std::vector<std::string_view> members;
        for (const EnumMemberInfo& m : e.members)
          members.push_back(m.name);
        auto d = emitter_.build(at(member.member.span), diag::UnknownMember,
                                fmt::format("enum `{}`", e.header.short_name), name);
        suggestClosest(d, name, members, at(member.member.span));
        d.emit();
        return t.error();
      }
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kEnumMember;
      f.a = static_object->index;
      f.b = static_cast<uint32_t>(index);
      return t.enumType(static_object->index);
    }
    // A module: its constants and roles are values; other declarations are not.
    const ModuleInfo& imported = program_.modules[static_object->index];
    ExprFact& of = fact(object);
    of.ref = ExprRef::kModule;
    of.a = static_object->index;
    of.checked = true;
    auto it = imported.names.find(name);
    if (it == imported.names.end()) {
      std::vector<std::string_view> names;
      for (const auto& [n, s] : imported.names)
        names.push_back(n);
      std::sort(names.begin(), names.end());
      auto d = emitter_.build(at(member.member.span), diag::UnknownMember,
                              fmt::format("module `{}`", imported.name), name);
      suggestClosest(d, name, names, at(member.member.span));
      d.emit();
      return t.error();
    }
    const Symbol s = it->second;
    if (s.kind == SymbolKind::kConst) {
      resolveConst(s.index);
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kConst;
      f.a = s.index;
      return program_.consts[s.index].value ? program_.consts[s.index].type : t.error();
    }
    if (s.kind == SymbolKind::kRole) {
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kRole;
      f.a = s.index;
      return t.roleType();
    }
    if (s.kind == SymbolKind::kCalendar) {
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kCalendar;
      f.a = s.index;
      return t.calendarType();
    }
    if (s.kind == SymbolKind::kRecord && program_.records[s.index].kind == RecordKind::kSignal) {
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kRecordType;
      f.a = s.index;
      return t.record(s.index);
    }
    emitter_.emit(at(expr.span), diag::NotAValue, object_text + "." + name, describe(s));
    return t.error();
  }

  // A value's field.
  const TypeId object_type = checkExpr(object, scope);
  if (t.isError(object_type)) return t.error();
  TypeId record_type = object_type;
  bool through_optional = false;
  if (t.isOptional(object_type)) {
    if (!member.optional_chain) {
      emitter_.emit(at(member.member.span), diag::MemberOfOptional, typeName(object_type), name);
      return t.error();
    }
    record_type = t.unwrap(object_type);
    through_optional = true;
  }
  const TypeData& data = t.get(record_type);
  if (data.kind == TypeKind::kRun) {
    static constexpr std::array<std::string_view, 7> kRunFields = {
        "status", "result", "error", "task", "tasks", "notes", "notifications"};
    for (uint32_t i = 0; i < kRunFields.size(); ++i) {
      if (kRunFields[i] != name) continue;
      ExprFact& f = fact(expr);
      f.ref = ExprRef::kField;
      f.a = i;
      f.b = 1;  // a Run's field
      const auto& b = program_.builtins;
      switch (i) {
        case 0:
          return t.enumType(b.run_status);
        case 1:
          return t.optional(data.element == t.voidType() ? t.noneType() : data.element);
        case 2:
          return t.optional(t.stringType());
        case 3:
          return t.record(b.task);
        case 4:
          return t.list(t.record(b.task));
        default:
          return t.list(t.stringType());
      }
    }
    emitter_.emit(at(member.member.span), diag::UnknownMember, "a `Run`", name);
    return t.error();
  }
  if (data.kind != TypeKind::kRecord) {
    emitter_.emit(at(member.member.span), diag::NoFields, typeName(record_type));
    return t.error();
  }
  const RecordInfo& record = program_.records[data.decl];
  const int index = record.fieldIndex(name);
  if (index < 0) {
    std::vector<std::string_view> fields;
    for (const FieldInfo& f : record.fields)
      fields.push_back(f.name);
    auto d =
        emitter_.build(at(member.member.span), diag::UnknownField, record.header.short_name, name);
    suggestClosest(d, name, fields, at(member.member.span));
    d.emit();
    return t.error();
  }
  ExprFact& f = fact(expr);
  f.ref = ExprRef::kField;
  f.a = static_cast<uint32_t>(index);
  const TypeId field_type = record.fields[static_cast<size_t>(index)].type;
  return through_optional ? t.optional(field_type) : field_type;
}

TypeId Checker::checkUnary(const syntax::Expr& expr, const syntax::UnaryExpr& unary, Scope& scope) {
  TypeTable& t = types();
  const TypeId operand = checkExpr(*unary.operand, scope);
  if (t.isError(operand)) return t.error();
  ExprFact& f = fact(expr);
  if (unary.op == syntax::UnaryOp::kNot) {
    if (operand != t.boolType()) {
      emitter_.emit(at(unary.op_span), diag::UnaryOperatorType, "not", "a `bool`",
                    typeName(operand));
      return t.error();
    }
    f.a = static_cast<uint32_t>(Opcode::kNot);
    return operand;
  }
  switch (t.kind(operand)) {
    case TypeKind::kInt:
      f.a = static_cast<uint32_t>(Opcode::kNegInt);
      return operand;
    case TypeKind::kDecimal:
      f.a = static_cast<uint32_t>(Opcode::kNegDec);
      return operand;
    case TypeKind::kMoney:
      f.a = static_cast<uint32_t>(Opcode::kNegMoney);
      return operand;
    case TypeKind::kDuration:
      f.a = static_cast<uint32_t>(Opcode::kNegDur);
      return operand;
    default:
      emitter_.emit(at(unary.op_span), diag::UnaryOperatorType, "-",
                    "a number, an amount or a duration", typeName(operand));
      return t.error();
  }
}

TypeId Checker::checkBinary(const syntax::Expr& expr, const syntax::BinaryExpr& binary,
                            Scope& scope) {
  TypeTable& t = types();
  using syntax::BinaryOp;
  const BinaryOp op = binary.op;
  const std::string_view spelled = syntax::spelling(op);

  if (op == BinaryOp::kAnd || op == BinaryOp::kOr) {
    checkCondition(*binary.lhs, scope);
    checkCondition(*binary.rhs, scope);
    return t.boolType();
  }
  if (op == BinaryOp::kCoalesce) {
    const TypeId lhs = checkExpr(*binary.lhs, scope);
    if (t.isError(lhs)) {
      checkExpr(*binary.rhs, scope);
      return t.error();
    }
    const TypeId inner = t.unwrap(lhs);
    const TypeId rhs = checkExpr(*binary.rhs, scope, inner);
    if (t.isError(rhs)) return t.error();
    if (assignable(rhs, inner)) return t.isOptional(rhs) ? lhs : inner;
    if (inner == t.intType() && rhs == t.decimalType()) {
      fact(expr).coercion = Coercion::kNone;
      emitter_.emit(at(binary.op_span), diag::OperatorTypes, spelled, typeName(lhs), typeName(rhs));
      return t.error();
    }
    emitter_.emit(at(binary.op_span), diag::OperatorTypes, spelled, typeName(lhs), typeName(rhs));
    return t.error();
  }

  TypeId lhs = checkExpr(*binary.lhs, scope);
  TypeId rhs = checkExpr(*binary.rhs, scope, op == BinaryOp::kEq || op == BinaryOp::kNe ? lhs : 0);
  if (t.isError(lhs) || t.isError(rhs)) return t.error();
  ExprFact& f = fact(expr);
  const auto set = [&](Opcode code) { f.a = static_cast<uint32_t>(code); };
  const auto mismatch = [&]() {
    auto d = emitter_.build(at(binary.op_span), diag::OperatorTypes, spelled, typeName(lhs),
                            typeName(rhs));
    const TypeKind a = t.kind(lhs), b = t.kind(rhs);
    if ((a == TypeKind::kMoney && (b == TypeKind::kInt || b == TypeKind::kDecimal)) ||
        (b == TypeKind::kMoney && (a == TypeKind::kInt || a == TypeKind::kDecimal))) {
      if (op == BinaryOp::kAdd || op == BinaryOp::kSub) {
        d.note(std::nullopt, "a money amount needs a currency code, like `5.00 USD`");
      }
    }
    if ((a == TypeKind::kString) != (b == TypeKind::kString) && op == BinaryOp::kAdd) {
      d.note(std::nullopt,
             "nothing turns into text by itself: write \"{a}{b}\" or use `string(x)`");
    }
    d.emit();
    return t.error();
  };
  const auto intToDecimal = [&](const syntax::Expr& e) {
    fact(e).coercion = Coercion::kIntToDecimal;
  };
  const TypeKind a = t.kind(lhs), b = t.kind(rhs);
  // Money literals of two currencies can be caught now.
  const auto literalCurrencies = [&]() -> bool {
    const auto* x = binary.lhs->as<syntax::MoneyExpr>();
    const auto* y = binary.rhs->as<syntax::MoneyExpr>();
    if (x != nullptr && y != nullptr && x->currency != y->currency) {
      emitter_.emit(at(binary.op_span), diag::CurrencyMismatch, spelled, x->currency, y->currency);
      return false;
    }
    return true;
  };

  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub: {
      const bool add = op == BinaryOp::kAdd;
      if (a == TypeKind::kInt && b == TypeKind::kInt)
        return set(add ? Opcode::kAddInt : Opcode::kSubInt), lhs;
      if ((a == TypeKind::kDecimal || a == TypeKind::kInt) &&
          (b == TypeKind::kDecimal || b == TypeKind::kInt)) {
        if (a == TypeKind::kInt) intToDecimal(*binary.lhs);
        if (b == TypeKind::kInt) intToDecimal(*binary.rhs);
        set(add ? Opcode::kAddDec : Opcode::kSubDec);
        return t.decimalType();
      }
      if (a == TypeKind::kMoney && b == TypeKind::kMoney) {
        if (!literalCurrencies()) return t.error();
        return set(add ? Opcode::kAddMoney : Opcode::kSubMoney), lhs;
      }
      if (a == TypeKind::kDuration && b == TypeKind::kDuration)
        return set(add ? Opcode::kAddDur : Opcode::kSubDur), lhs;
      if (a == TypeKind::kTime && b == TypeKind::kDuration)
        return set(add ? Opcode::kAddTimeDur : Opcode::kSubTimeDur), lhs;
      if (add && a == TypeKind::kDuration && b == TypeKind::kTime) {
        f.b = 1;  // operands swapped: time + duration
        set(Opcode::kAddTimeDur);
        return rhs;
      }
      if (!add && a == TypeKind::kTime && b == TypeKind::kTime)
        return set(Opcode::kSubTimeTime), t.durationType();
      if (add && a == TypeKind::kString && b == TypeKind::kString) return set(Opcode::kConcat), lhs;
      return mismatch();
    }
    case BinaryOp::kMul: {
      if (a == TypeKind::kInt && b == TypeKind::kInt) return set(Opcode::kMulInt), lhs;
      if ((a == TypeKind::kDecimal || a == TypeKind::kInt) &&
          (b == TypeKind::kDecimal || b == TypeKind::kInt)) {
        if (a == TypeKind::kInt) intToDecimal(*binary.lhs);
        if (b == TypeKind::kInt) intToDecimal(*binary.rhs);
        return set(Opcode::kMulDec), t.decimalType();
      }
      // money * int|decimal and int|decimal * money (f.b = 1: operands swapped).
      if (a == TypeKind::kMoney && b == TypeKind::kInt) return set(Opcode::kMulMoneyInt), lhs;
      if (a == TypeKind::kMoney && b == TypeKind::kDecimal) return set(Opcode::kMulMoneyDec), lhs;
      if (a == TypeKind::kInt && b == TypeKind::kMoney)
        return f.b = 1, set(Opcode::kMulMoneyInt), rhs;
      if (a == TypeKind::kDecimal && b == TypeKind::kMoney)
        return f.b = 1, set(Opcode::kMulMoneyDec), rhs;
      if (a == TypeKind::kDuration && b == TypeKind::kInt) return set(Opcode::kMulDurInt), lhs;
      if (a == TypeKind::kInt && b == TypeKind::kDuration)
        return f.b = 1, set(Opcode::kMulDurInt), rhs;
      return mismatch();
    }
    case BinaryOp::kDiv: {
      if (a == TypeKind::kInt && b == TypeKind::kInt) return set(Opcode::kDivInt), lhs;
      if ((a == TypeKind::kDecimal || a == TypeKind::kInt) &&
          (b == TypeKind::kDecimal || b == TypeKind::kInt)) {
        if (a == TypeKind::kInt) intToDecimal(*binary.lhs);
        if (b == TypeKind::kInt) intToDecimal(*binary.rhs);
        return set(Opcode::kDivDec), t.decimalType();
      }
      if (a == TypeKind::kMoney && b == TypeKind::kInt) return set(Opcode::kDivMoneyInt), lhs;
      if (a == TypeKind::kMoney && b == TypeKind::kDecimal) return set(Opcode::kDivMoneyDec), lhs;
      if (a == TypeKind::kMoney && b == TypeKind::kMoney) {
        if (!literalCurrencies()) return t.error();
        return set(Opcode::kDivMoneyMoney), t.decimalType();
      }
      return mismatch();
    }
    case BinaryOp::kRem:
      if (a == TypeKind::kInt && b == TypeKind::kInt) return set(Opcode::kRemInt), lhs;
      return mismatch();
    case BinaryOp::kEq:
    case BinaryOp::kNe: {
      const bool eq = op == BinaryOp::kEq;
      const TypeId x = t.unwrap(lhs), y = t.unwrap(rhs);
      const auto compare = [&](TypeId as) {
        set(eq ? Opcode::kEq : Opcode::kNe);
        f.b = as;
        return t.boolType();
      };
      if (lhs == t.noneType() || rhs == t.noneType()) {
        if (lhs == t.noneType() && rhs == t.noneType()) return compare(t.noneType());
        return compare(lhs == t.noneType() ? rhs : lhs);
      }
      if (x == y || assignable(x, y) || assignable(y, x)) {
        // Compare as the optional type when either side may be none.
        const TypeId common = assignable(x, y) ? y : x;
        return compare(t.isOptional(lhs) || t.isOptional(rhs) ? t.optional(common) : common);
      }
      const TypeKind xk = t.kind(x), yk = t.kind(y);
      if ((xk == TypeKind::kInt || xk == TypeKind::kDecimal) &&
          (yk == TypeKind::kInt || yk == TypeKind::kDecimal)) {
        if (xk == TypeKind::kInt) intToDecimal(*binary.lhs);
        if (yk == TypeKind::kInt) intToDecimal(*binary.rhs);
        const TypeId dec = t.decimalType();
        return compare(t.isOptional(lhs) || t.isOptional(rhs) ? t.optional(dec) : dec);
      }
      emitter_.emit(at(binary.op_span), diag::EqualityTypes, spelled, typeName(lhs), typeName(rhs));
      return t.error();
    }
    case BinaryOp::kLt:
    case BinaryOp::kLe:
    case BinaryOp::kGt:
    case BinaryOp::kGe: {
      if (t.isOptional(lhs) || t.isOptional(rhs) || lhs == t.noneType() || rhs == t.noneType()) {
        if (!context_.policy_when) {
          const syntax::Expr& culprit =
              t.isOptional(lhs) || lhs == t.noneType() ? *binary.lhs : *binary.rhs;
          emitter_.emit(at(culprit.span), diag::OptionalOrdering,
                        typeName(t.isOptional(lhs) ? lhs : rhs));
          return t.error();
        }
        // In a policy's `when`, a `none` operand makes the policy not apply (codegen).
        f.b = 1;
        lhs = t.unwrap(lhs);
        rhs = t.unwrap(rhs);
      }
      const int which = op == BinaryOp::kLt   ? 0
                        : op == BinaryOp::kLe ? 1
                        : op == BinaryOp::kGt ? 2
                                              : 3;
      const auto pick = [&](Opcode lt) {
        set(static_cast<Opcode>(static_cast<uint8_t>(lt) + which));
        return t.boolType();
      };
      const TypeKind x = t.kind(lhs), y = t.kind(rhs);
      if (x == TypeKind::kInt && y == TypeKind::kInt) return pick(Opcode::kLtInt);
      if ((x == TypeKind::kDecimal || x == TypeKind::kInt) &&
          (y == TypeKind::kDecimal || y == TypeKind::kInt)) {
        if (x == TypeKind::kInt) intToDecimal(*binary.lhs);
        if (y == TypeKind::kInt) intToDecimal(*binary.rhs);
        return pick(Opcode::kLtDec);
      }
      if (x == TypeKind::kMoney && y == TypeKind::kMoney) {
        if (!literalCurrencies()) return t.error();
        return pick(Opcode::kLtMoney);
      }
      if (x == TypeKind::kDuration && y == TypeKind::kDuration) return pick(Opcode::kLtDur);
      if (x == TypeKind::kTime && y == TypeKind::kTime) return pick(Opcode::kLtTime);
      if (x == TypeKind::kString && y == TypeKind::kString) return pick(Opcode::kLtStr);
      return mismatch();
    }
    case BinaryOp::kIn: {
      if (t.kind(rhs) != TypeKind::kList) {
        emitter_.emit(at(binary.rhs->span), diag::TypeMismatch, "a list after `in`", typeName(rhs));
        return t.error();
      }
      const TypeId element = t.get(rhs).element;
      if (!assignable(lhs, element)) return mismatch();
      set(Opcode::kInList);
      f.b = element;
      return t.boolType();
    }
    default:
      return mismatch();
  }
}

TypeId Checker::checkRecordLiteral(const syntax::Expr& expr, const syntax::RecordExpr& record,
                                   Scope& scope) {
  TypeTable& t = types();
  const auto found = lookupPath(record.type, module_);
  std::string name = joinPath(record.type);
  const source::Span name_span =
      record.type.empty() ? expr.span : record.type.front().span.to(record.type.back().span);
  if (!found || found->second != record.type.size()) {
    if (record.type.size() == 1) {
      reportUnknownName(name, at(name_span), module_, &scope, diag::UnknownType);
    } else {
      emitter_.emit(at(name_span), diag::UnknownType, name);
    }
    for (const syntax::FieldInit& f : record.fields)
      checkExpr(*f.value, scope);
    return t.error();
  }
  if (found->first.kind != SymbolKind::kRecord) {
    emitter_.emit(at(name_span), diag::NotAType, name, describe(found->first));
    for (const syntax::FieldInit& f : record.fields)
      checkExpr(*f.value, scope);
    return t.error();
  }
  ExprFact& f = fact(expr);
  f.ref = ExprRef::kRecordType;
  f.a = found->first.index;
  return checkRecordFields(expr, found->first.index, record.fields, scope, true);
}

TypeId Checker::checkRecordFields(const syntax::Expr& expr, uint32_t index,
                                  const std::vector<syntax::FieldInit>& fields, Scope& scope,
                                  bool defaults_allowed) {
  TypeTable& t = types();
  const RecordInfo& record = program_.records[index];
  std::vector<const syntax::FieldInit*> given(record.fields.size(), nullptr);
  bool ok = true;
  for (const syntax::FieldInit& init : fields) {
    const int i = record.fieldIndex(init.name.text);
    if (i < 0) {
      std::vector<std::string_view> names;
      for (const FieldInfo& field : record.fields)
        names.push_back(field.name);
      auto d = emitter_.build(at(init.name.span), diag::UnknownField, record.header.short_name,
                              init.name.text);
      suggestClosest(d, init.name.text, names, at(init.name.span));
      d.emit();
      checkExpr(*init.value, scope);
      ok = false;
      continue;
    }
    if (given[static_cast<size_t>(i)] != nullptr) {
      emitter_.emit(at(init.name.span), diag::DuplicateFieldValue, init.name.text);
      ok = false;
      continue;
    }
    given[static_cast<size_t>(i)] = &init;
    checkExprAs(*init.value, scope, record.fields[static_cast<size_t>(i)].type);
  }
  for (size_t i = 0; i < record.fields.size(); ++i) {
    if (given[i] != nullptr) continue;
    if (defaults_allowed && record.fields[i].default_value) continue;
    if (defaults_allowed && record.header.decl != nullptr && !record.fields[i].default_value) {
      // A default that failed to fold was reported at the field; do not repeat it here.
      const auto* r = record.header.decl->as<syntax::RecordDecl>();
      const auto* s = record.header.decl->as<syntax::SignalDecl>();
      const auto& decls = r != nullptr ? r->fields : s->fields;
      bool has_default = false;
      for (const syntax::FieldDecl& fd : decls)
        has_default = has_default || (fd.name.text == record.fields[i].name && fd.default_value);
      if (has_default) continue;
    }
    emitter_.emit(at(expr.span), diag::MissingFieldValue, record.header.short_name,
                  record.fields[i].name);
    ok = false;
  }
  (void)ok;
  return t.record(index);
}

}  // namespace rflow::check

// Calls: user functions and decisions, the standard library (language.md §5a) and
// connector operations with their call options (§5).
#include <fmt/format.h>

#include "bytecode/operands.h"
#include "check/checker.h"
#include "check/natives.h"

namespace rflow::check {

namespace diag = diagnostics::diag;
using bytecode::Opcode;

void Checker::checkArguments(Location call, std::string_view callee,
                             const std::vector<syntax::Expr>& args,
                             const std::vector<ParamInfo>& params, Scope& scope) {
  if (args.size() != params.size()) {
    emitter_.emit(call, diag::ArgumentCount, callee, params.size(), params.size() == 1 ? "" : "s",
                  args.size(), args.size() == 1 ? "is" : "are");
    for (const syntax::Expr& arg : args)
      checkExpr(arg, scope);
    return;
  }
  for (size_t i = 0; i < args.size(); ++i)
    checkExprAs(args[i], scope, params[i].type);
}

TypeId Checker::checkCall(const syntax::Expr& expr, const syntax::CallExpr& call, Scope& scope,
                          TypeId expected) {
  TypeTable& t = types();
  const syntax::Expr& callee = *call.callee;
  const auto noOptions = [&](std::string_view name) {
    if (call.options) emitter_.emit(at(call.options->span), diag::NotOnConnectorCall, name);
  };
  const auto checkArgs = [&]() {
    for (const syntax::Expr& arg : call.args)
      checkExpr(arg, scope);
  };
  const auto userFunction = [&](uint32_t index, std::string_view name) {
    const FunctionInfo& fn = program_.functions[index];
    noOptions(name);
    checkArguments(at(expr.span), name, call.args, fn.params, scope);
    ExprFact& f = fact(callee);
    f.ref = ExprRef::kFunction;
    f.a = index;
    f.checked = true;
    return fn.result;
  };
  const auto notCallable = [&](std::string_view name, std::string what) {
    emitter_.emit(at(callee.span), diag::NotCallable, fmt::format("`{}`", name), "called", what);
    checkArgs();
    return t.error();
  };

  if (const auto* n = callee.as<syntax::NameExpr>()) {
    const NameTarget target = lookup(n->name, &scope, module_);
    switch (target.kind) {
      case NameTarget::Kind::kBuiltinType:
      case NameTarget::Kind::kNative:
        if (isNativeName(n->name)) {
          noOptions(n->name);
          return checkNativeCall(expr, call, n->name, scope, expected);
        }
        return notCallable(n->name, "a type");
      case NameTarget::Kind::kLocal:
        return notCallable(n->name, "a value");
      case NameTarget::Kind::kNotFound:
        reportUnknownName(n->name, at(callee.span), module_, &scope, diag::UnknownName);
        checkArgs();
        return t.error();
      case NameTarget::Kind::kSymbol:
        if (target.symbol.kind == SymbolKind::kFunction)
          return userFunction(target.symbol.index, n->name);
        if (target.symbol.kind == SymbolKind::kWorkflow) {
          return notCallable(n->name, "a workflow; run it with `start` or `spawn`");
        }
        if (target.symbol.kind == SymbolKind::kRecord) {
          return notCallable(n->name,
                             fmt::format("a record type; build one with `{} {{ … }}`", n->name));
        }
        return notCallable(n->name, describe(target.symbol));
    }
  }

  if (const auto* m = callee.as<syntax::MemberExpr>()) {
    // conn.op, module.conn.op, module.fn
    const std::string& op_name = m->member.text;
    std::optional<Symbol> owner;
    std::string owner_text;
    if (const auto* n = m->object->as<syntax::NameExpr>()) {
      const NameTarget target = lookup(n->name, &scope, module_);
      if (target.kind == NameTarget::Kind::kSymbol) {
        owner = target.symbol;
        owner_text = n->name;
      }
    } else if (const auto* mm = m->object->as<syntax::MemberExpr>()) {
      if (const auto* base_name = mm->object->as<syntax::NameExpr>()) {
        const NameTarget target = lookup(base_name->name, &scope, module_);
        if (target.kind == NameTarget::Kind::kSymbol && target.symbol.kind == SymbolKind::kModule) {
          const ModuleInfo& imported = program_.modules[target.symbol.index];
          if (auto it = imported.names.find(mm->member.text); it != imported.names.end()) {
            owner = it->second;
            owner_text = base_name->name + "." + mm->member.text;
          }
        }
      }
    }
    if (owner && owner->kind == SymbolKind::kModule) {
      const ModuleInfo& imported = program_.modules[owner->index];
      auto it = imported.names.find(op_name);
      const std::string full = owner_text + "." + op_name;
      if (it == imported.names.end()) {
        emitter_.emit(at(m->member.span), diag::UnknownMember,
                      fmt::format("module `{}`", imported.name), op_name);
        checkArgs();
        return t.error();
      }
      if (it->second.kind == SymbolKind::kFunction) return userFunction(it->second.index, full);
      return notCallable(full, describe(it->second));
    }
    if (owner && owner->kind == SymbolKind::kConnector) {
      const ConnectorInfo& connector = program_.connectors[owner->index];
      for (uint32_t i = 0; i < connector.op_count; ++i) {
        if (program_.ops[connector.first_op + i].name == op_name) {
          ExprFact& of = fact(*m->object);
          of.ref = ExprRef::kConnector;
          of.a = owner->index;
          of.checked = true;
          return checkConnectorCall(expr, call, connector.first_op + i, scope);
        }
      }
      emitter_.emit(at(m->member.span), diag::UnknownOperation, connector.header.short_name,
                    op_name);
      checkArgs();
      return t.error();
    }
    if (owner) return notCallable(owner_text + "." + op_name, "not a function");
  }
  const TypeId callee_type = checkExpr(callee, scope);
  if (t.isError(callee_type)) {
    checkArgs();
    return t.error();
  }
  emitter_.emit(at(callee.span), diag::NotCallable, "this value", "called",
                fmt::format("a value of type `{}`", typeName(callee_type)));
  checkArgs();
  return t.error();
}

TypeId Checker::checkConnectorCall(const syntax::Expr& expr, const syntax::CallExpr& call,
                                   uint32_t op_index, Scope& scope) {
  TypeTable& t = types();
  const ConnectorOpInfo& op = program_.ops[op_index];
  ExprFact& cf = fact(*call.callee);
  cf.ref = ExprRef::kConnectorOp;
  cf.a = op_index;
  cf.checked = true;
  allowEffect(expr, "a connector call", true);
  checkArguments(at(expr.span), op.name, call.args, op.params, scope);
  if (call.options) {
    const syntax::CallOptions& o = *call.options;
    if (o.retry) checkExprAs(*o.retry, scope, t.intType(), "an `int` number of retries");
    if (o.every) checkExprAs(*o.every, scope, t.durationType(), "a `duration` between retries");
    if (o.backoff) {
      const TypeId b = checkExpr(*o.backoff, scope);
      if (b == t.intType()) {
        fact(*o.backoff).coercion = Coercion::kIntToDecimal;
      } else {
        expectType(*o.backoff, b, t.decimalType(), "a `decimal` backoff factor");
      }
    }
    if (o.timeout) checkExprAs(*o.timeout, scope, t.durationType(), "a `duration` timeout");
  }
  return op.result;
}

TypeId Checker::checkNativeCall(const syntax::Expr& expr, const syntax::CallExpr& call,
                                std::string_view name, Scope& scope, TypeId expected) {
  TypeTable& t = types();
  const auto& args = call.args;
  ExprFact& cf = fact(*call.callee);
  cf.checked = true;
  const auto native = [&](NativeId id) {
    ExprFact& f = fact(*call.callee);
    f.ref = ExprRef::kNative;
    f.a = static_cast<uint32_t>(id);
  };
  const auto conversion = [&](Conversion c) {
    ExprFact& f = fact(*call.callee);
    f.ref = ExprRef::kConversion;
    f.a = static_cast<uint32_t>(c);
  };
  const auto arity = [&](size_t n) {
    if (args.size() == n) return true;
    emitter_.emit(at(expr.span), diag::ArgumentCount, name, n, n == 1 ? "" : "s", args.size(),
                  args.size() == 1 ? "is" : "are");
    for (const syntax::Expr& a : args)
      checkExpr(a, scope);
    return false;
  };
  const auto wrong = [&](const syntax::Expr& arg, TypeId found, std::string_view wanted) {
    if (!t.isError(found)) emitter_.emit(at(arg.span), diag::TypeMismatch, wanted, typeName(found));
    return t.error();
  };
  const TypeKind kInt = TypeKind::kInt, kDecimal = TypeKind::kDecimal, kMoney = TypeKind::kMoney,
                 kDuration = TypeKind::kDuration;

  if (name == "now") {
    if (!arity(0)) return t.error();
    if (context_.unit_kind != UnitKind::kMock) allowEffect(expr, "`now()`", false);
    fact(*call.callee).ref = ExprRef::kNow;
    return t.timeType();
  }
  if (name == "len") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    switch (t.kind(a)) {
      case TypeKind::kString:
        native(NativeId::kLenString);
        break;
      case TypeKind::kList:
        native(NativeId::kLenList);
        break;
      case TypeKind::kMap:
        native(NativeId::kLenMap);
        break;
      default:
        return wrong(args[0], a, "a string, list or map");
    }
    return t.intType();
  }
  if (name == "contains") {
    if (!arity(2)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (t.isError(a)) {
      checkExpr(args[1], scope);
      return t.error();
    }
    switch (t.kind(a)) {
      case TypeKind::kString:
        checkExprAs(args[1], scope, t.stringType());
        native(NativeId::kContainsString);
        break;
      case TypeKind::kList:
        checkExprAs(args[1], scope, t.get(a).element);
        native(NativeId::kContainsList);
        break;
      case TypeKind::kMap:
        checkExprAs(args[1], scope, t.stringType(), "a `string` key");
        native(NativeId::kContainsKey);
        break;
      default:
        checkExpr(args[1], scope);
        return wrong(args[0], a, "a string, list or map");
    }
    return t.boolType();
  }
  if (name == "starts_with" || name == "ends_with") {
    if (!arity(2)) return t.error();
    checkExprAs(args[0], scope, t.stringType());
    checkExprAs(args[1], scope, t.stringType());
    native(name == "starts_with" ? NativeId::kStartsWith : NativeId::kEndsWith);
    return t.boolType();
  }
  if (name == "lower" || name == "upper" || name == "trim") {
    if (!arity(1)) return t.error();
    checkExprAs(args[0], scope, t.stringType());
    native(name == "lower"   ? NativeId::kLower
           : name == "upper" ? NativeId::kUpper
                             : NativeId::kTrim);
    return t.stringType();
  }
  if (name == "split") {
    if (!arity(2)) return t.error();
    checkExprAs(args[0], scope, t.stringType());
    checkExprAs(args[1], scope, t.stringType(), "a `string` separator");
    native(NativeId::kSplit);
    return t.list(t.stringType());
  }
  if (name == "join") {
    if (!arity(2)) return t.error();
    checkExprAs(args[0], scope, t.list(t.stringType()));
    checkExprAs(args[1], scope, t.stringType(), "a `string` separator");
    native(NativeId::kJoin);
    return t.stringType();
  }
  if (name == "append") {
    if (!arity(2)) return t.error();
    const TypeId a = checkExpr(args[0], scope, t.kind(expected) == TypeKind::kList ? expected : 0);
    if (t.kind(a) != TypeKind::kList) {
      checkExpr(args[1], scope);
      return wrong(args[0], a, "a list");
    }
    checkExprAs(args[1], scope, t.get(a).element);
    native(NativeId::kAppend);
    return a;
  }
  if (name == "keys" || name == "values") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (t.kind(a) != TypeKind::kMap) return wrong(args[0], a, "a map");
    native(name == "keys" ? NativeId::kKeys : NativeId::kValues);
    return name == "keys" ? t.list(t.stringType()) : t.list(t.get(a).element);
  }
  if (name == "abs") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    switch (t.kind(a)) {
      case kInt:
        native(NativeId::kAbsInt);
        break;
      case kDecimal:
        native(NativeId::kAbsDecimal);
        break;
      case kMoney:
        native(NativeId::kAbsMoney);
        break;
      case kDuration:
        native(NativeId::kAbsDuration);
        break;
      default:
        return wrong(args[0], a, "an int, decimal, money or duration");
    }
    return a;
  }
  if (name == "min" || name == "max") {
    if (!arity(2)) return t.error();
    const bool is_min = name == "min";
    TypeId a = checkExpr(args[0], scope);
    TypeId b = checkExpr(args[1], scope);
    if (t.isError(a) || t.isError(b)) return t.error();
    if ((a == t.intType() && b == t.decimalType()) || (a == t.decimalType() && b == t.intType())) {
      fact(a == t.intType() ? args[0] : args[1]).coercion = Coercion::kIntToDecimal;
      a = b = t.decimalType();
    }
    if (a != b) {
      emitter_.emit(at(args[1].span), diag::TypeMismatch,
                    fmt::format("`{}` like the first argument", typeName(a)), typeName(b));
      return t.error();
    }
    switch (t.kind(a)) {
      case kInt:
        native(is_min ? NativeId::kMinInt : NativeId::kMaxInt);
        break;
      case kDecimal:
        native(is_min ? NativeId::kMinDecimal : NativeId::kMaxDecimal);
        break;
      case kMoney:
        native(is_min ? NativeId::kMinMoney : NativeId::kMaxMoney);
        break;
      case kDuration:
        native(is_min ? NativeId::kMinDuration : NativeId::kMaxDuration);
        break;
      default:
        return wrong(args[0], a, "an int, decimal, money or duration");
    }
    return a;
  }
  if (name == "sum") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (t.kind(a) == TypeKind::kList) {
      const TypeId e = t.get(a).element;
      switch (t.kind(e)) {
        case kInt:
          native(NativeId::kSumInt);
          return e;
        case kDecimal:
          native(NativeId::kSumDecimal);
          return e;
        case kMoney:
          native(NativeId::kSumMoney);
          return e;
        default:
          break;
      }
    }
    return wrong(args[0], a, "a list of int, decimal or money");
  }
  if (name == "round") {
    if (!arity(2)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    checkExprAs(args[1], scope, t.intType(), "an `int` number of places");
    if (a == t.decimalType()) return native(NativeId::kRoundDecimal), a;
    if (a == t.moneyType()) return native(NativeId::kRoundMoney), a;
    return wrong(args[0], a, "a decimal or money");
  }
  if (name == "decimal") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (a == t.intType()) return conversion(Conversion::kIntToDecimal), t.decimalType();
    if (a == t.decimalType()) return conversion(Conversion::kDecimalIdentity), a;
    if (a == t.stringType()) {
      emitter_.emit(at(args[0].span), diag::TypeMismatch,
                    "an `int` or `decimal` (text needs `parse_decimal`)", typeName(a));
      return t.error();
    }
    return wrong(args[0], a, "an `int` or `decimal`");
  }
  if (name == "int") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (a == t.decimalType()) return native(NativeId::kIntFromDecimal), t.intType();
    if (a == t.intType()) return conversion(Conversion::kDecimalIdentity), a;
    if (a == t.stringType()) {
      emitter_.emit(at(args[0].span), diag::TypeMismatch, "a `decimal` (text needs `parse_int`)",
                    typeName(a));
      return t.error();
    }
    return wrong(args[0], a, "a `decimal`");
  }
  if (name == "string") {
    if (!arity(1)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    if (t.kind(a) == TypeKind::kVoid) {
      emitter_.emit(at(args[0].span), diag::VoidValue, "this");
      return t.error();
    }
    conversion(Conversion::kToString);
    return t.stringType();
  }
  if (name == "money") {
    if (!arity(2)) return t.error();
    const TypeId a = checkExpr(args[0], scope);
    checkExprAs(args[1], scope, t.stringType(), "a currency code like \"USD\"");
    if (const auto* s = args[1].as<syntax::StringExpr>();
        s && s->parts.size() == 1 && !s->parts[0].expr) {
      if (!base::isIsoCurrency(std::string_view(s->parts[0].text))) {
        emitter_.emit(at(args[1].span), diag::UnknownCurrency, s->parts[0].text);
      }
    }
    if (a == t.decimalType()) return native(NativeId::kMoneyFromDecimal), t.moneyType();
    if (a == t.intType()) return native(NativeId::kMoneyFromInt), t.moneyType();
    return wrong(args[0], a, "a `decimal` or `int` amount");
  }
  if (name == "user") {
    if (!arity(1)) return t.error();
    checkExprAs(args[0], scope, t.stringType(), "a `string` user id");
    native(NativeId::kUserFromString);
    return t.userType();
  }
  if (name == "parse_int" || name == "parse_decimal" || name == "parse_time") {
    if (!arity(1)) return t.error();
    checkExprAs(args[0], scope, t.stringType());
    if (name == "parse_int") return native(NativeId::kParseInt), t.optional(t.intType());
    if (name == "parse_decimal")
      return native(NativeId::kParseDecimal), t.optional(t.decimalType());
    return native(NativeId::kParseTime), t.optional(t.timeType());
  }
  if (name == "days" || name == "hours" || name == "minutes") {
    if (!arity(1)) return t.error();
    checkExprAs(args[0], scope, t.intType());
    native(name == "days"    ? NativeId::kDays
           : name == "hours" ? NativeId::kHours
                             : NativeId::kMinutes);
    return t.durationType();
  }
  if (name == "format") {
    if (!arity(1)) return t.error();
    checkExprAs(args[0], scope, t.timeType());
    native(NativeId::kFormatTime);
    return t.stringType();
  }
  emitter_.emit(at(call.callee->span), diag::NotCallable, fmt::format("`{}`", name), "called",
                "not a function");
  for (const syntax::Expr& a : args)
    checkExpr(a, scope);
  return t.error();
}

}  // namespace rflow::check

// Calls: user functions and decisions, connector operations with their call options
// (language.md §5), and the way to the standard library (§5a, stdlib_calls.cpp).
#include <fmt/format.h>

#include "check/checker.h"
#include "stdlib/functions.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

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
        if (stdlib::findFunction(n->name) != nullptr) {
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

}  // namespace rflow::check

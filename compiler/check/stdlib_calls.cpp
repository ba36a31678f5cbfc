// Calls of the standard library (language.md §5a): the overload, the argument diagnostics
// and the result type, all read from stdlib/functions.def's signatures. The rules that are
// not signatures are the few lines marked so below.
#include <fmt/format.h>

#include <array>
#include <optional>
#include <span>

#include "base/currency.h"
#include "check/checker.h"
#include "stdlib/functions.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

// A signature's type text as a type, with `T` as `bound`.
TypeId typeOf(TypeTable& t, std::string_view text, TypeId bound) {
  if (text.ends_with('?')) return t.optional(typeOf(t, text.substr(0, text.size() - 1), bound));
  if (text.starts_with("list<")) return t.list(typeOf(t, text.substr(5, text.size() - 6), bound));
  if (text.starts_with("map<")) return t.map(typeOf(t, text.substr(4, text.size() - 5), bound));
  if (text == "T") return bound;
  return builtinTypeNamed(t, text).value_or(t.error());
}

// Whether `type` fits the type text `text`, binding `T` (which fits any type).
bool fits(const TypeTable& t, std::string_view text, TypeId type, TypeId& bound) {
  if (text == "T") {
    bound = type;
    return true;
  }
  const auto element = [&](std::string_view prefix, TypeKind kind) {
    return t.kind(type) == kind &&
           fits(t, text.substr(prefix.size(), text.size() - prefix.size() - 1), t.get(type).element,
                bound);
  };
  if (text.ends_with('?')) return element("", TypeKind::kOptional);
  if (text.starts_with("list<")) return element("list<", TypeKind::kList);
  if (text.starts_with("map<")) return element("map<", TypeKind::kMap);
  return builtinTypeNamed(t, text) == type;
}

// The role each parameter plays in choosing among a function's overloads.
enum class Role : uint8_t {
  kFixed,    // one type without `T` in every overload: checked against it
  kPicks,    // the first other parameter: its argument picks the overload
  kSame,     // the picking parameter's type in every overload: the same type as its argument
  kChecked,  // checked against its type in the chosen overload
};

struct Parameters {
  std::array<Role, stdlib::kMaxParams> roles{};
  std::optional<size_t> picks;
};

Parameters rolesOf(std::span<const stdlib::Overload> overloads) {
  Parameters out;
  const stdlib::Signature& first = stdlib::signatureOf(overloads[0]);
  for (size_t i = 0; i < first.arity; ++i) {
    bool same_type = true, same_as_picking = out.picks.has_value();
    for (const stdlib::Overload& o : overloads) {
      const stdlib::Signature& s = stdlib::signatureOf(o);
      same_type = same_type && s.params[i].type == first.params[i].type;
      if (out.picks)
        same_as_picking = same_as_picking && s.params[i].type == s.params[*out.picks].type;
    }
    if (same_type && !stdlib::isGeneric(first.params[i].type)) {
      out.roles[i] = Role::kFixed;
    } else if (!out.picks) {
      out.roles[i] = Role::kPicks;
      out.picks = i;
    } else {
      out.roles[i] = same_as_picking ? Role::kSame : Role::kChecked;
    }
  }
  return out;
}

}  // namespace

TypeId Checker::checkNativeCall(const syntax::Expr& expr, const syntax::CallExpr& call,
                                std::string_view name, Scope& scope, TypeId expected) {
  TypeTable& t = types();
  const auto& args = call.args;
  const std::span<const stdlib::Overload> overloads = stdlib::overloadsOf(name);
  fact(*call.callee).checked = true;
  const stdlib::Signature& first = stdlib::signatureOf(overloads[0]);
  const size_t arity = first.arity;
  if (args.size() != arity) {
    emitter_.emit(at(expr.span), diag::ArgumentCount, name, arity, arity == 1 ? "" : "s",
                  args.size(), args.size() == 1 ? "is" : "are");
    for (const syntax::Expr& a : args)
      checkExpr(a, scope);
    return t.error();
  }
  const Parameters params = rolesOf(overloads);
  const auto wanted = [&](size_t i) { return stdlib::wantedText(name, first.params[i].name); };

  // Arguments in order: fixed ones against their type, the picking one and those of its
  // type on their own; the rest wait for the overload.
  std::array<TypeId, stdlib::kMaxParams> found{};
  for (size_t i = 0; i < arity; ++i) {
    switch (params.roles[i]) {
      case Role::kFixed:
        checkExprAs(args[i], scope, typeOf(t, first.params[i].type, t.error()), wanted(i));
        break;
      case Role::kPicks: {
        // A generic argument that gives the result its type (append) learns from the
        // expected type, so `append([], x)` knows its list.
        TypeId hint = 0, ignored = 0;
        if (stdlib::isGeneric(first.params[i].type) && first.result == first.params[i].type &&
            expected != 0 && fits(t, first.params[i].type, expected, ignored))
          hint = expected;
        found[i] = checkExpr(args[i], scope, hint);
        break;
      }
      case Role::kSame:
        found[i] = checkExpr(args[i], scope);
        break;
      case Role::kChecked:
        break;
    }
  }
  // Not a signature: a currency code written as a literal must be ISO 4217.
  if (name == "money") {
    if (const auto* s = args[1].as<syntax::StringExpr>();
        s && s->parts.size() == 1 && !s->parts[0].expr) {
      if (!base::isIsoCurrency(std::string_view(s->parts[0].text)))
        emitter_.emit(at(args[1].span), diag::UnknownCurrency, s->parts[0].text);
    }
  }

  const stdlib::Overload* chosen = &overloads[0];
  TypeId bound = t.error();
  if (params.picks) {
    const size_t p = *params.picks;
    // Arguments of the picking one's type: one type, an int next to a decimal widening.
    for (size_t i = p + 1; i < arity; ++i) {
      if (params.roles[i] != Role::kSame) continue;
      if (t.isError(found[p]) || t.isError(found[i])) return t.error();
      const bool int_decimal = found[p] == t.intType() && found[i] == t.decimalType();
      const bool decimal_int = found[p] == t.decimalType() && found[i] == t.intType();
      if (int_decimal || decimal_int) {
        fact(args[int_decimal ? p : i]).coercion = Coercion::kIntToDecimal;
        found[p] = found[i] = t.decimalType();
      }
      if (found[i] != found[p]) {
        emitter_.emit(at(args[i].span), diag::TypeMismatch,
                      fmt::format("`{}` like the first argument", typeName(found[p])),
                      typeName(found[i]));
        return t.error();
      }
    }
    chosen = nullptr;
    for (const stdlib::Overload& o : overloads) {
      if (fits(t, stdlib::signatureOf(o).params[p].type, found[p], bound)) {
        chosen = &o;
        break;
      }
    }
    if (chosen == nullptr) {
      for (size_t i = p + 1; i < arity; ++i)
        if (params.roles[i] == Role::kChecked) checkExpr(args[i], scope);
      if (t.isError(found[p])) return t.error();
      std::string text(wanted(p));
      if (text.empty()) {
        for (const stdlib::Overload& o : overloads) {
          if (!text.empty()) text += &o == &overloads.back() ? " or " : ", ";
          text += fmt::format("`{}`", stdlib::signatureOf(o).params[p].type);
        }
      }
      // A conversion that cannot take text points to the function that reads it.
      if (found[p] == t.stringType() && stdlib::findFunction(fmt::format("parse_{}", name)))
        text += fmt::format(" (text needs `parse_{}`)", name);
      emitter_.emit(at(args[p].span), diag::TypeMismatch, text, typeName(found[p]));
      return t.error();
    }
    if (t.kind(bound) == TypeKind::kVoid) {
      emitter_.emit(at(args[p].span), diag::VoidValue, "this");
      return t.error();
    }
  }
  const stdlib::Signature& signature = stdlib::signatureOf(*chosen);
  for (size_t i = 0; i < arity; ++i) {
    if (params.roles[i] == Role::kChecked)
      checkExprAs(args[i], scope, typeOf(t, signature.params[i].type, bound),
                  stdlib::wantedText(name, signature.params[i].name));
  }

  ExprFact& f = fact(*call.callee);
  f.b = static_cast<uint32_t>(chosen - stdlib::kOverloads);
  switch (chosen->target) {
    case stdlib::Target::kNative:
      f.ref = ExprRef::kNative;
      f.a = chosen->native;
      break;
    case stdlib::Target::kNow:
      // Not a signature: `now()` reads the instance's clock, an effect (a mock's is the test's).
      if (context_.unit_kind != UnitKind::kMock) allowEffect(expr, "`now()`", false);
      f.ref = ExprRef::kNow;
      break;
    case stdlib::Target::kIntToDecimal:
      f.ref = ExprRef::kConversion;
      f.a = static_cast<uint32_t>(Conversion::kIntToDecimal);
      break;
    case stdlib::Target::kToString:
      f.ref = ExprRef::kConversion;
      f.a = static_cast<uint32_t>(Conversion::kToString);
      break;
    case stdlib::Target::kIdentity:
      f.ref = ExprRef::kConversion;
      f.a = static_cast<uint32_t>(Conversion::kIdentity);
      break;
  }
  return typeOf(t, signature.result, bound);
}

}  // namespace rflow::check

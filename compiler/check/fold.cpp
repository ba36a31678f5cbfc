// Compile-time evaluation of constant expressions (language.md §4: `const`; record
// field defaults; money literals), with the runtime's arithmetic from rflow_base. Runs on
// expressions that have already been checked, so it reads their facts.
#include "check/fold.h"

#include <fmt/format.h>

#include "base/checked_int.h"
#include "base/money.h"
#include "base/time_text.h"
#include "bytecode/natives.h"
#include "bytecode/operands.h"
#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;
using bytecode::Opcode;

namespace {

class Folder {
 public:
  Folder(Checker& checker, std::string_view report) : checker_(checker), report_(report) {}

  std::optional<ConstValue> fold(const syntax::Expr& expr) {
    if (failed_) return std::nullopt;
    std::optional<ConstValue> v = evaluate(expr);
    if (!v) return std::nullopt;
    if (checker_.fact(expr).coercion == Coercion::kIntToDecimal &&
        std::holds_alternative<int64_t>(v->value)) {
      v->value = base::Decimal::fromInt(std::get<int64_t>(v->value));
    }
    return v;
  }

 private:
  std::optional<ConstValue> notConstant(const syntax::Expr& expr, std::string_view what) {
    if (!report_.empty() && !failed_) {
      checker_.emitter().emit(checker_.at(expr.span), diag::NotConstant, report_, what);
    }
    failed_ = true;
    return std::nullopt;
  }

  std::optional<ConstValue> arithmetic(const syntax::Expr& expr, base::ArithmeticError error) {
    if (!report_.empty() && !failed_) {
      checker_.emitter().emit(checker_.at(expr.span), diag::ConstantOverflow,
                              base::errorPhrase(error));
    }
    failed_ = true;
    return std::nullopt;
  }

  template <typename T>
  std::optional<ConstValue> wrap(const syntax::Expr& expr, base::Result<T> r) {
    if (!r) return arithmetic(expr, r.error());
    return ConstValue{*r};
  }

  std::optional<ConstValue> evaluate(const syntax::Expr& expr) {
    const ExprFact& f = checker_.fact(expr);
    Program& p = checker_.program();
    return std::visit(
        syntax::Overloaded{
            [&](const syntax::IntExpr& x) -> std::optional<ConstValue> {
              return ConstValue{x.value};
            },
            [&](const syntax::DecimalExpr& x) -> std::optional<ConstValue> {
              auto d = base::Decimal::parse(x.digits);
              if (!d) return arithmetic(expr, d.error());
              return ConstValue{*d};
            },
            [&](const syntax::MoneyExpr& x) -> std::optional<ConstValue> {
              auto d = base::Decimal::parse(x.amount);
              auto c = base::CurrencyCode::parse(x.currency);
              if (!d) return arithmetic(expr, d.error());
              if (!c) return arithmetic(expr, c.error());
              return ConstValue{base::Money(*d, *c)};
            },
            [&](const syntax::DurationExpr& x) -> std::optional<ConstValue> {
              return ConstValue{DurationValue{x.millis}};
            },
            [&](const syntax::BoolExpr& x) -> std::optional<ConstValue> {
              return ConstValue{x.value};
            },
            [&](const syntax::NoneExpr&) -> std::optional<ConstValue> {
              return ConstValue{NoneValue{}};
            },
            [&](const syntax::StringExpr& x) -> std::optional<ConstValue> {
              std::string text;
              for (const syntax::StringPart& part : x.parts) {
                if (!part.expr) {
                  text += part.text;
                  continue;
                }
                auto v = fold(*part.expr);
                if (!v) return std::nullopt;
                text += formatConst(*v, p, false);
              }
              return ConstValue{std::move(text)};
            },
            [&](const syntax::NameExpr& x) -> std::optional<ConstValue> {
              return reference(expr, f, x.name);
            },
            [&](const syntax::MemberExpr& x) -> std::optional<ConstValue> {
              if (f.ref == ExprRef::kField) {
                auto object = fold(*x.object);
                if (!object) return std::nullopt;
                if (const auto* agg = std::get_if<AggregateValue>(&object->value);
                    agg && f.a < agg->elements.size()) {
                  return agg->elements[f.a];
                }
                if (std::holds_alternative<NoneValue>(object->value))
                  return ConstValue{NoneValue{}};
                return notConstant(expr, "this field");
              }
              return reference(expr, f, x.member.text);
            },
            [&](const syntax::UnaryExpr& x) -> std::optional<ConstValue> {
              auto v = fold(*x.operand);
              if (!v) return std::nullopt;
              if (auto* b = std::get_if<bool>(&v->value)) return ConstValue{!*b};
              if (auto* i = std::get_if<int64_t>(&v->value))
                return wrap(expr, base::checkedNeg(*i));
              if (auto* d = std::get_if<base::Decimal>(&v->value)) return ConstValue{d->negated()};
              if (auto* m = std::get_if<base::Money>(&v->value)) return ConstValue{m->negated()};
              if (auto* d = std::get_if<DurationValue>(&v->value)) {
                auto r = base::checkedNeg(d->millis);
                if (!r) return arithmetic(expr, r.error());
                return ConstValue{DurationValue{*r}};
              }
              return notConstant(expr, "this");
            },
            [&](const syntax::BinaryExpr& x) -> std::optional<ConstValue> {
              return binary(expr, x, f);
            },
            [&](const syntax::ConditionalExpr& x) -> std::optional<ConstValue> {
              auto c = fold(*x.cond);
              if (!c) return std::nullopt;
              return fold(std::get<bool>(c->value) ? *x.then_expr : *x.else_expr);
            },
            [&](const syntax::ListExpr& x) -> std::optional<ConstValue> {
              AggregateValue list;
              for (const syntax::Expr& e : x.elements) {
                auto v = fold(e);
                if (!v) return std::nullopt;
                list.elements.push_back(std::move(*v));
              }
              return ConstValue{std::move(list)};
            },
            [&](const syntax::MapExpr& x) -> std::optional<ConstValue> {
              AggregateValue map;
              for (const syntax::MapEntry& entry : x.entries) {
                auto k = fold(*entry.key);
                auto v = k ? fold(*entry.value) : std::nullopt;
                if (!k || !v) return std::nullopt;
                map.elements.push_back(std::move(*k));
                map.elements.push_back(std::move(*v));
              }
              return ConstValue{std::move(map)};
            },
            [&](const syntax::RecordExpr& x) -> std::optional<ConstValue> {
              if (f.ref != ExprRef::kRecordType) return notConstant(expr, "this record");
              const RecordInfo& record = p.records[f.a];
              AggregateValue fields;
              fields.elements.resize(record.fields.size());
              std::vector<bool> given(record.fields.size(), false);
              for (const syntax::FieldInit& init : x.fields) {
                const int i = record.fieldIndex(init.name.text);
                if (i < 0) return std::nullopt;
                auto v = fold(*init.value);
                if (!v) return std::nullopt;
                fields.elements[static_cast<size_t>(i)] = std::move(*v);
                given[static_cast<size_t>(i)] = true;
              }
              for (size_t i = 0; i < record.fields.size(); ++i) {
                if (given[i]) continue;
                if (!record.fields[i].default_value) return notConstant(expr, "this record");
                fields.elements[i] = *record.fields[i].default_value;
              }
              return ConstValue{std::move(fields)};
            },
            [&](const syntax::CallExpr& x) -> std::optional<ConstValue> { return call(expr, x); },
            [&](const auto&) -> std::optional<ConstValue> { return notConstant(expr, "this"); },
        },
        expr.data);
  }

  std::optional<ConstValue> reference(const syntax::Expr& expr, const ExprFact& f,
                                      std::string_view name) {
    Program& p = checker_.program();
    switch (f.ref) {
      case ExprRef::kConst:
        checker_.resolveConst(f.a);
        if (p.consts[f.a].value) return p.consts[f.a].value;
        failed_ = true;
        return std::nullopt;
      case ExprRef::kRole:
        return ConstValue{RoleValue{f.a}};
      case ExprRef::kEnumMember:
        return ConstValue{EnumValue{f.a, f.b}};
      case ExprRef::kRecordType: {
        // A signal written without braces.
        const RecordInfo& record = p.records[f.a];
        AggregateValue fields;
        for (const FieldInfo& field : record.fields) {
          if (!field.default_value) return notConstant(expr, "this signal");
          fields.elements.push_back(*field.default_value);
        }
        return ConstValue{std::move(fields)};
      }
      default:
        return notConstant(expr, fmt::format("`{}`", name));
    }
  }

  std::optional<ConstValue> binary(const syntax::Expr& expr, const syntax::BinaryExpr& x,
                                   const ExprFact& f) {
    using syntax::BinaryOp;
    if (x.op == BinaryOp::kAnd || x.op == BinaryOp::kOr) {
      auto a = fold(*x.lhs);
      if (!a) return std::nullopt;
      const bool left = std::get<bool>(a->value);
      if (x.op == BinaryOp::kAnd ? !left : left) return a;
      return fold(*x.rhs);
    }
    if (x.op == BinaryOp::kCoalesce) {
      auto a = fold(*x.lhs);
      if (!a) return std::nullopt;
      if (!std::holds_alternative<NoneValue>(a->value)) return a;
      return fold(*x.rhs);
    }
    auto a = fold(*x.lhs);
    auto b = a ? fold(*x.rhs) : std::nullopt;
    if (!a || !b) return std::nullopt;
    if (f.b == 1 && (x.op == BinaryOp::kMul || x.op == BinaryOp::kAdd))
      std::swap(a, b);  // operands swapped
    const auto op = static_cast<Opcode>(f.a);
    auto& av = a->value;
    auto& bv = b->value;
    const auto i = [](auto& v) { return std::get<int64_t>(v); };
    const auto d = [](auto& v) { return std::get<base::Decimal>(v); };
    const auto m = [](auto& v) { return std::get<base::Money>(v); };
    const auto dur = [](auto& v) { return std::get<DurationValue>(v).millis; };
    const auto durResult = [&](base::Result<int64_t> r) -> std::optional<ConstValue> {
      if (!r) return arithmetic(expr, r.error());
      return ConstValue{DurationValue{*r}};
    };
    const auto ordering = [&](int which, std::weak_ordering c) -> std::optional<ConstValue> {
      const bool r = which == 0 ? c < 0 : which == 1 ? c <= 0 : which == 2 ? c > 0 : c >= 0;
      return ConstValue{r};
    };
    switch (op) {
      case Opcode::kAddInt:
        return wrap(expr, base::checkedAdd(i(av), i(bv)));
      case Opcode::kSubInt:
        return wrap(expr, base::checkedSub(i(av), i(bv)));
      case Opcode::kMulInt:
        return wrap(expr, base::checkedMul(i(av), i(bv)));
      case Opcode::kDivInt:
        return wrap(expr, base::checkedDiv(i(av), i(bv)));
      case Opcode::kRemInt:
        return wrap(expr, base::checkedRem(i(av), i(bv)));
      case Opcode::kAddDec:
        return wrap(expr, base::add(d(av), d(bv)));
      case Opcode::kSubDec:
        return wrap(expr, base::subtract(d(av), d(bv)));
      case Opcode::kMulDec:
        return wrap(expr, base::multiply(d(av), d(bv)));
      case Opcode::kDivDec:
        return wrap(expr, base::divide(d(av), d(bv)));
      case Opcode::kAddMoney:
        return wrap(expr, base::add(m(av), m(bv)));
      case Opcode::kSubMoney:
        return wrap(expr, base::subtract(m(av), m(bv)));
      case Opcode::kMulMoneyInt:
        return wrap(expr, base::multiply(m(av), i(bv)));
      case Opcode::kMulMoneyDec:
        return wrap(expr, base::multiply(m(av), d(bv)));
      case Opcode::kDivMoneyInt:
        return wrap(expr, base::divide(m(av), i(bv)));
      case Opcode::kDivMoneyDec:
        return wrap(expr, base::divide(m(av), d(bv)));
      case Opcode::kDivMoneyMoney:
        return wrap(expr, base::divide(m(av), m(bv)));
      case Opcode::kAddDur:
        return durResult(base::checkedAdd(dur(av), dur(bv)));
      case Opcode::kSubDur:
        return durResult(base::checkedSub(dur(av), dur(bv)));
      case Opcode::kMulDurInt:
        return durResult(base::checkedMul(dur(av), i(bv)));
      case Opcode::kConcat:
        return ConstValue{std::get<std::string>(av) + std::get<std::string>(bv)};
      case Opcode::kEq:
        return ConstValue{*a == *b};
      case Opcode::kNe:
        return ConstValue{!(*a == *b)};
      case Opcode::kLtInt:
      case Opcode::kLeInt:
      case Opcode::kGtInt:
      case Opcode::kGeInt:
        return ordering(static_cast<int>(op) - static_cast<int>(Opcode::kLtInt), i(av) <=> i(bv));
      case Opcode::kLtDec:
      case Opcode::kLeDec:
      case Opcode::kGtDec:
      case Opcode::kGeDec:
        return ordering(static_cast<int>(op) - static_cast<int>(Opcode::kLtDec), d(av) <=> d(bv));
      case Opcode::kLtMoney:
      case Opcode::kLeMoney:
      case Opcode::kGtMoney:
      case Opcode::kGeMoney: {
        auto c = base::compare(m(av), m(bv));
        if (!c) return arithmetic(expr, c.error());
        return ordering(static_cast<int>(op) - static_cast<int>(Opcode::kLtMoney), *c);
      }
      case Opcode::kLtDur:
      case Opcode::kLeDur:
      case Opcode::kGtDur:
      case Opcode::kGeDur:
        return ordering(static_cast<int>(op) - static_cast<int>(Opcode::kLtDur),
                        dur(av) <=> dur(bv));
      case Opcode::kLtStr:
      case Opcode::kLeStr:
      case Opcode::kGtStr:
      case Opcode::kGeStr:
        return ordering(static_cast<int>(op) - static_cast<int>(Opcode::kLtStr),
                        std::get<std::string>(av).compare(std::get<std::string>(bv)) <=> 0);
      default:
        return notConstant(expr, "this operation");
    }
  }

  std::optional<ConstValue> call(const syntax::Expr& expr, const syntax::CallExpr& x) {
    const ExprFact& cf = checker_.fact(*x.callee);
    std::vector<ConstValue> args;
    if (cf.ref == ExprRef::kNative || cf.ref == ExprRef::kConversion) {
      for (const syntax::Expr& a : x.args) {
        auto v = fold(a);
        if (!v) return std::nullopt;
        args.push_back(std::move(*v));
      }
    }
    if (cf.ref == ExprRef::kConversion) {
      switch (static_cast<Conversion>(cf.a)) {
        case Conversion::kIntToDecimal:
          return ConstValue{base::Decimal::fromInt(std::get<int64_t>(args[0].value))};
        case Conversion::kIdentity:
          return args[0];
        case Conversion::kToString:
          return ConstValue{formatConst(args[0], checker_.program(), false)};
      }
    }
    if (cf.ref == ExprRef::kNative) {
      const auto duration = [&](int64_t unit) -> std::optional<ConstValue> {
        auto r = base::checkedMul(std::get<int64_t>(args[0].value), unit);
        if (!r) return arithmetic(expr, r.error());
        return ConstValue{DurationValue{*r}};
      };
      switch (static_cast<bytecode::Native>(cf.a)) {
        case bytecode::Native::kDays:
          return duration(86'400'000);
        case bytecode::Native::kHours:
          return duration(3'600'000);
        case bytecode::Native::kMinutes:
          return duration(60'000);
        case bytecode::Native::kUserFromString:
          return ConstValue{UserValue{std::get<std::string>(args[0].value)}};
        case bytecode::Native::kMoneyFromDecimal:
        case bytecode::Native::kMoneyFromInt: {
          auto c = base::CurrencyCode::parse(std::get<std::string>(args[1].value));
          if (!c) return arithmetic(expr, c.error());
          const base::Decimal amount =
              std::holds_alternative<int64_t>(args[0].value)
                  ? base::Decimal::fromInt(std::get<int64_t>(args[0].value))
                  : std::get<base::Decimal>(args[0].value);
          return ConstValue{base::Money(amount, *c)};
        }
        case bytecode::Native::kIntFromDecimal:
          return wrap(expr, std::get<base::Decimal>(args[0].value).toInt());
        default:
          break;
      }
    }
    return notConstant(expr, "a call");
  }

  Checker& checker_;
  std::string_view report_;
  bool failed_ = false;
};

void appendConst(std::string& out, const ConstValue& value, const Program& program, bool quote) {
  std::visit(syntax::Overloaded{
                 [&](const NoneValue&) { out += "none"; },
                 [&](bool b) { out += b ? "true" : "false"; },
                 [&](int64_t i) { out += std::to_string(i); },
                 [&](const base::Decimal& d) { d.appendTo(out); },
                 [&](const base::Money& m) { m.appendTo(out); },
                 [&](const std::string& s) {
                   if (quote) {
                     out += '"';
                     out += s;
                     out += '"';
                   } else {
                     out += s;
                   }
                 },
                 [&](const DurationValue& d) { out += base::formatDuration(d.millis); },
                 [&](const TimeValue& t) { out += base::formatTime(t.millis); },
                 [&](const EnumValue& e) {
                   out += e.enum_index < program.enums.size() &&
                                  e.member < program.enums[e.enum_index].members.size()
                              ? program.enums[e.enum_index].members[e.member].name
                              : "?";
                 },
                 [&](const RoleValue& r) {
                   out += r.role < program.roles.size() ? program.roles[r.role].header.short_name
                                                        : "?";
                 },
                 [&](const UserValue& u) { out += u.id; },
                 [&](const AggregateValue& a) {
                   out += '[';
                   for (size_t i = 0; i < a.elements.size(); ++i) {
                     if (i) out += ", ";
                     appendConst(out, a.elements[i], program, quote);
                   }
                   out += ']';
                 },
             },
             value.value);
}

}  // namespace

std::string formatConst(const ConstValue& value, const Program& program, bool quote_strings) {
  std::string out;
  appendConst(out, value, program, quote_strings);
  return out;
}

std::optional<ConstValue> Checker::fold(const syntax::Expr& expr, uint32_t module,
                                        std::string_view report) {
  (void)module;
  Folder folder(*this, report);
  return folder.fold(expr);
}

}  // namespace rflow::check

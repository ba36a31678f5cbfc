// Expressions, literals and strings (language.md §2, §3, §5a). See tree_builder.h.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "base/suggest.h"
#include "parse/literals.h"
#include "parse/tree_builder.h"
#include "syntax/limits.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;
using namespace rflow::syntax;

namespace {

// The height of the tree below an expression: the ids of its direct children.
template <typename F>
void forEachChildId(const Expr& e, F&& f) {
  const auto one = [&](const Box<Expr>& b) {
    if (b) f(b->id);
  };
  std::visit(Overloaded{
                 [&](const StringExpr& x) {
                   for (const StringPart& p : x.parts)
                     one(p.expr);
                 },
                 [&](const MemberExpr& x) { one(x.object); },
                 [&](const IndexExpr& x) {
                   one(x.object);
                   one(x.index);
                 },
                 [&](const CallExpr& x) {
                   one(x.callee);
                   for (const Expr& a : x.args)
                     f(a.id);
                   if (x.options) {
                     one(x.options->retry);
                     one(x.options->every);
                     one(x.options->backoff);
                     one(x.options->timeout);
                   }
                 },
                 [&](const UnaryExpr& x) { one(x.operand); },
                 [&](const BinaryExpr& x) {
                   one(x.lhs);
                   one(x.rhs);
                 },
                 [&](const ConditionalExpr& x) {
                   one(x.cond);
                   one(x.then_expr);
                   one(x.else_expr);
                 },
                 [&](const ListExpr& x) {
                   for (const Expr& a : x.elements)
                     f(a.id);
                 },
                 [&](const MapExpr& x) {
                   for (const MapEntry& m : x.entries) {
                     one(m.key);
                     one(m.value);
                   }
                 },
                 [&](const RecordExpr& x) {
                   for (const FieldInit& fi : x.fields)
                     one(fi.value);
                 },
                 [&](const ApprovalExpr& x) {
                   one(x.title);
                   for (const Clause& c : x.clauses) {
                     one(c.value);
                     one(c.target);
                     for (const FieldInit& fi : c.data)
                       one(fi.value);
                   }
                 },
                 [&](const TaskExpr& x) {
                   one(x.title);
                   for (const Clause& c : x.clauses) {
                     one(c.value);
                     one(c.target);
                     for (const FieldInit& fi : c.data)
                       one(fi.value);
                   }
                 },
                 [&](const AwaitExpr& x) { one(x.timeout); },
                 [&](const StartExpr& x) {
                   for (const Expr& a : x.args)
                     f(a.id);
                 },
                 [&](const ClassifyExpr& x) {
                   for (const Expr& a : x.args)
                     f(a.id);
                 },
                 [&](const InCalendarExpr& x) { one(x.duration); },
                 [](const auto&) {},
             },
             e.data);
}

constexpr std::array<std::string_view, 8> kApprovalClauses = {
    "assign", "requested_by", "amount", "approvers", "due", "escalate", "data", "stage"};
constexpr std::array<std::string_view, 7> kTaskClauses = {
    "assign", "requested_by", "due", "escalate", "data", "form", "stage"};

}  // namespace

syntax::Expr TreeBuilder::make(source::Span span, syntax::Expr::Data data) {
  Expr e{span, next_expr_id_++, std::move(data)};
  uint16_t height = 1;
  forEachChildId(e, [&](uint32_t child) {
    if (child < heights_.size())
      height = std::max<uint16_t>(height, static_cast<uint16_t>(heights_[child] + 1));
  });
  if (height + block_depth_ > kMaxNestingDepth) {
    if (session_.takeNestingReport()) {
      session_.error(span, diag::NestingTooDeep, kMaxNestingDepth).emit();
    }
    e.data = ErrorExpr{};
    height = 1;
  }
  if (heights_.size() <= e.id) heights_.resize(e.id + 1, 1);
  heights_[e.id] = height;
  return e;
}

syntax::Expr TreeBuilder::error(source::Span span) {
  return make(span, ErrorExpr{});
}

syntax::Box<syntax::Expr> TreeBuilder::box(P::ExprContext* ctx) {
  if (ctx == nullptr) return {};
  return expr(ctx);
}

syntax::Expr TreeBuilder::binary(BinaryOp op, source::Span op_span, Expr lhs, Expr rhs) {
  const source::Span whole = lhs.span.to(rhs.span);
  return make(whole, BinaryExpr{op, op_span, std::move(lhs), std::move(rhs)});
}

syntax::Expr TreeBuilder::expr(P::ExprContext* ctx) {
  if (ctx == nullptr || ctx->getStart() == nullptr) return error({});
  if (ctx->KW_IF() != nullptr) {
    const auto parts = ctx->expr();
    auto part = [&](size_t i) { return i < parts.size() ? expr(parts[i]) : error(span(ctx)); };
    Expr cond = part(0);
    Expr then_expr = part(1);
    Expr else_expr = part(2);
    return make(span(ctx),
                ConditionalExpr{std::move(cond), std::move(then_expr), std::move(else_expr)});
  }
  if (ctx->coalesceExpr() == nullptr) return error(span(ctx));
  return coalesce(ctx->coalesceExpr());
}

syntax::Expr TreeBuilder::coalesce(P::CoalesceExprContext* ctx) {
  const auto operands = ctx->orExpr();
  const auto ops = ctx->QQ();
  if (operands.empty()) return error(span(ctx));
  // `??` groups to the right: a ?? b ?? c is a ?? (b ?? c).
  Expr result = orExpr(operands.back());
  for (size_t i = operands.size() - 1; i-- > 0;) {
    result = binary(BinaryOp::kCoalesce, i < ops.size() ? span(ops[i]) : source::Span{},
                    orExpr(operands[i]), std::move(result));
  }
  return result;
}

syntax::Expr TreeBuilder::orExpr(P::OrExprContext* ctx) {
  const auto operands = ctx->andExpr();
  const auto ops = ctx->KW_OR();
  if (operands.empty()) return error(span(ctx));
  Expr result = andExpr(operands[0]);
  for (size_t i = 1; i < operands.size(); ++i) {
    result = binary(BinaryOp::kOr, i - 1 < ops.size() ? span(ops[i - 1]) : source::Span{},
                    std::move(result), andExpr(operands[i]));
  }
  return result;
}

syntax::Expr TreeBuilder::andExpr(P::AndExprContext* ctx) {
  const auto operands = ctx->notExpr();
  const auto ops = ctx->KW_AND();
  if (operands.empty()) return error(span(ctx));
  Expr result = notExpr(operands[0]);
  for (size_t i = 1; i < operands.size(); ++i) {
    result = binary(BinaryOp::kAnd, i - 1 < ops.size() ? span(ops[i - 1]) : source::Span{},
                    std::move(result), notExpr(operands[i]));
  }
  return result;
}

syntax::Expr TreeBuilder::notExpr(P::NotExprContext* ctx) {
  if (ctx->cmpExpr() == nullptr) return error(span(ctx));
  Expr result = cmpExpr(ctx->cmpExpr());
  const auto nots = ctx->KW_NOT();
  for (size_t i = nots.size(); i-- > 0;) {
    const source::Span op = span(nots[i]);
    result = make(op.to(result.span), UnaryExpr{UnaryOp::kNot, op, std::move(result)});
  }
  return result;
}

syntax::Expr TreeBuilder::cmpExpr(P::CmpExprContext* ctx) {
  const auto operands = ctx->addExpr();
  const auto ops = ctx->cmpOp();
  if (operands.empty()) return error(span(ctx));
  const auto opOf = [](P::CmpOpContext* op) {
    if (op->EQ() != nullptr) return BinaryOp::kEq;
    if (op->NE() != nullptr) return BinaryOp::kNe;
    if (op->LT() != nullptr) return BinaryOp::kLt;
    if (op->LE() != nullptr) return BinaryOp::kLe;
    if (op->GT() != nullptr) return BinaryOp::kGt;
    if (op->GE() != nullptr) return BinaryOp::kGe;
    return BinaryOp::kIn;
  };
  if (ops.size() > 1 && operands.size() > 2) {
    // `a < b < c`: show the `and` form with the user's own operands.
    const std::string a = text(span(operands[0]));
    const std::string b = text(span(operands[1]));
    const std::string c = text(span(operands[2]));
    const std::string op1 = text(span(ops[0]));
    const std::string op2 = text(span(ops[1]));
    const std::string suggestion = fmt::format("{} {} {} and {} {} {}", a, op1, b, b, op2, c);
    session_
        .error(span(ops[1]), diag::ChainedComparison,
               suggestion.size() <= 80 ? suggestion : std::string("a < b and b < c"))
        .emit();
    return error(span(ctx));
  }
  Expr result = addExpr(operands[0]);
  if (!ops.empty() && operands.size() > 1) {
    result = binary(opOf(ops[0]), span(ops[0]), std::move(result), addExpr(operands[1]));
  }
  return result;
}

syntax::Expr TreeBuilder::addExpr(P::AddExprContext* ctx) {
  const auto operands = ctx->mulExpr();
  if (operands.empty()) return error(span(ctx));
  std::vector<antlr4::tree::TerminalNode*> ops;
  for (auto* child : ctx->children) {
    if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
      const size_t type = t->getSymbol()->getType();
      if (type == P::PLUS || type == P::MINUS) ops.push_back(t);
    }
  }
  Expr result = mulExpr(operands[0]);
  for (size_t i = 1; i < operands.size(); ++i) {
    auto* op = i - 1 < ops.size() ? ops[i - 1] : nullptr;
    const BinaryOp kind =
        op != nullptr && op->getSymbol()->getType() == P::MINUS ? BinaryOp::kSub : BinaryOp::kAdd;
    result = binary(kind, span(op), std::move(result), mulExpr(operands[i]));
  }
  return result;
}

syntax::Expr TreeBuilder::mulExpr(P::MulExprContext* ctx) {
  const auto operands = ctx->unaryExpr();
  if (operands.empty()) return error(span(ctx));
  std::vector<antlr4::tree::TerminalNode*> ops;
  for (auto* child : ctx->children) {
    if (auto* t = dynamic_cast<antlr4::tree::TerminalNode*>(child)) {
      const size_t type = t->getSymbol()->getType();
      if (type == P::STAR || type == P::SLASH || type == P::PERCENT) ops.push_back(t);
    }
  }
  Expr result = unaryExpr(operands[0]);
  for (size_t i = 1; i < operands.size(); ++i) {
    auto* op = i - 1 < ops.size() ? ops[i - 1] : nullptr;
    const size_t type = op != nullptr ? op->getSymbol()->getType() : static_cast<size_t>(P::STAR);
    const BinaryOp kind = type == P::SLASH     ? BinaryOp::kDiv
                          : type == P::PERCENT ? BinaryOp::kRem
                                               : BinaryOp::kMul;
    result = binary(kind, span(op), std::move(result), unaryExpr(operands[i]));
  }
  return result;
}

syntax::Expr TreeBuilder::unaryExpr(P::UnaryExprContext* ctx) {
  if (ctx == nullptr || ctx->postfixExpr() == nullptr) return error(span(ctx));
  auto minuses = ctx->MINUS();
  P::PostfixExprContext* operand = ctx->postfixExpr();
  Expr result;
  // `-9223372036854775808`: the one int literal whose magnitude alone does not fit.
  P::PrimaryContext* prim = operand->primary();
  if (!minuses.empty() && operand->postfixOp().empty() && prim != nullptr &&
      prim->literal() != nullptr && prim->literal()->INT() != nullptr &&
      stripUnderscores(text(prim->literal()->INT())) == "9223372036854775808") {
    const source::Span s = span(minuses.back()).to(span(operand));
    result = make(s, IntExpr{INT64_MIN});
    minuses.pop_back();
  } else {
    result = postfixExpr(operand);
  }
  for (size_t i = minuses.size(); i-- > 0;) {
    const source::Span op = span(minuses[i]);
    result = make(op.to(result.span), UnaryExpr{UnaryOp::kNeg, op, std::move(result)});
  }
  return result;
}

syntax::Expr TreeBuilder::postfixExpr(P::PostfixExprContext* ctx) {
  if (ctx == nullptr || ctx->primary() == nullptr) return error(span(ctx));
  Expr result = primary(ctx->primary());
  for (P::PostfixOpContext* op : ctx->postfixOp()) {
    const source::Span whole = result.span.to(span(op));
    if (op->DOT() != nullptr || op->QDOT() != nullptr) {
      result = make(whole,
                    MemberExpr{std::move(result), ident(op->memberName()), op->QDOT() != nullptr});
    } else if (op->LBRACK() != nullptr) {
      Expr index = op->expr() != nullptr ? expr(op->expr()) : error(whole);
      result = make(whole, IndexExpr{std::move(result), std::move(index)});
    } else if (op->argList() != nullptr) {
      CallExpr call{std::move(result), args(op->argList()), span(op->argList()), std::nullopt};
      if (P::CallOptionsContext* options = op->callOptions()) {
        CallOptions o;
        o.span = span(options);
        if (P::RetryOptionContext* retry = options->retryOption()) {
          const auto values = retry->unaryExpr();
          if (!values.empty()) o.retry = unaryExpr(values[0]);
          if (values.size() > 1) o.every = unaryExpr(values[1]);
          if (values.size() > 2) o.backoff = unaryExpr(values[2]);
        }
        if (P::TimeoutOptionContext* timeout = options->timeoutOption()) {
          if (timeout->unaryExpr() != nullptr) o.timeout = unaryExpr(timeout->unaryExpr());
        }
        call.options = std::move(o);
      }
      result = make(whole, std::move(call));
    }
  }
  return result;
}

std::vector<syntax::Expr> TreeBuilder::args(P::ArgListContext* ctx) {
  std::vector<Expr> out;
  if (ctx == nullptr) return out;
  for (P::ExprContext* e : ctx->expr())
    out.push_back(expr(e));
  return out;
}

std::vector<syntax::FieldInit> TreeBuilder::fieldInits(P::FieldInitsContext* ctx) {
  std::vector<FieldInit> out;
  if (ctx == nullptr) return out;
  for (P::FieldInitContext* f : ctx->fieldInit()) {
    FieldInit init{ident(f->memberName()), box(f->expr()), span(f)};
    if (!init.value) init.value = error(span(f));
    out.push_back(std::move(init));
  }
  return out;
}

syntax::Expr TreeBuilder::primary(P::PrimaryContext* ctx) {
  const source::Span whole = span(ctx);
  if (ctx->literal() != nullptr) return literal(ctx->literal());
  if (ctx->stringLit() != nullptr) return string(ctx->stringLit());
  if (ctx->LPAREN() != nullptr) {
    Expr inner = ctx->expr() != nullptr ? expr(ctx->expr()) : error(whole);
    inner.span = whole;  // the parentheses belong to what they enclose
    return inner;
  }
  if (auto* c = ctx->listLiteral())
    return make(whole, ListExpr{[&] {
                  std::vector<Expr> elements;
                  for (P::ExprContext* e : c->expr())
                    elements.push_back(expr(e));
                  return elements;
                }()});
  if (auto* c = ctx->mapLiteral()) {
    MapExpr m;
    if (c->type() != nullptr) m.value_type = type(c->type());
    for (P::MapEntryContext* entry : c->mapEntry()) {
      const auto kv = entry->expr();
      MapEntry me;
      me.key = kv.empty() ? Box<Expr>(error(span(entry))) : Box<Expr>(expr(kv[0]));
      me.value = kv.size() < 2 ? Box<Expr>(error(span(entry))) : Box<Expr>(expr(kv[1]));
      me.span = span(entry);
      m.entries.push_back(std::move(me));
    }
    return make(whole, std::move(m));
  }
  if (auto* c = ctx->recordLiteral())
    return make(whole, RecordExpr{path(c->qualifiedName()), fieldInits(c->fieldInits())});
  if (auto* c = ctx->approvalExpr()) {
    ApprovalExpr a;
    if (c->stringLit() != nullptr) a.title = string(c->stringLit());
    a.clauses = clauses(c->clauseBlock(), false);
    return make(whole, std::move(a));
  }
  if (auto* c = ctx->taskExpr()) {
    TaskExpr t;
    if (c->stringLit() != nullptr) t.title = string(c->stringLit());
    t.clauses = clauses(c->clauseBlock(), true);
    return make(whole, std::move(t));
  }
  if (auto* c = ctx->awaitExpr()) {
    AwaitExpr a{path(c->qualifiedName()), {}};
    if (c->unaryExpr() != nullptr)
      a.timeout = inCalendar(unaryExpr(c->unaryExpr()), c->inCalendar());
    return make(whole, std::move(a));
  }
  if (auto* c = ctx->startExpr())
    return make(whole,
                StartExpr{c->KW_SPAWN() != nullptr, path(c->qualifiedName()), args(c->argList())});
  if (auto* c = ctx->classifyExpr())
    return make(whole, ClassifyExpr{path(c->qualifiedName()), args(c->argList())});
  if (ctx->name() != nullptr) return make(whole, NameExpr{text(whole)});
  return error(whole);
}

syntax::Box<syntax::Expr> TreeBuilder::inCalendar(syntax::Box<syntax::Expr> duration,
                                                  P::InCalendarContext* ctx) {
  if (!duration) return duration;
  if (ctx != nullptr) {
    const source::Span whole = duration->span.to(span(ctx));
    return make(whole, InCalendarExpr{std::move(duration), path(ctx->qualifiedName())});
  }
  // `d in C` read as the membership test: a waiting duration is never a bool, so `in`
  // here names a calendar, when its right side is a (qualified) name.
  auto* in = std::get_if<BinaryExpr>(&duration->data);
  if (in == nullptr || in->op != BinaryOp::kIn || !in->rhs) return duration;
  Path calendar;
  const Expr* part = &*in->rhs;
  while (const auto* m = std::get_if<MemberExpr>(&part->data)) {
    if (m->optional_chain || !m->object) return duration;
    calendar.insert(calendar.begin(), m->member);
    part = &*m->object;
  }
  const auto* first = std::get_if<NameExpr>(&part->data);
  if (first == nullptr) return duration;
  calendar.insert(calendar.begin(), Ident{first->name, part->span});
  const source::Span whole = duration->span;
  Box<Expr> lhs = std::move(in->lhs);
  return make(whole, InCalendarExpr{std::move(lhs), std::move(calendar)});
}

std::vector<syntax::Clause> TreeBuilder::clauses(P::ClauseBlockContext* ctx, bool is_task) {
  std::vector<Clause> out;
  if (ctx == nullptr) return out;
  const std::string_view construct = is_task ? "a task" : "an approval";
  for (P::ClauseContext* c : ctx->clause()) {
    Clause clause;
    clause.span = span(c);
    clause.keyword_span = session_.span(c->getStart());
    const size_t type = c->getStart()->getType();
    const auto value = [&]() {
      return c->expr().empty() ? Box<Expr>(error(clause.span)) : Box<Expr>(expr(c->expr(0)));
    };
    switch (type) {
      case P::KW_ASSIGN:
        clause.kind = ClauseKind::kAssign;
        clause.value = value();
        break;
      case P::KW_REQUESTED_BY:
        clause.kind = ClauseKind::kRequestedBy;
        clause.value = value();
        break;
      case P::KW_AMOUNT:
        clause.kind = ClauseKind::kAmount;
        clause.value = value();
        break;
      case P::KW_APPROVERS:
        clause.kind = ClauseKind::kApprovers;
        clause.value = value();
        break;
      case P::KW_DUE:
        clause.kind = ClauseKind::kDue;
        clause.value = inCalendar(value(), nullptr);
        break;
      case P::KW_ESCALATE: {
        clause.kind = ClauseKind::kEscalate;
        const auto exprs = c->expr();
        clause.value = exprs.empty() ? Box<Expr>(error(clause.span)) : Box<Expr>(expr(exprs[0]));
        clause.value = inCalendar(std::move(clause.value), nullptr);
        clause.target =
            exprs.size() < 2 ? Box<Expr>(error(clause.span)) : Box<Expr>(expr(exprs[1]));
        break;
      }
      case P::KW_DATA:
        clause.kind = ClauseKind::kData;
        if (c->recordBody() != nullptr) clause.data = fieldInits(c->recordBody()->fieldInits());
        break;
      case P::KW_FORM:
        clause.kind = ClauseKind::kForm;
        clause.form = fields(c->fieldList());
        break;
      case P::KW_STAGE:
        clause.kind = ClauseKind::kStage;
        clause.value = value();
        break;
      default: {
        // An unknown word where a clause belongs.
        const std::string word = text(clause.keyword_span);
        const auto suggestion = is_task ? base::closestMatch(word, kTaskClauses)
                                        : base::closestMatch(word, kApprovalClauses);
        auto d = session_.error(clause.keyword_span, diag::UnknownClause, word, construct);
        d.note(std::nullopt,
               fmt::format("{} takes {}", construct == "a task" ? "a task" : "an approval",
                           is_task ? "`assign`, `requested_by`, `due`, `escalate`, `data`, `form` "
                                     "and `stage`"
                                   : "`assign`, `requested_by`, `amount`, `approvers`, `due`, "
                                     "`escalate`, `data` and `stage`"));
        if (suggestion) {
          d.fix(fmt::format("replace `{}` with `{}`", word, *suggestion),
                {{session_.location(clause.keyword_span), *suggestion}});
        }
        d.emit();
        continue;
      }
    }
    const bool allowed =
        is_task ? clause.kind != ClauseKind::kAmount && clause.kind != ClauseKind::kApprovers
                : clause.kind != ClauseKind::kForm;
    if (!allowed) {
      session_.error(clause.keyword_span, diag::ClauseNotAllowed, construct, spelling(clause.kind))
          .emit();
      continue;
    }
    out.push_back(std::move(clause));
  }
  return out;
}

syntax::Expr TreeBuilder::literal(P::LiteralContext* ctx) {
  const source::Span whole = span(ctx);
  const std::string raw = text(whole);
  const auto* token = ctx->getStart();
  switch (token->getType()) {
    case P::KW_TRUE:
      return make(whole, BoolExpr{true});
    case P::KW_FALSE:
      return make(whole, BoolExpr{false});
    case P::KW_NONE:
      return make(whole, NoneExpr{});
    case P::INT: {
      if (const auto v = parseIntLiteral(raw)) return make(whole, IntExpr{*v});
      session_.error(whole, diag::IntegerTooLarge, raw).emit();
      return error(whole);
    }
    case P::DECIMAL: {
      std::string digits = stripUnderscores(raw);
      if (const size_t n = significantDigits(digits); n > 34) {
        session_.error(whole, diag::DecimalTooLong, raw, n).emit();
        return error(whole);
      }
      return make(whole, DecimalExpr{std::move(digits)});
    }
    case P::MONEY: {
      const size_t space = raw.find_first_of(" \t");
      std::string amount = stripUnderscores(raw.substr(0, space));
      std::string currency = raw.substr(raw.size() - 3);
      if (const size_t n = significantDigits(amount); n > 34) {
        session_.error(whole, diag::DecimalTooLong, raw, n).emit();
        return error(whole);
      }
      const source::Span currency_span{whole.end - 3, whole.end};
      return make(whole, MoneyExpr{std::move(amount), std::move(currency), currency_span});
    }
    case P::DURATION: {
      if (const auto ms = parseDurationLiteral(raw)) return make(whole, DurationExpr{*ms});
      session_.error(whole, diag::DurationTooLarge, raw).emit();
      return error(whole);
    }
    case P::BAD_NUMBER: {
      const BadNumber bad = classifyBadNumber(raw);
      auto d = bad.kind == BadNumber::Kind::kNeedsSpace
                   ? session_.error(whole, diag::MoneyNeedsSpace, raw)
               : bad.kind == BadNumber::Kind::kFractional
                   ? session_.error(whole, diag::FractionalDuration, raw)
                   : session_.error(whole, diag::InvalidNumberSuffix, raw);
      if (!bad.replacement.empty()) {
        d.fix(fmt::format("write `{}`", bad.replacement),
              {{session_.location(whole), bad.replacement}});
      }
      d.emit();
      return error(whole);
    }
    case P::SINGLE_QUOTED: {
      std::string replacement = "\"" + raw.substr(1, raw.size() - 2) + "\"";
      session_.error(whole, diag::SingleQuotedString)
          .fix("use double quotes", {{session_.location(whole), std::move(replacement)}})
          .emit();
      return error(whole);
    }
    case P::BAD_MONEY: {
      const size_t space = raw.find_first_of(" \t");
      const size_t word = raw.find_first_not_of(" \t", space);
      session_.error(whole, diag::InvalidCurrencyCode, raw.substr(word)).emit();
      return error(whole);
    }
    default:
      return error(whole);
  }
}

syntax::Expr TreeBuilder::string(P::StringLitContext* ctx) {
  const source::Span whole = span(ctx);
  StringExpr out;
  const auto addText = [&](std::string piece, source::Span s) {
    if (!out.parts.empty() && !out.parts.back().expr) {
      out.parts.back().text += piece;
      out.parts.back().span = out.parts.back().span.to(s);
    } else {
      out.parts.push_back({std::move(piece), {}, s});
    }
  };
  const auto addInterpolation = [&](antlr4::tree::TerminalNode* open, P::ExprContext* e,
                                    antlr4::tree::TerminalNode* close) {
    const source::Span s = close != nullptr ? span(open).to(span(close)) : span(open);
    if (e == nullptr) {
      // A `}` the lexer made up to close an unterminated string is empty: no second error.
      if (close != nullptr && !span(close).empty())
        session_.error(s, diag::EmptyInterpolation).emit();
      return;
    }
    out.parts.push_back({"", expr(e), s});
  };
  for (P::StringPartContext* part : ctx->stringPart()) {
    if (part->STR_TEXT() != nullptr) {
      addText(text(part->STR_TEXT()), span(part));
    } else if (part->STR_ESCAPE() != nullptr) {
      const std::string esc = text(part->STR_ESCAPE());
      const char c = esc.size() > 1 ? esc[1] : '\\';
      addText(std::string(1, c == 'n' ? '\n' : c == 't' ? '\t' : c), span(part));
    } else if (part->STR_BAD_ESCAPE() != nullptr) {
      session_.error(span(part), diag::InvalidEscape, text(part->STR_BAD_ESCAPE())).emit();
    } else if (part->INTERP_OPEN() != nullptr) {
      addInterpolation(part->INTERP_OPEN(), part->expr(), part->RBRACE());
    }
  }
  if (ctx->STR_UNTERMINATED() != nullptr) {
    const source::Span end = span(ctx->STR_UNTERMINATED());
    session_.error(span(ctx->STR_OPEN()), diag::UnterminatedString)
        .fix("close the string with `\"`", {{session_.location({end.begin, end.begin}), "\""}})
        .emit();
  }
  return make(whole, std::move(out));
}

}  // namespace rflow::parse

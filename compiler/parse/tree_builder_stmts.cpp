// Statements and blocks (language.md §5, §6). See tree_builder.h.
#include "parse/tree_builder.h"
#include "syntax/limits.h"

namespace rflow::parse {

namespace diag = diagnostics::diag;
using namespace rflow::syntax;

namespace {

std::string_view headerWord(P::HeaderClauseContext* ctx) {
  if (ctx->KW_OWNER() != nullptr) return "owner";
  if (ctx->KW_KEY() != nullptr) return "key";
  if (ctx->KW_TRACK() != nullptr) return "track";
  if (ctx->KW_MEASURE() != nullptr) return "measure";
  return "sla";
}

}  // namespace

syntax::Block TreeBuilder::block(P::BlockContext* ctx, syntax::WorkflowDecl* workflow) {
  Block out;
  if (ctx == nullptr) return out;
  out.span = span(ctx);
  ++block_depth_;
  if (block_depth_ > kMaxNestingDepth) {
    if (session_.takeNestingReport()) {
      session_.error(session_.span(ctx->getStart()), diag::NestingTooDeep, kMaxNestingDepth).emit();
    }
    --block_depth_;
    return out;
  }
  bool in_header = workflow != nullptr;
  if (P::StmtListContext* list = ctx->stmtList()) {
    for (P::StmtContext* s : list->stmt()) {
      if (P::HeaderClauseContext* h = s->headerClause()) {
        // A `measure` among statements sets the measure then; only the header's are
        // evaluated at start.
        if (h->KW_MEASURE() == nullptr || in_header) {
          headerClause(h, workflow, in_header);
          continue;
        }
        in_header = false;
        out.stmts.push_back(Stmt{span(s), MeasureStmt{namedValue(h->namedValue(0))}});
        continue;
      }
      in_header = false;
      if (auto built = stmt(s)) out.stmts.push_back(std::move(*built));
    }
  }
  --block_depth_;
  return out;
}

void TreeBuilder::headerClause(P::HeaderClauseContext* ctx, syntax::WorkflowDecl* workflow,
                               bool in_header) {
  const std::string_view word = headerWord(ctx);
  const source::Span keyword = session_.span(ctx->getStart());
  if (workflow == nullptr) {
    session_.error(keyword, diag::HeaderClauseOutsideWorkflow, word).emit();
    return;
  }
  if (!in_header) {
    session_.error(keyword, diag::HeaderClauseAfterStatement, word).emit();
    return;
  }
  const auto duplicate = [&](source::Span previous) {
    session_.error(keyword, diag::DuplicateHeaderClause, word, session_.file().line(previous.begin))
        .emit();
  };
  if (ctx->KW_TRACK() != nullptr) {
    // Several `track` lines add up; the checker reports repeated names and the limit.
    for (P::NamedValueContext* n : ctx->namedValue())
      workflow->tracks.push_back(namedValue(n));
    return;
  }
  if (ctx->KW_MEASURE() != nullptr) {
    workflow->measures.push_back(namedValue(ctx->namedValue(0)));
    return;
  }
  if (ctx->KW_OWNER() != nullptr) {
    if (workflow->owner) return duplicate(workflow->owner_span);
    workflow->owner = box(ctx->expr());
    workflow->owner_span = span(ctx);
    if (!workflow->owner) workflow->owner = error(keyword);
  } else if (ctx->KW_KEY() != nullptr) {
    if (workflow->key) return duplicate(workflow->key_span);
    workflow->key = box(ctx->expr());
    workflow->key_span = span(ctx);
    if (!workflow->key) workflow->key = error(keyword);
  } else {
    if (workflow->sla) return duplicate(workflow->sla->span);
    SlaClause sla;
    sla.duration = inCalendar(box(ctx->expr()), nullptr);
    if (!sla.duration) sla.duration = error(keyword);
    if (ctx->KW_BREACH() != nullptr) sla.breach = block(ctx->block());
    sla.span = span(ctx);
    workflow->sla = std::move(sla);
  }
}

syntax::NamedValue TreeBuilder::namedValue(P::NamedValueContext* ctx) {
  NamedValue out;
  if (ctx == nullptr) return out;
  out.span = span(ctx);
  out.name = ident(ctx->name());
  out.value = box(ctx->expr());
  if (!out.value) out.value = error(out.span);
  return out;
}

std::optional<syntax::Stmt> TreeBuilder::stmt(P::StmtContext* ctx) {
  if (ctx == nullptr) return std::nullopt;
  const source::Span whole = span(ctx);
  const auto make_stmt = [&](Stmt::Data data) {
    return std::optional<Stmt>(Stmt{whole, std::move(data)});
  };
  const auto required = [&](P::ExprContext* e, source::Span fallback) {
    Box<Expr> b = box(e);
    return b ? std::move(b) : Box<Expr>(error(fallback));
  };

  if (auto* c = ctx->letStmt()) {
    return make_stmt(LetStmt{c->KW_VAR() != nullptr, ident(c->name()), optionalType(c->type()),
                             required(c->expr(), whole)});
  }
  if (auto* c = ctx->assignStmt()) {
    Expr target = postfixExpr(c->postfixExpr());
    if (target.kind() != ExprKind::kName && target.kind() != ExprKind::kError) {
      const std::string_view what = target.kind() == ExprKind::kMember ? "a field"
                                    : target.kind() == ExprKind::kIndex
                                        ? "an element of a list or map"
                                        : "an expression";
      session_.error(target.span, diag::InvalidAssignmentTarget, what).emit();
    }
    return make_stmt(AssignStmt{std::move(target), span(c->ASSIGN()), required(c->expr(), whole)});
  }
  if (auto* c = ctx->ifStmt()) {
    const auto conds = c->expr();
    const auto blocks = c->block();
    IfStmt s;
    for (size_t i = 0; i < conds.size(); ++i) {
      IfBranch branch;
      branch.cond = expr(conds[i]);
      if (i < blocks.size()) branch.body = block(blocks[i]);
      branch.span = span(conds[i]).to(branch.body.span);
      s.branches.push_back(std::move(branch));
    }
    if (s.branches.empty()) s.branches.push_back({Box<Expr>(error(whole)), {}, whole});
    if (blocks.size() > conds.size()) s.else_block = block(blocks.back());
    return make_stmt(std::move(s));
  }
  if (auto* c = ctx->matchStmt()) {
    MatchStmt m{required(c->expr(), whole), {}};
    for (P::MatchArmContext* a : c->matchArm()) {
      MatchArm arm;
      arm.span = span(a);
      for (P::PatternContext* p : a->pattern())
        arm.patterns.push_back(pattern(p));
      if (a->block() != nullptr) {
        arm.body = block(a->block());
        arm.braced = true;
      } else if (a->stmt() != nullptr) {
        arm.body.span = span(a->stmt());
        if (auto s = stmt(a->stmt())) arm.body.stmts.push_back(std::move(*s));
      }
      m.arms.push_back(std::move(arm));
    }
    return make_stmt(std::move(m));
  }
  if (auto* c = ctx->forStmt()) {
    return make_stmt(ForStmt{ident(c->name()), required(c->expr(), whole), block(c->block())});
  }
  if (auto* c = ctx->whileStmt())
    return make_stmt(WhileStmt{required(c->expr(), whole), block(c->block())});
  if (auto* c = ctx->returnStmt()) return make_stmt(ReturnStmt{box(c->expr())});
  if (auto* c = ctx->failStmt()) return make_stmt(FailStmt{required(c->expr(), whole)});
  if (auto* c = ctx->tryStmt()) {
    const auto blocks = c->block();
    TryStmt t;
    if (!blocks.empty()) t.body = block(blocks[0]);
    t.error_name = ident(c->name());
    if (blocks.size() > 1) t.handler = block(blocks[1]);
    return make_stmt(std::move(t));
  }
  if (auto* c = ctx->parallelStmt()) {
    ParallelStmt p;
    for (P::ParallelBranchContext* b : c->parallelBranch()) {
      p.branches.push_back(
          {ident(b->name()), optionalType(b->type()), required(b->expr(), span(b)), span(b)});
    }
    return make_stmt(std::move(p));
  }
  if (auto* c = ctx->sleepStmt())
    return make_stmt(
        SleepStmt{c->KW_UNTIL() != nullptr, inCalendar(required(c->expr(), whole), nullptr)});
  if (auto* c = ctx->requireStmt()) {
    const auto exprs = c->expr();
    RequireStmt r;
    r.cond = exprs.empty() ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[0]));
    if (exprs.size() > 1) r.message = expr(exprs[1]);
    return make_stmt(std::move(r));
  }
  if (auto* c = ctx->noteStmt()) return make_stmt(NoteStmt{required(c->expr(), whole)});
  if (auto* c = ctx->notifyStmt()) {
    NotifyStmt n;
    n.target = c->postfixExpr() != nullptr ? Box<Expr>(postfixExpr(c->postfixExpr()))
                                           : Box<Expr>(error(whole));
    n.text = required(c->expr(), whole);
    return make_stmt(std::move(n));
  }
  if (auto* c = ctx->exprStmt()) return make_stmt(ExprStmt{required(c->expr(), whole)});
  if (auto* c = ctx->learnStmt()) {
    LearnStmt l{path(c->qualifiedName()), args(c->argList()), span(c->argList())};
    return make_stmt(std::move(l));
  }
  if (auto* c = ctx->mockStmt()) {
    MockStmt m;
    m.op = path(c->qualifiedName());
    for (P::NameContext* n : c->name())
      m.binders.push_back(ident(n));
    const auto exprs = c->expr();
    if (c->KW_CLASSIFY() != nullptr) {
      m.classify = true;
      m.result = exprs.empty() ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[0]));
      m.confidence = exprs.size() < 2 ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[1]));
    } else if (c->KW_FAILS() != nullptr) {
      m.fails = required(exprs.empty() ? nullptr : exprs[0], whole);
    } else {
      m.result = required(exprs.empty() ? nullptr : exprs[0], whole);
    }
    return make_stmt(std::move(m));
  }
  if (auto* c = ctx->advanceStmt()) return make_stmt(AdvanceStmt{required(c->expr(), whole)});
  if (auto* c = ctx->decideStmt()) return decide(c, false);
  if (auto* c = ctx->sendStmt()) {
    SendStmt s;
    s.run = c->postfixExpr() != nullptr ? Box<Expr>(postfixExpr(c->postfixExpr()))
                                        : Box<Expr>(error(whole));
    s.signal = required(c->expr(), whole);
    return make_stmt(std::move(s));
  }
  if (auto* c = ctx->expectStmt()) {
    const auto exprs = c->expr();
    if (c->KW_CALLED() != nullptr || c->KW_LEARNED() != nullptr) {
      return make_stmt(
          ExpectCalledStmt{path(c->qualifiedName()),
                           exprs.empty() ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[0])),
                           c->KW_LEARNED() != nullptr});
    }
    if (c->KW_REFUSED() != nullptr) {
      if (auto d = decide(c->decideStmt(), true)) {
        d->span = whole;
        return d;
      }
      return std::nullopt;
    }
    ExpectStmt e;
    e.cond = exprs.empty() ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[0]));
    if (exprs.size() > 1) e.message = expr(exprs[1]);
    return make_stmt(std::move(e));
  }
  return std::nullopt;
}

std::optional<syntax::Stmt> TreeBuilder::decide(P::DecideStmtContext* ctx, bool expect_refused) {
  if (ctx == nullptr) return std::nullopt;
  DecideStmt d;
  d.decision = ctx->KW_COMPLETE() != nullptr ? DecisionKind::kComplete
               : ctx->KW_REJECT() != nullptr ? DecisionKind::kReject
                                             : DecisionKind::kApprove;
  d.expect_refused = expect_refused;
  const auto exprs = ctx->expr();
  const source::Span whole = span(ctx);
  d.target = exprs.empty() ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[0]));
  d.by = exprs.size() < 2 ? Box<Expr>(error(whole)) : Box<Expr>(expr(exprs[1]));
  if (exprs.size() > 2) d.comment = expr(exprs[2]);
  if (ctx->recordBody() != nullptr) d.with = fieldInits(ctx->recordBody()->fieldInits());
  return Stmt{whole, std::move(d)};
}

syntax::Pattern TreeBuilder::pattern(P::PatternContext* ctx) {
  Pattern p;
  if (ctx == nullptr) return p;
  p.span = span(ctx);
  if (ctx->INT() != nullptr) {
    // Parse the magnitude as unsigned so that -9223372036854775808 is accepted.
    const std::string digits = text(ctx->INT());
    uint64_t magnitude = 0;
    bool overflow = false;
    for (char c : digits) {
      if (c == '_') continue;
      if (magnitude > (UINT64_MAX - static_cast<uint64_t>(c - '0')) / 10) overflow = true;
      magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
    }
    const bool negative = ctx->MINUS() != nullptr;
    const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
    if (overflow || magnitude > limit) {
      session_.error(span(ctx->INT()), diag::IntegerTooLarge, digits).emit();
      return p;
    }
    p.kind = Pattern::Kind::kInt;
    p.int_value = negative ? static_cast<int64_t>(~magnitude + 1) : static_cast<int64_t>(magnitude);
    return p;
  }
  if (ctx->stringLit() != nullptr) {
    Expr s = string(ctx->stringLit());
    const auto* str = s.as<StringExpr>();
    if (str == nullptr) return p;
    for (const StringPart& part : str->parts) {
      if (part.expr) {
        session_
            .error(part.span, diag::ExpectedSomething, "a plain string in a pattern",
                   "an interpolation")
            .emit();
        return p;
      }
      p.string_value += part.text;
    }
    p.kind = Pattern::Kind::kString;
    return p;
  }
  p.path = path(ctx->qualifiedName());
  if (p.path.size() == 1 && p.path[0].text == "_") {
    p.kind = Pattern::Kind::kWildcard;
    p.path.clear();
  } else if (!p.path.empty()) {
    p.kind = Pattern::Kind::kEnumMember;
  }
  return p;
}

}  // namespace rflow::parse

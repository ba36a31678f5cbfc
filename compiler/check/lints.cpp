// Pass 4: the governance lints of language.md §7 — warnings with their own codes, made
// errors by `--deny-warnings`.
#include <fmt/format.h>

#include "base/time_text.h"
#include "check/checker.h"
#include "syntax/walk.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

void Checker::runLints(uint32_t m) {
  module_ = m;
  file_ = program_.modules[m].file;
  for (const WorkflowInfo& workflow : program_.workflows) {
    if (workflow.header.module != m || workflow.header.decl->has_syntax_error) continue;
    if (!workflow.owner && !workflow.header.decl->as<syntax::WorkflowDecl>()->owner) {
      emitter_.emit(workflow.header.location, diag::WorkflowWithoutOwner,
                    workflow.header.short_name);
    }
    const auto* w = workflow.header.decl->as<syntax::WorkflowDecl>();
    syntax::walkBlock(w->body, [&](const syntax::Expr& expr) {
      const std::vector<syntax::Clause>* clauses = nullptr;
      bool is_task = false;
      if (const auto* a = expr.as<syntax::ApprovalExpr>()) clauses = &a->clauses;
      if (const auto* t = expr.as<syntax::TaskExpr>()) {
        clauses = &t->clauses;
        is_task = true;
      }
      if (clauses != nullptr) {
        const syntax::Clause* due = nullptr;
        bool escalates = false;
        for (const syntax::Clause& c : *clauses) {
          if (c.kind == syntax::ClauseKind::kDue) due = &c;
          if (c.kind == syntax::ClauseKind::kEscalate) escalates = true;
        }
        const std::string_view what = is_task ? "task" : "approval";
        const source::Span head{expr.span.begin,
                                expr.span.begin + static_cast<uint32_t>(what.size())};
        if (due == nullptr) {
          emitter_.emit(at(head), diag::HumanStepWithoutDue, what);
        } else if (!escalates) {
          std::string after = "its `due` time";
          // `due 4h in StoreHours`: the duration counts the calendar's open time.
          const auto* in = due->value->as<syntax::InCalendarExpr>();
          const syntax::Expr& duration =
              in != nullptr && in->duration ? *in->duration : *due->value;
          if (auto v = fold(duration, m, {});
              v && std::holds_alternative<DurationValue>(v->value)) {
            after = base::formatDuration(std::get<DurationValue>(v->value).millis);
            if (in != nullptr) after += " of `" + joinPath(in->calendar) + "` open time";
          }
          emitter_.emit(at(due->span), diag::DueWithoutEscalation, what, after);
        }
        return;
      }
      const auto* call = expr.as<syntax::CallExpr>();
      if (call == nullptr) return;
      const ExprFact& callee = fact(*call->callee);
      if (callee.ref != ExprRef::kConnectorOp) return;
      const ConnectorOpInfo& op = program_.ops[callee.a];
      const source::Span callee_span = call->callee->span;
      if (!call->options || !call->options->timeout) {
        emitter_.emit(at(callee_span), diag::CallWithoutTimeout, op.name);
        return;
      }
      if (!workflow.sla_millis) return;
      auto timeout = fold(*call->options->timeout, m, {});
      int64_t retries = 0;
      if (call->options->retry) {
        auto r = fold(*call->options->retry, m, {});
        if (!r || !std::holds_alternative<int64_t>(r->value)) return;
        retries = std::get<int64_t>(r->value);
      }
      if (!timeout || !std::holds_alternative<DurationValue>(timeout->value)) return;
      const int64_t per_attempt = std::get<DurationValue>(timeout->value).millis;
      const int64_t attempts = retries + 1;
      int64_t total = 0;
      if (attempts <= 0 || per_attempt <= 0) return;
      const bool overflow = __builtin_mul_overflow(per_attempt, attempts, &total);
      if (!overflow && total <= *workflow.sla_millis) return;
      emitter_.emit(at(callee_span), diag::CallExceedsSla, op.name,
                    overflow ? std::string("forever") : base::formatDuration(total),
                    base::formatDuration(per_attempt), attempts,
                    base::formatDuration(*workflow.sla_millis));
    });
  }
}

}  // namespace rflow::check

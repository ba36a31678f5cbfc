// Effects (language.md §5) — where they are allowed, approvals and tasks with their
// clauses, `await`, `start` and `spawn` — and the test statements of §6.
#include <fmt/format.h>

#include <cctype>

#include "check/checker.h"
#include "check/fold.h"
#include "syntax/dump.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

bool Checker::allowEffect(const syntax::Expr& expr, std::string_view what, bool waits) {
  return allowEffectAt(at(expr.span), what, waits);
}

bool Checker::allowEffectAt(Location location, std::string_view what, bool waits) {
  if (!context_.effects) {
    emitter_.emit(location, diag::EffectInPureCode, what, context_.what,
                  "call connectors, ask for approvals and tasks, wait, start or spawn workflows, "
                  "note or notify");
    return false;
  }
  if (waits && !context_.waits) {
    emitter_.emit(location, diag::WaitInBreachHandler, what);
    return false;
  }
  return true;
}

TypeId Checker::checkApproval(const syntax::Expr& expr, const std::vector<syntax::Clause>& clauses,
                              const syntax::Expr* title, bool is_task, Scope& scope) {
  TypeTable& t = types();
  const std::string_view kind = is_task ? "this task" : "this approval";
  allowEffect(expr, is_task ? "a `task`" : "an `approval`", true);
  if (title != nullptr) checkExprAs(*title, scope, t.stringType());
  std::array<const syntax::Clause*, 9> first{};  // one per ClauseKind
  std::optional<int64_t> due;
  std::vector<std::pair<const syntax::Clause*, int64_t>> escalations;
  std::vector<FieldInfo> data_fields;
  std::vector<FieldInfo> form_fields;
  for (const syntax::Clause& clause : clauses) {
    const auto k = static_cast<size_t>(clause.kind);
    if (clause.kind != syntax::ClauseKind::kEscalate) {
      if (first[k] != nullptr) {
        emitter_.emit(at(clause.keyword_span), diag::DuplicateClause,
                      is_task ? "this task" : "this approval", syntax::spelling(clause.kind),
                      lineOf(at(first[k]->keyword_span)));
        continue;
      }
      first[k] = &clause;
    }
    switch (clause.kind) {
      case syntax::ClauseKind::kAssign:
        checkExprAs(*clause.value, scope, t.assigneeType(), "a role or a user");
        break;
      case syntax::ClauseKind::kRequestedBy:
        checkExprAs(*clause.value, scope, t.optional(t.userType()), "a `User`");
        break;
      case syntax::ClauseKind::kAmount:
        checkExprAs(*clause.value, scope, t.optional(t.moneyType()), "a `money` amount");
        break;
      case syntax::ClauseKind::kApprovers:
        checkExprAs(*clause.value, scope, t.intType(), "an `int` number of approvers");
        break;
      case syntax::ClauseKind::kDue:
        if (!t.isError(checkExprAs(*clause.value, scope, t.durationType(), "a `duration`"))) {
          if (auto v = fold(*clause.value, module_, {});
              v && std::holds_alternative<DurationValue>(v->value)) {
            due = std::get<DurationValue>(v->value).millis;
          }
        }
        break;
      case syntax::ClauseKind::kEscalate:
        if (!t.isError(checkExprAs(*clause.value, scope, t.durationType(), "a `duration`"))) {
          if (auto v = fold(*clause.value, module_, {});
              v && std::holds_alternative<DurationValue>(v->value)) {
            escalations.push_back({&clause, std::get<DurationValue>(v->value).millis});
          }
        }
        checkExprAs(*clause.target, scope, t.assigneeType(), "a role or a user to escalate to");
        break;
      case syntax::ClauseKind::kData:
        for (const syntax::FieldInit& init : clause.data) {
          bool duplicate = false;
          for (const FieldInfo& f : data_fields)
            duplicate = duplicate || f.name == init.name.text;
          if (duplicate) {
            emitter_.emit(at(init.name.span), diag::DuplicateFieldValue, init.name.text);
            continue;
          }
          TypeId v = checkExpr(*init.value, scope);
          if (t.kind(v) == TypeKind::kVoid) {
            emitter_.emit(at(init.value->span), diag::VoidValue, "this");
            v = t.error();
          } else if (v == t.noneType()) {
            emitter_.emit(at(init.value->span), diag::UntypedNone);
            v = t.error();
          }
          data_fields.push_back({init.name.text, v, std::nullopt, {}, at(init.name.span)});
        }
        break;
      case syntax::ClauseKind::kStage:
        checkStage(clause, scope);
        break;
      case syntax::ClauseKind::kForm:
        for (const syntax::FieldDecl& field : clause.form) {
          bool duplicate = false;
          for (const FieldInfo& f : form_fields)
            duplicate = duplicate || f.name == field.name.text;
          if (duplicate || field.name.text == "completed_by") {
            emitter_.emit(at(field.name.span), diag::DuplicateMember, field.name.text,
                          "a field of this form");
            continue;
          }
          form_fields.push_back({field.name.text, resolveType(field.type, module_), std::nullopt,
                                 field.doc, at(field.name.span)});
        }
        break;
    }
  }
  if (first[static_cast<size_t>(syntax::ClauseKind::kAssign)] == nullptr) {
    emitter_.emit(at(expr.span), diag::MissingAssign, is_task ? "a task" : "an approval");
  }
  if (due) {
    for (const auto& [clause, after] : escalations) {
      if (after > *due) {
        emitter_.emit(at(clause->value->span), diag::EscalationAfterDue,
                      is_task ? "task" : "approval", syntax::formatDuration(after),
                      syntax::formatDuration(*due));
      }
    }
  }
  (void)kind;
  // The data record and (for tasks) the form's result record, named after where they
  // are written so that the dashboard and disassembly can tell them apart.
  const uint32_t line = lineOf(at(expr.span));
  // A const's value or a field's default is checked outside any code unit (before the
  // first one exists, for a const): the effect is reported, the records still get a name.
  const std::string& owner =
      context_.unit < program_.units.size() ? program_.units[context_.unit].name : context_.what;
  const std::string where = fmt::format("{}:{}", owner, line);
  RecordInfo data;
  data.header.name = where + (is_task ? ".task.data" : ".approval.data");
  data.header.short_name = "data";
  data.header.module = module_;
  data.header.location = at(expr.span);
  data.kind = RecordKind::kData;
  data.fields = std::move(data_fields);
  if (const syntax::Clause* stage = first[static_cast<size_t>(syntax::ClauseKind::kStage)]) {
    // Only a plain text names a stage (checkStage reported anything else).
    const auto* text = stage->value->as<syntax::StringExpr>();
    if (text != nullptr && text->parts.size() == 1 && !text->parts[0].expr &&
        !text->parts[0].text.empty())
      program_.stages.emplace_back(static_cast<uint32_t>(program_.records.size()),
                                   text->parts[0].text);
  } else if (const auto* text = title ? title->as<syntax::StringExpr>() : nullptr;
             text != nullptr && !text->parts.empty() && !text->parts[0].expr) {
    // Without the clause, the title's text before its first interpolation names the stage
    // (intelligence.md §2): "Review {inv.number}" is one stage for every invoice.
    std::string_view prefix = text->parts[0].text;
    while (!prefix.empty() && std::isspace(static_cast<unsigned char>(prefix.front())))
      prefix.remove_prefix(1);
    while (!prefix.empty() && std::isspace(static_cast<unsigned char>(prefix.back())))
      prefix.remove_suffix(1);
    if (!prefix.empty())
      program_.stages.emplace_back(static_cast<uint32_t>(program_.records.size()),
                                   std::string(prefix));
  }
  program_.records.push_back(std::move(data));
  ExprFact& f = fact(expr);
  f.b = static_cast<uint32_t>(program_.records.size() - 1);
  if (!is_task) return t.record(program_.builtins.approval);
  RecordInfo form;
  form.header.name = where + ".task.form";
  form.header.short_name = "form";
  form.header.module = module_;
  form.header.location = at(expr.span);
  form.kind = RecordKind::kForm;
  form.fields = std::move(form_fields);
  form.fields.push_back(
      {"completed_by", t.userType(), std::nullopt, "Who completed the task.", at(expr.span)});
  program_.records.push_back(std::move(form));
  fact(expr).a = static_cast<uint32_t>(program_.records.size() - 1);
  return t.record(fact(expr).a);
}

TypeId Checker::checkAwait(const syntax::Expr& expr, const syntax::AwaitExpr& await, Scope& scope) {
  TypeTable& t = types();
  allowEffect(expr, "`await`", true);
  if (await.timeout) checkExprAs(*await.timeout, scope, t.durationType(), "a `duration` timeout");
  const auto found = lookupPath(await.signal, module_);
  std::string name = joinPath(await.signal);
  const source::Span span =
      await.signal.empty() ? expr.span : await.signal.front().span.to(await.signal.back().span);
  if (!found || found->second != await.signal.size() || found->first.kind != SymbolKind::kRecord ||
      program_.records[found->first.index].kind != RecordKind::kSignal) {
    if (found && found->second == await.signal.size()) {
      emitter_.emit(at(span), diag::NotAType, name, describe(found->first) + ", not a signal");
    } else {
      reportUnknownName(name, at(span), module_, &scope, diag::UnknownSignal);
    }
    return t.error();
  }
  fact(expr).a = found->first.index;
  return t.optional(t.record(found->first.index));
}

TypeId Checker::checkStart(const syntax::Expr& expr, const syntax::StartExpr& start, Scope& scope) {
  TypeTable& t = types();
  const bool in_test = context_.test_statements;
  allowEffect(expr, start.spawn ? "`spawn`" : "`start`", !start.spawn && !in_test);
  std::string name = joinPath(start.workflow);
  const source::Span span = start.workflow.empty()
                                ? expr.span
                                : start.workflow.front().span.to(start.workflow.back().span);
  const auto found = lookupPath(start.workflow, module_);
  if (!found || found->second != start.workflow.size() ||
      found->first.kind != SymbolKind::kWorkflow) {
    if (found && found->second == start.workflow.size()) {
      emitter_.emit(at(span), diag::NotCallable, fmt::format("`{}`", name), "started",
                    describe(found->first) + "; only workflows can be started");

    } else {
      reportUnknownName(name, at(span), module_, &scope, diag::UnknownWorkflow);
    }
    for (const syntax::Expr& arg : start.args)
      checkExpr(arg, scope);
    return t.error();
  }
  const WorkflowInfo& workflow = program_.workflows[found->first.index];
  checkArguments(at(expr.span), name, start.args, workflow.params, scope);
  ExprFact& f = fact(expr);
  f.ref = ExprRef::kWorkflow;
  f.a = found->first.index;
  if (start.spawn) return t.stringType();
  if (in_test) return t.run(workflow.result);
  return workflow.result;
}

}  // namespace rflow::check

// Pass 3: the bodies of declarations — functions, decisions, policies, workflows (key,
// sla, breach handler, body), triggers and tests — each checked as a code unit with
// the context it allows (language.md §4–§6).
#include <fmt/format.h>

#include "base/cron.h"
#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

uint32_t Checker::newUnit(UnitKind kind, std::string name, TypeId result,
                          const syntax::Decl* decl) {
  CodeUnit unit;
  unit.kind = kind;
  unit.name = std::move(name);
  unit.file = file_;
  unit.result = result;
  unit.decl = decl;
  program_.units.push_back(std::move(unit));
  return static_cast<uint32_t>(program_.units.size() - 1);
}

// Binds parameters as the first slots of the current unit.
void bindParams(Checker& checker, Scope& scope, const std::vector<ParamInfo>& params,
                const std::vector<syntax::Param>& syntax_params) {
  scope.bindings.reserve(params.size() + 1);
  for (size_t i = 0; i < params.size() && i < syntax_params.size(); ++i) {
    Binding* b =
        checker.bind(scope, syntax_params[i].name, params[i].type, false, &syntax_params[i]);
    if (b != nullptr) b->is_param = true;
  }
  checker.program().units[checker.context_.unit].param_count = static_cast<uint32_t>(params.size());
}

namespace {

// Whether a decision's rules cover every member of an enum parameter, each rule being
// `param == Enum.Member` (or the other way round).
bool rulesExhaustive(Checker& checker, const syntax::DecisionDecl& decision,
                     const FunctionInfo& info) {
  Program& p = checker.program();
  std::vector<std::vector<bool>> covered(info.params.size());
  for (size_t i = 0; i < info.params.size(); ++i) {
    const TypeData& t = p.types.get(info.params[i].type);
    if (t.kind == TypeKind::kEnum) covered[i].assign(p.enums[t.decl].members.size(), false);
  }
  for (const syntax::DecisionRule& rule : decision.rules) {
    if (!rule.cond) continue;
    const auto* eq = rule.cond->as<syntax::BinaryExpr>();
    if (eq == nullptr || eq->op != syntax::BinaryOp::kEq) continue;
    for (const auto& [param_side, member_side] :
         {std::pair{eq->lhs.get(), eq->rhs.get()}, std::pair{eq->rhs.get(), eq->lhs.get()}}) {
      const ExprFact& pf = checker.fact(*param_side);
      const ExprFact& mf = checker.fact(*member_side);
      if (pf.ref != ExprRef::kLocal || pf.a >= info.params.size() || mf.ref != ExprRef::kEnumMember)
        continue;
      auto& members = covered[pf.a];
      if (mf.b < members.size()) members[mf.b] = true;
    }
  }
  for (const auto& members : covered) {
    if (!members.empty() && std::all_of(members.begin(), members.end(), [](bool b) { return b; }))
      return true;
  }
  return false;
}

}  // namespace

void Checker::checkBodies(uint32_t m) {
  module_ = m;
  file_ = program_.modules[m].file;
  TypeTable& t = types();
  const auto enter = [&](UnitKind kind, const std::string& name, TypeId result,
                         const syntax::Decl* decl, std::string what) {
    const uint32_t unit = newUnit(kind, name, result, decl);
    context_ = Context{};
    context_.unit_kind = kind;
    context_.unit = unit;
    context_.what = std::move(what);
    context_.return_type = result;
    return unit;
  };

  for (FunctionInfo& fn : program_.functions) {
    if (fn.header.module != m) continue;
    const syntax::Decl& decl = *fn.header.decl;
    const bool is_decision = fn.kind == FunctionKind::kDecision;
    fn.unit =
        enter(is_decision ? UnitKind::kDecision : UnitKind::kFn, fn.header.name, fn.result, &decl,
              fmt::format("{} `{}`", is_decision ? "decision" : "fn", fn.header.short_name));
    if (decl.has_syntax_error) continue;
    Scope scope;
    if (const auto* f = decl.as<syntax::FnDecl>()) {
      bindParams(*this, scope, fn.params, f->params);
      if (f->expr_body) {
        program_.units[fn.unit].expr = f->expr_body.get();
        if (t.kind(fn.result) == TypeKind::kVoid) {
          checkExpr(*f->expr_body, scope);
        } else {
          const TypeId found = checkExpr(*f->expr_body, scope, fn.result);
          if (!assignable(found, fn.result) && !t.isError(found)) {
            emitter_.emit(at(f->expr_body->span), diag::WrongReturnType, typeName(found),
                          context_.what, typeName(fn.result));
          }
        }
      } else if (f->body) {
        program_.units[fn.unit].block = &*f->body;
        const bool ends = checkBlock(*f->body, scope);
        if (!ends && t.kind(fn.result) != TypeKind::kVoid && !t.isError(fn.result)) {
          emitter_.emit(fn.header.location, diag::MissingReturn, context_.what,
                        typeName(fn.result));
        }
      }
    } else if (const auto* d = decl.as<syntax::DecisionDecl>()) {
      bindParams(*this, scope, fn.params, d->params);
      bool has_else = false;
      for (const syntax::DecisionRule& rule : d->rules) {
        if (rule.cond) {
          checkCondition(*rule.cond, scope);
        } else {
          has_else = true;
        }
        if (rule.result) {
          const TypeId found = checkExpr(*rule.result, scope, fn.result);
          if (!assignable(found, fn.result) && !t.isError(found)) {
            emitter_.emit(at(rule.result->span), diag::WrongReturnType, typeName(found),
                          context_.what, typeName(fn.result));
          }
        }
      }
      if (!has_else && !rulesExhaustive(*this, *d, fn)) {
        emitter_.build(fn.header.location, diag::DecisionWithoutElse, fn.header.short_name)
            .note(std::nullopt,
                  "add a last rule `else => …`, or cover every member of an enum parameter")
            .emit();
      }
    }
  }

  for (PolicyInfo& policy : program_.policies) {
    if (policy.header.module != m) continue;
    const syntax::Decl& decl = *policy.header.decl;
    policy.unit = enter(UnitKind::kPolicy, policy.header.name, t.optional(t.stringType()), &decl,
                        fmt::format("policy `{}`", policy.header.short_name));
    if (decl.has_syntax_error) continue;
    const auto* p = decl.as<syntax::PolicyDecl>();
    Scope scope;
    scope.bindings.reserve(1);
    const uint32_t record = policy.kind == PolicyKind::kApproval
                                ? program_.builtins.approval_decision
                                : program_.builtins.task_completion;
    if (Binding* b = bind(scope, p->param, t.record(record), false, p)) b->is_param = true;
    program_.units[policy.unit].param_count = 1;
    program_.units[policy.unit].block = &p->body;
    context_.policy = true;
    if (p->when) {
      context_.policy_when = true;
      checkCondition(*p->when, scope);
      context_.policy_when = false;
    }
    checkBlock(p->body, scope);
  }

  for (uint32_t w = 0; w < program_.workflows.size(); ++w) {
    WorkflowInfo& workflow = program_.workflows[w];
    if (workflow.header.module != m) continue;
    const syntax::Decl& decl = *workflow.header.decl;
    const auto* syntax_workflow = decl.as<syntax::WorkflowDecl>();
    const std::string what = fmt::format("workflow `{}`", workflow.header.short_name);
    if (syntax_workflow->owner && !decl.has_syntax_error) {
      enter(UnitKind::kWorkflowKey, workflow.header.name + ".owner", t.stringType(), &decl, what);
      program_.units.pop_back();  // only folded, never compiled
      Scope none;
      const TypeId owner = checkExpr(*syntax_workflow->owner, none);
      std::optional<ConstValue> value;
      if (owner == t.stringType()) value = fold(*syntax_workflow->owner, m, {});
      if (value && std::holds_alternative<std::string>(value->value)) {
        workflow.owner = std::get<std::string>(value->value);
      } else if (!t.isError(owner)) {
        emitter_.emit(at(syntax_workflow->owner->span), diag::OwnerNotConstant);
      }
    }
    if (syntax_workflow->key) {
      workflow.key_unit = enter(UnitKind::kWorkflowKey, workflow.header.name + ".key",
                                t.stringType(), &decl, "the `key` of " + what);
      if (!decl.has_syntax_error) {
        Scope scope;
        bindParams(*this, scope, workflow.params, syntax_workflow->params);
        program_.units[*workflow.key_unit].expr = syntax_workflow->key.get();
        const TypeId key = checkExpr(*syntax_workflow->key, scope, t.stringType());
        if (key != t.stringType() && !t.isError(key)) {
          emitter_.emit(at(syntax_workflow->key->span), diag::KeyNotString, typeName(key));
        }
      }
    }
    if (syntax_workflow->sla) {
      const syntax::SlaClause& sla = *syntax_workflow->sla;
      workflow.sla_unit = enter(UnitKind::kWorkflowSla, workflow.header.name + ".sla",
                                t.durationType(), &decl, "the `sla` of " + what);
      if (!decl.has_syntax_error) {
        Scope scope;
        bindParams(*this, scope, workflow.params, syntax_workflow->params);
        // `sla d in C`: the unit computes d from the parameters; the engine counts it in
        // C's open time from the start (WorkflowInfo::sla_calendar).
        const syntax::Expr* duration = sla.duration.get();
        const auto* in = duration->as<syntax::InCalendarExpr>();
        if (in != nullptr) {
          duration = in->duration.get();
          workflow.sla_calendar = findCalendar(in->calendar);
        }
        program_.units[*workflow.sla_unit].expr = duration;
        if (!t.isError(checkExprAs(*duration, scope, t.durationType(), "a `duration`")) &&
            in == nullptr) {
          if (auto v = fold(*duration, m, {});
              v && std::holds_alternative<DurationValue>(v->value)) {
            workflow.sla_millis = std::get<DurationValue>(v->value).millis;
          }
        }
      }
      if (sla.breach) {
        workflow.breach_unit = enter(UnitKind::kBreachHandler, workflow.header.name + ".breach",
                                     t.voidType(), &decl, "the `on breach` handler of " + what);
        context_.effects = true;
        if (!decl.has_syntax_error) {
          Scope scope;
          bindParams(*this, scope, workflow.params, syntax_workflow->params);
          program_.units[*workflow.breach_unit].block = &*sla.breach;
          checkBlock(*sla.breach, scope);
        }
      }
    }
    if (!decl.has_syntax_error) checkFigures(w, decl);
    workflow.body_unit =
        enter(UnitKind::kWorkflow, workflow.header.name, workflow.result, &decl, what);
    context_.effects = true;
    context_.waits = true;
    context_.workflow = w;
    if (decl.has_syntax_error) continue;
    Scope scope;
    bindParams(*this, scope, workflow.params, syntax_workflow->params);
    program_.units[workflow.body_unit].block = &syntax_workflow->body;
    const bool ends = checkBlock(syntax_workflow->body, scope);
    if (!ends && t.kind(workflow.result) != TypeKind::kVoid && !t.isError(workflow.result)) {
      emitter_.emit(workflow.header.location, diag::MissingReturn, what, typeName(workflow.result));
    }
  }

  for (TriggerInfo& trigger : program_.triggers) {
    if (trigger.header.module != m) continue;
    const syntax::Decl& decl = *trigger.header.decl;
    const auto* syntax_trigger = decl.as<syntax::TriggerDecl>();
    const std::string unit_name =
        fmt::format("{}.on_{}{}", program_.modules[m].name,
                    trigger.schedule ? "schedule" : decl.name.text, program_.units.size());
    trigger.unit = enter(UnitKind::kTrigger, unit_name, t.voidType(), &decl, "a trigger");
    if (decl.has_syntax_error) continue;
    if (trigger.schedule) {
      Scope none;
      if (syntax_trigger->cron) checkExprAs(*syntax_trigger->cron, none, t.stringType());
      if (const auto problem = base::cronProblem(trigger.header.name); !problem.empty()) {
        emitter_.emit(trigger.header.location, diag::InvalidCron, trigger.header.name, problem);
      }
    }
    Scope scope;
    bindParams(*this, scope, trigger.params, syntax_trigger->params);
    std::string name = joinPath(syntax_trigger->workflow);
    const auto found = lookupPath(syntax_trigger->workflow, m);
    const source::Span span =
        syntax_trigger->workflow.empty()
            ? decl.span
            : syntax_trigger->workflow.front().span.to(syntax_trigger->workflow.back().span);
    if (!found || found->second != syntax_trigger->workflow.size() ||
        found->first.kind != SymbolKind::kWorkflow) {
      reportUnknownName(name, at(span), m, &scope, diag::UnknownWorkflow);
      for (const syntax::Expr& arg : syntax_trigger->args)
        checkExpr(arg, scope);
      continue;
    }
    trigger.workflow = found->first.index;
    checkArguments(at(span), name, syntax_trigger->args,
                   program_.workflows[*trigger.workflow].params, scope);
  }

  for (TestInfo& test : program_.tests) {
    if (test.header.module != m) continue;
    const syntax::Decl& decl = *test.header.decl;
    test.unit = enter(UnitKind::kTest,
                      fmt::format("{}.test{}", program_.modules[m].name, program_.units.size()),
                      t.voidType(), &decl, "this test");
    context_.effects = true;
    context_.waits = true;
    context_.test_statements = true;
    if (decl.has_syntax_error) continue;
    const auto* syntax_test = decl.as<syntax::TestDecl>();
    program_.units[test.unit].block = &syntax_test->body;
    Scope scope;
    checkBlock(syntax_test->body, scope);
  }
  context_ = Context{};
}

}  // namespace rflow::check

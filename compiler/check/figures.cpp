// What a workflow declares about itself for process intelligence (intelligence.md §2):
// `track` (dimensions), `measure` (figures summed per dimension value) and the `stage`
// clause of approvals and tasks.
#include <fmt/format.h>

#include "check/checker.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

namespace {

bool trackable(TypeKind kind) {
  return kind == TypeKind::kString || kind == TypeKind::kEnum || kind == TypeKind::kInt ||
         kind == TypeKind::kBool;
}

bool measurable(TypeKind kind) {
  return kind == TypeKind::kInt || kind == TypeKind::kDecimal || kind == TypeKind::kDuration ||
         kind == TypeKind::kMoney;
}

std::string_view ordinal(size_t n) {
  // Only the first number past a limit of 8 is ever named.
  return n == 9 ? "9th" : "next";
}

}  // namespace

void Checker::checkFigures(uint32_t w, const syntax::Decl& decl) {
  TypeTable& t = types();
  const auto* syntax_workflow = decl.as<syntax::WorkflowDecl>();
  const std::string workflow_name = program_.workflows[w].header.short_name;
  // Each figure is a unit of its own, pure and over the parameters like the key, so the
  // engine evaluates them at start exactly as it evaluates the key.
  const auto enterFigure = [&](const syntax::NamedValue& figure, std::string_view what) {
    const uint32_t unit =
        newUnit(UnitKind::kWorkflowKey,
                fmt::format("{}.{}.{}", program_.workflows[w].header.name, what, figure.name.text),
                t.error(), &decl);
    context_ = Context{};
    context_.unit_kind = UnitKind::kWorkflowKey;
    context_.unit = unit;
    context_.what =
        fmt::format("the {} `{}` of workflow `{}`", what, figure.name.text, workflow_name);
    Scope scope;
    bindParams(*this, scope, program_.workflows[w].params, syntax_workflow->params);
    program_.units[unit].expr = figure.value.get();
    const TypeId type = checkExpr(*figure.value, scope);
    program_.units[unit].result = type;
    return std::pair{unit, type};
  };

  for (const syntax::NamedValue& track : syntax_workflow->tracks) {
    WorkflowInfo& workflow = program_.workflows[w];
    const auto previous =
        std::find_if(workflow.tracks.begin(), workflow.tracks.end(),
                     [&](const TrackedInfo& x) { return x.name == track.name.text; });
    if (previous != workflow.tracks.end()) {
      emitter_.emit(at(track.name.span), diag::DuplicateFigure, track.name.text, "tracked",
                    lineOf(previous->location));
      continue;
    }
    if (workflow.tracks.size() == kMaxTracked) {
      emitter_.emit(at(track.name.span), diag::TooManyFigures, track.name.text,
                    ordinal(workflow.tracks.size() + 1), "tracked value", workflow_name,
                    kMaxTracked);
      continue;
    }
    const auto [unit, type] = enterFigure(track, "track");
    if (!t.isError(type) && !trackable(t.kind(type))) {
      emitter_.emit(at(track.value->span), diag::TrackedType, track.name.text, typeName(type));
    }
    program_.workflows[w].tracks.push_back({track.name.text, type, unit, at(track.name.span)});
  }

  for (const syntax::NamedValue& measure : syntax_workflow->measures) {
    WorkflowInfo& workflow = program_.workflows[w];
    const auto previous =
        std::find_if(workflow.measures.begin(), workflow.measures.end(),
                     [&](const MeasureInfo& x) { return x.name == measure.name.text; });
    if (previous != workflow.measures.end()) {
      emitter_.emit(at(measure.name.span), diag::DuplicateFigure, measure.name.text,
                    "measured in the header", lineOf(previous->location));
      continue;
    }
    if (workflow.measures.size() == kMaxMeasures) {
      emitter_.emit(at(measure.name.span), diag::TooManyFigures, measure.name.text,
                    ordinal(workflow.measures.size() + 1), "measure", workflow_name, kMaxMeasures);
      continue;
    }
    const auto [unit, type] = enterFigure(measure, "measure");
    if (!t.isError(type) && !measurable(t.kind(type))) {
      emitter_.emit(at(measure.value->span), diag::MeasureType, measure.name.text, typeName(type));
    }
    MeasureInfo info{measure.name.text, type, unit, at(measure.name.span), std::nullopt, {}};
    if (t.kind(type) == TypeKind::kMoney) {
      if (auto v = fold(*measure.value, module_, {});
          v && std::holds_alternative<base::Money>(v->value)) {
        info.currency = std::string(std::get<base::Money>(v->value).currency().text());
        info.currency_location = at(measure.value->span);
      }
    }
    program_.workflows[w].measures.push_back(std::move(info));
  }
}

void Checker::checkMeasure(const syntax::Stmt& stmt, const syntax::MeasureStmt& s, Scope& scope) {
  TypeTable& t = types();
  const syntax::NamedValue& measure = s.measure;
  if (context_.unit_kind != UnitKind::kWorkflow || !context_.workflow) {
    emitter_.emit(at(stmt.span), diag::MeasureOutsideWorkflow, context_.what);
    checkExpr(*measure.value, scope);
    return;
  }
  WorkflowInfo& workflow = program_.workflows[*context_.workflow];
  auto found = std::find_if(workflow.measures.begin(), workflow.measures.end(),
                            [&](const MeasureInfo& x) { return x.name == measure.name.text; });
  if (found == workflow.measures.end()) {
    if (workflow.measures.size() == kMaxMeasures) {
      emitter_.emit(at(measure.name.span), diag::TooManyFigures, measure.name.text,
                    ordinal(workflow.measures.size() + 1), "measure", workflow.header.short_name,
                    kMaxMeasures);
      checkExpr(*measure.value, scope);
      return;
    }
    const TypeId type = checkExpr(*measure.value, scope);
    if (!t.isError(type) && !measurable(t.kind(type))) {
      emitter_.emit(at(measure.value->span), diag::MeasureType, measure.name.text, typeName(type));
    }
    workflow.measures.push_back(
        {measure.name.text, type, std::nullopt, at(measure.name.span), std::nullopt, {}});
    found = workflow.measures.end() - 1;
  } else if (!t.isError(found->type)) {
    // Later statements keep the type the measure has.
    checkExprAs(*measure.value, scope, found->type);
  } else {
    checkExpr(*measure.value, scope);
  }
  program_.facts[file_].slots[&s] = static_cast<uint32_t>(found - workflow.measures.begin());
  if (t.kind(found->type) != TypeKind::kMoney) return;
  const auto v = fold(*measure.value, module_, {});
  if (!v || !std::holds_alternative<base::Money>(v->value)) return;
  const std::string currency(std::get<base::Money>(v->value).currency().text());
  if (!found->currency) {
    found->currency = currency;
    found->currency_location = at(measure.value->span);
  } else if (*found->currency != currency) {
    emitter_.emit(at(measure.value->span), diag::MeasureCurrencyDiffers, measure.name.text,
                  currency, *found->currency, lineOf(found->currency_location));
  }
}

void Checker::checkStage(const syntax::Clause& clause, Scope& scope) {
  if (checkExprAs(*clause.value, scope, types().stringType()) != types().stringType()) return;
  // The name goes into the bytecode as written: the engine groups waits by it, so it is
  // one text known when compiling.
  const auto* text = clause.value->as<syntax::StringExpr>();
  const bool plain = text != nullptr && text->parts.size() == 1 && !text->parts[0].expr &&
                     !text->parts[0].text.empty();
  if (!plain && clause.value->kind() != syntax::ExprKind::kError) {
    emitter_.emit(at(clause.value->span), diag::StageNotText);
  }
}

}  // namespace rflow::check

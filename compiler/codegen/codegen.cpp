// The driver of code generation: signatures first (so that calls and stack effects can
// be computed for any function), then each unit's code, then the declarations that
// point at functions.
#include "codegen/codegen.h"

#include <fmt/format.h>

#include <algorithm>

#include "bytecode/verify.h"
#include "calendar/calendar.h"
#include "codegen/function_gen.h"
#include "codegen/max_stack.h"
#include "codegen/module_tables.h"
#include "codegen/wait_places.h"

namespace rflow::codegen {

namespace diag = diagnostics::diag;
using check::UnitKind;

namespace {

bytecode::FunctionKind functionKind(UnitKind kind) {
  switch (kind) {
    case UnitKind::kFn:
      return bytecode::FunctionKind::kFn;
    case UnitKind::kDecision:
      return bytecode::FunctionKind::kDecision;
    case UnitKind::kWorkflow:
      return bytecode::FunctionKind::kWorkflow;
    case UnitKind::kWorkflowKey:
      return bytecode::FunctionKind::kWorkflowKey;
    case UnitKind::kWorkflowSla:
      return bytecode::FunctionKind::kWorkflowSla;
    case UnitKind::kBreachHandler:
      return bytecode::FunctionKind::kBreachHandler;
    case UnitKind::kPolicy:
      return bytecode::FunctionKind::kPolicy;
    case UnitKind::kTrigger:
      return bytecode::FunctionKind::kTrigger;
    case UnitKind::kTest:
      return bytecode::FunctionKind::kTest;
    case UnitKind::kMock:
      return bytecode::FunctionKind::kMock;
  }
  return bytecode::FunctionKind::kFn;
}

}  // namespace

std::optional<bytecode::Module> generate(const check::Program& program,
                                         const source::SourceSet& sources,
                                         const std::vector<syntax::File>& files,
                                         diagnostics::DiagnosticConsumer& consumer) {
  (void)files;
  diagnostics::DiagnosticEmitter emitter(consumer);
  bytecode::Module module;
  ModuleTables tables(program, module);
  tables.declare();

  // Files: Module::files[i] is source file i (the prelude is 0).
  for (source::FileId file = 0; file < sources.size(); ++file) {
    std::string module_name;
    for (const check::ModuleInfo& m : program.modules) {
      if (m.file == file) module_name = m.name;
    }
    module.files.push_back({tables.string(sources.file(file).path()), tables.string(module_name)});
  }

  // Signatures: one function per code unit, in unit order (Call's operand is the unit).
  for (const check::CodeUnit& unit : program.units) {
    bytecode::Function f;
    f.name = tables.string(unit.name);
    f.kind = functionKind(unit.kind);
    if (unit.kind == UnitKind::kMock) {
      const check::CodeUnit& test = program.units[unit.parent];
      for (uint32_t slot : unit.captured)
        f.params.push_back(tables.type(test.slots[slot]));
    }
    for (uint32_t i = 0; i < unit.param_count && i < unit.slots.size(); ++i)
      f.params.push_back(tables.type(unit.slots[i]));
    f.result = tables.type(unit.result);
    f.file = unit.file;
    module.functions.push_back(std::move(f));
  }

  bool ok = true;
  std::vector<FunctionGen::CodeFacts> code_facts(program.units.size());
  for (uint32_t u = 0; u < program.units.size(); ++u) {
    const check::CodeUnit& unit = program.units[u];
    FunctionGen gen(tables, sources, u);
    bytecode::Function& f = module.functions[u];
    const source::Location where =
        unit.decl != nullptr
            ? source::Location{unit.file, unit.decl->name.span.empty() ? unit.decl->span
                                                                       : unit.decl->name.span}
            : source::Location{unit.file, {}};
    if (!gen.generate(f)) {
      emitter.emit(where, diag::TooLargeToCompile, fmt::format("`{}`", unit.name),
                   fmt::format("a body may have at most {} local values and {} MiB of code",
                               bytecode::kMaxSlots, bytecode::kMaxCodeBytes >> 20));
      ok = false;
      continue;
    }
    code_facts[u] = gen.codeFacts();
  }
  if (!ok) return std::nullopt;
  // Integer defaults of a workflow body's `let`s become constants now, after every body's
  // code, so that the constants the code uses keep their numbers (function_gen.h).
  for (const check::WorkflowInfo& w : program.workflows) {
    FunctionGen::CodeFacts& f = code_facts[w.body_unit];
    for (const auto& [slot, value] : f.slot_int_defaults)
      f.slot_defaults.emplace(slot, tables.intConstant(value.first, value.second));
  }

  for (const check::WorkflowInfo& w : program.workflows) {
    bytecode::Workflow out;
    out.name = tables.string(w.header.name);
    for (const check::ParamInfo& p : w.params)
      out.params.push_back({tables.string(p.name), tables.type(p.type)});
    out.result = tables.type(w.result);
    out.body = w.body_unit;
    if (w.owner) out.owner = tables.string(*w.owner);
    out.key = w.key_unit;
    out.sla = w.sla_unit;
    out.breach = w.breach_unit;
    if (w.sla_calendar)
      out.sla_calendar = tables.string(calendar::encode(program.calendars[*w.sla_calendar].value));
    module.workflows.push_back(std::move(out));
    if (w.tracks.empty() && w.measures.empty()) continue;
    bytecode::WorkflowFigures figures;
    figures.workflow = static_cast<uint32_t>(module.workflows.size() - 1);
    for (const check::TrackedInfo& t : w.tracks)
      figures.tracks.push_back({tables.string(t.name), tables.type(t.type), t.unit});
    for (const check::MeasureInfo& m : w.measures)
      figures.measures.push_back({tables.string(m.name), tables.type(m.type), m.unit});
    module.figures.push_back(std::move(figures));
  }
  for (const auto& [record, name] : program.stages)
    module.stages.push_back({tables.recordType(record), tables.string(name)});
  // Sorted so that the loader can rely on one entry per data type, in order.
  std::sort(
      module.stages.begin(), module.stages.end(),
      [](const bytecode::Stage& a, const bytecode::Stage& b) { return a.data_type < b.data_type; });
  for (const check::PolicyInfo& p : program.policies) {
    module.policies.push_back({tables.string(p.header.name),
                               p.kind == check::PolicyKind::kApproval
                                   ? bytecode::PolicyKind::kApproval
                                   : bytecode::PolicyKind::kTask,
                               p.unit});
  }
  for (const check::TriggerInfo& t : program.triggers) {
    bytecode::Trigger out;
    out.kind = t.schedule ? bytecode::TriggerKind::kSchedule : bytecode::TriggerKind::kEvent;
    // An event is named as written (`POST /v1/events/StockoutDetected`); a schedule by
    // its cron expression.
    out.source = tables.string(t.schedule || t.header.decl == nullptr ? t.header.name
                                                                      : t.header.decl->name.text);

    for (const check::ParamInfo& p : t.params)
      out.params.push_back({tables.string(p.name), tables.type(p.type)});
    out.workflow = t.workflow.value_or(0);
    out.function = t.unit;
    module.triggers.push_back(std::move(out));
  }
  for (const check::TestInfo& t : program.tests) {
    const source::SourceFile& file = sources.file(t.header.location.file);
    module.tests.push_back({tables.string(t.header.name), t.unit, t.header.location.file,
                            file.line(t.header.location.span.begin)});
  }

  for (const check::ClassifierInfo& c : program.classifiers) {
    // The checker stopped before code generation if a classifier's labels are not an enum.
    module.classifiers.push_back(
        {tables.string(c.header.name), c.labels.value_or(0), c.record, {c.threshold.toString()}});
  }

  // Stack effects of calls, spawns and starts need every signature and workflow above.
  for (bytecode::Function& f : module.functions) {
    const auto deepest = maxStack(f, module);
    f.max_stack = deepest.value_or(0);
  }

  // Wait places read the workflows' bodies and stages (both complete by now).
  addWaitPlaces(module, code_facts);

  // Never hand out a module the loader would refuse.
  if (const auto problem = bytecode::verifyModule(module)) {
    emitter.emit(std::nullopt, diag::InternalCodegenError, problem->message);

    return std::nullopt;
  }
  return module;
}

}  // namespace rflow::codegen

#include "check/checker.h"

#include <algorithm>

#include "base/suggest.h"

namespace rflow::check {

namespace diag = diagnostics::diag;

Checker::Checker(const source::SourceSet& sources, const std::vector<syntax::File>& files,
                 diagnostics::DiagnosticConsumer& consumer, const CheckOptions& options)
    : sources_(sources), files_(files), emitter_(consumer), options_(options) {
  program_.facts.resize(files.size());
  for (size_t i = 0; i < files.size(); ++i)
    program_.facts[i].exprs.resize(files[i].expr_count);
}

Program Checker::run() {
  declareModules();
  for (uint32_t m = 0; m < program_.modules.size(); ++m)
    declareNames(m);
  findBuiltins();
  for (uint32_t m = 0; m < program_.modules.size(); ++m)
    resolveImports(m);
  checkImportCycles();
  for (uint32_t m = 0; m < program_.modules.size(); ++m)
    resolveSignatures(m);
  for (uint32_t c = 0; c < program_.consts.size(); ++c)
    resolveConst(c);
  for (uint32_t r = 0; r < program_.records.size(); ++r)
    resolveRecordDefaults(r);
  for (uint32_t c = 0; c < program_.classifiers.size(); ++c)
    resolveClassifier(c);
  for (uint32_t c = 0; c < program_.calendars.size(); ++c)
    resolveCalendar(c);
  for (uint32_t m = 0; m < program_.modules.size(); ++m)
    checkBodies(m);
  if (options_.lints) {
    for (uint32_t m = 1; m < program_.modules.size(); ++m)
      runLints(m);
  }
  return std::move(program_);
}

void Checker::findBuiltins() {
  if (program_.modules.empty()) return;
  const ModuleInfo& prelude = program_.modules[0];
  const auto record = [&](std::string_view name) {
    auto it = prelude.names.find(std::string(name));
    return it != prelude.names.end() && it->second.kind == SymbolKind::kRecord ? it->second.index
                                                                               : 0;
  };
  const auto enumeration = [&](std::string_view name) {
    auto it = prelude.names.find(std::string(name));
    return it != prelude.names.end() && it->second.kind == SymbolKind::kEnum ? it->second.index : 0;
  };
  Program::Builtins& b = program_.builtins;
  b.approval = record("Approval");
  b.approval_decision = record("ApprovalDecision");
  b.task_completion = record("TaskCompletion");
  b.task = record("Task");
  b.error = record("Error");
  b.escalation = record("Escalation");
  b.approval_request = record("ApprovalRequest");
  b.task_request = record("TaskRequest");
  b.approval_outcome = enumeration("ApprovalOutcome");
  b.run_status = enumeration("RunStatus");
}

uint32_t Checker::lineOf(const Location& location) const {
  return sources_.file(location.file).line(location.span.begin);
}

ExprFact& Checker::fact(const syntax::Expr& expr) {
  auto& exprs = program_.facts[file_].exprs;
  if (expr.id >= exprs.size()) exprs.resize(expr.id + 1);
  return exprs[expr.id];
}

bool Checker::assignable(TypeId from, TypeId to) const {
  const TypeTable& t = program_.types;
  if (from == to || t.isError(from) || t.isError(to)) return true;
  if (t.kind(to) == TypeKind::kOptional) {
    if (from == t.noneType()) return true;
    return assignable(t.unwrap(from), t.get(to).element);
  }
  if (t.kind(to) == TypeKind::kAssignee) {
    return t.kind(from) == TypeKind::kRole || t.kind(from) == TypeKind::kUser;
  }
  return false;
}

bool Checker::expectType(const syntax::Expr& expr, TypeId found, TypeId expected,
                         std::string_view what) {
  if (assignable(found, expected)) return true;
  std::string wanted = what.empty() ? "`" + typeName(expected) + "`" : std::string(what);
  auto d = emitter_.build(at(expr.span), diag::TypeMismatch, wanted, typeName(found));
  const TypeTable& t = types();
  const TypeKind want = t.kind(t.unwrap(expected));
  const TypeKind have = t.kind(found);
  if (want == TypeKind::kMoney && (have == TypeKind::kInt || have == TypeKind::kDecimal)) {
    d.note(std::nullopt, "a money amount needs a currency code, like `5.00 USD`");
  } else if (want == TypeKind::kDecimal && have == TypeKind::kInt) {
    d.note(std::nullopt, "write it as a decimal, like `3.0`, or convert it with `decimal(…)`");
  } else if (want == TypeKind::kString && have != TypeKind::kString) {
    d.note(std::nullopt, "turn a value into text with interpolation, like \"{x}\", or `string(x)`");
  } else if (t.isOptional(found) && t.unwrap(found) == t.unwrap(expected)) {
    d.note(std::nullopt, "the value may be `none`; give a default with `??`");
  }
  d.emit();
  return false;
}

std::string Checker::describe(Symbol symbol) const {
  switch (symbol.kind) {
    case SymbolKind::kRecord:
      return program_.records[symbol.index].kind == RecordKind::kSignal ? "a signal"
                                                                        : "a record type";
    case SymbolKind::kEnum:
      return "an enum";
    case SymbolKind::kConst:
      return "a constant";
    case SymbolKind::kRole:
      return "a role";
    case SymbolKind::kConnector:
      return "a connector";
    case SymbolKind::kFunction:
      return program_.functions[symbol.index].kind == FunctionKind::kDecision ? "a decision"
                                                                              : "a function";
    case SymbolKind::kPolicy:
      return "a policy";
    case SymbolKind::kWorkflow:
      return "a workflow";
    case SymbolKind::kModule:
      return "a module";
    case SymbolKind::kClassifier:
      return "a classifier";
    case SymbolKind::kCalendar:
      return "a calendar";
  }
  return "something";
}

const DeclHeader& Checker::header(Symbol symbol) const {
  switch (symbol.kind) {
    case SymbolKind::kRecord:
      return program_.records[symbol.index].header;
    case SymbolKind::kEnum:
      return program_.enums[symbol.index].header;
    case SymbolKind::kConst:
      return program_.consts[symbol.index].header;
    case SymbolKind::kRole:
      return program_.roles[symbol.index].header;
    case SymbolKind::kConnector:
      return program_.connectors[symbol.index].header;
    case SymbolKind::kFunction:
      return program_.functions[symbol.index].header;
    case SymbolKind::kPolicy:
      return program_.policies[symbol.index].header;
    case SymbolKind::kWorkflow:
      return program_.workflows[symbol.index].header;
    case SymbolKind::kClassifier:
      return program_.classifiers[symbol.index].header;
    case SymbolKind::kCalendar:
      return program_.calendars[symbol.index].header;
    case SymbolKind::kModule:
      break;
  }
  static const DeclHeader kNone;
  return kNone;
}

}  // namespace rflow::check

// FunctionGen's driver: what each kind of unit compiles to, and the shared helpers.
#include "codegen/function_gen.h"

#include <fmt/format.h>

namespace rflow::codegen {

using check::TypeKind;
using check::UnitKind;
using Opcode = bytecode::Opcode;

FunctionGen::FunctionGen(ModuleTables& tables, const source::SourceSet& sources,
                         uint32_t unit_index)
    : tables_(tables),
      program_(tables.program()),
      unit_(program_.units[unit_index]),
      facts_(program_.facts[unit_.file]),
      file_(sources.file(unit_.file)) {
  if (unit_.kind == UnitKind::kMock) slot_shift_ = static_cast<uint32_t>(unit_.captured.size());
}

const check::ExprFact& FunctionGen::fact(const syntax::Expr& e) const {
  static const check::ExprFact kNoFact;
  return e.id < facts_.exprs.size() ? facts_.exprs[e.id] : kNoFact;
}

uint32_t FunctionGen::slotOf(const void* node) const {
  auto it = facts_.slots.find(node);
  return it == facts_.slots.end() ? 0 : it->second;
}

uint32_t FunctionGen::temp(TypeId type) {
  extra_slots_.push_back(type);
  return slot_shift_ + static_cast<uint32_t>(unit_.slots.size() + extra_slots_.size() - 1);
}

void FunctionGen::line(source::Span span) {
  w_.setLine(file_.line(span.begin));
}

std::string_view FunctionGen::sourceText(source::Span span) const {
  return file_.text(span);
}

void FunctionGen::pushInt(int64_t value) {
  if (value >= INT32_MIN && value <= INT32_MAX) {
    w_.emit(Opcode::kConstInt, value);
  } else {
    constant(tables_.intConstant(value, program_.types.intType()));
  }
}

void FunctionGen::pushConstValue(const check::ConstValue& value, TypeId type) {
  if (std::holds_alternative<check::NoneValue>(value.value)) {
    w_.emit(Opcode::kConstNone);
  } else if (const bool* b = std::get_if<bool>(&value.value)) {
    w_.emit(*b ? Opcode::kConstTrue : Opcode::kConstFalse);
  } else {
    constant(tables_.constant(value, type));
  }
}

void FunctionGen::defaultRecord(uint32_t record) {
  const check::RecordInfo& info = program_.records[record];
  for (const check::FieldInfo& field : info.fields) {
    if (field.default_value) {
      pushConstValue(*field.default_value, field.type);
    } else {
      w_.emit(Opcode::kConstNone);  // unreachable: the checker requires every default
    }
  }
  w_.emit(Opcode::kMakeRecord, tables_.recordType(record));
}

void FunctionGen::mockClassification() {
  // The classifier's record as a mock gives it: the member as `best`, its confidence; the
  // test driver sets `label` from the declared threshold and rounds the confidence, as
  // the engine does for a real model.
  const check::ClassifierInfo& c = program_.classifiers[*unit_.mock_classifier];
  line(unit_.expr->span);
  w_.emit(Opcode::kConstNone);  // label
  expr(*unit_.expr);            // best
  expr(*unit_.confidence);      // confidence
  w_.emit(Opcode::kConstNone);  // runner_up
  constant(tables_.decimalConstant("0"));
  pushString("mock");
  w_.emit(Opcode::kMakeRecord, tables_.recordType(c.record));
  w_.emit(Opcode::kReturn);
}

bool FunctionGen::generate(bytecode::Function& out) {
  const check::TypeTable& t = program_.types;
  const bool returns_value = t.kind(unit_.result) != TypeKind::kVoid;
  // Every line table starts at pc 0: the declaration's line.
  if (unit_.decl != nullptr) {
    line(unit_.decl->span);
  } else if (unit_.expr != nullptr) {
    line(unit_.expr->span);
  } else {
    w_.setLine(1);
  }
  // The end of a body that has a result cannot be reached (the checker proved it);
  // should it be, the instance fails instead of running off the end.
  const auto endOfBody = [&]() {
    if (returns_value) {
      pushString(fmt::format("`{}` reached its end without returning a value", unit_.name));
      w_.emit(Opcode::kFail);
    } else {
      w_.emit(Opcode::kConstNone);
      w_.emit(Opcode::kReturn);
    }
  };
  const auto exprBody = [&](const syntax::Expr& e) {
    line(e.span);
    expr(e);
    if (!returns_value) {
      w_.emit(Opcode::kPop);
      w_.emit(Opcode::kConstNone);
    }
    w_.emit(Opcode::kReturn);
  };

  switch (unit_.kind) {
    case UnitKind::kFn:
    case UnitKind::kWorkflow:
    case UnitKind::kWorkflowKey:
    case UnitKind::kWorkflowSla:
    case UnitKind::kBreachHandler:
    case UnitKind::kTest:
    case UnitKind::kMock:
      if (unit_.mock_classifier) {
        mockClassification();
      } else if (unit_.expr != nullptr) {
        exprBody(*unit_.expr);
      } else if (unit_.block != nullptr) {
        block(*unit_.block);
        endOfBody();
      } else {
        endOfBody();
      }
      break;
    case UnitKind::kDecision: {
      const auto* d = unit_.decl->as<syntax::DecisionDecl>();
      for (const syntax::DecisionRule& rule : d->rules) {
        line(rule.span);
        std::vector<uint32_t> next;
        if (rule.cond) condJump(*rule.cond, false, next);
        expr(*rule.result);
        w_.emit(Opcode::kReturn);
        if (!rule.cond) break;  // `else` is last; nothing after it runs
        patchHere(next);
      }
      if (d->rules.empty() || d->rules.back().cond) {
        pushString(fmt::format("no rule of decision `{}` applies", unit_.decl->name.text));
        w_.emit(Opcode::kFail);
      }
      break;
    }
    case UnitKind::kPolicy: {
      // A policy returns none to allow, or the refusal's message.
      const auto* p = unit_.decl->as<syntax::PolicyDecl>();
      if (p->when) {
        line(p->when->span);
        policy_when_ = true;
        std::vector<uint32_t> applies;
        condJump(*p->when, true, applies);
        policy_when_ = false;
        w_.emit(Opcode::kConstNone);
        w_.emit(Opcode::kReturn);
        patchHere(applies);
      }
      block(p->body);
      w_.emit(Opcode::kConstNone);
      w_.emit(Opcode::kReturn);
      break;
    }
    case UnitKind::kTrigger: {
      const auto* trigger = unit_.decl->as<syntax::TriggerDecl>();
      uint32_t workflow = 0;
      for (const check::TriggerInfo& info : program_.triggers) {
        if (info.header.decl == unit_.decl && info.workflow) workflow = *info.workflow;
      }
      for (const syntax::Expr& arg : trigger->args)
        expr(arg);
      w_.emit(Opcode::kSpawn, workflow);
      w_.emit(Opcode::kPop);
      w_.emit(Opcode::kConstNone);
      w_.emit(Opcode::kReturn);
      break;
    }
  }

  const size_t params = out.params.size();
  out.locals.clear();
  for (size_t i = unit_.param_count; i < unit_.slots.size(); ++i)
    out.locals.push_back(typeOf(unit_.slots[i]));
  for (TypeId type : extra_slots_)
    out.locals.push_back(typeOf(type));
  if (!w_.ok() || params + out.locals.size() > bytecode::kMaxSlots) return false;
  w_.finish(out);
  return true;
}

}  // namespace rflow::codegen

namespace rflow::codegen {

void FunctionGen::namedLet(uint32_t slot, const std::string& name, uint32_t begin) {
  facts_out_.slot_names.emplace(slot, name);
  // A default is a value the declaration gives whatever happened before it: one constant.
  const std::optional<bytecode::Instruction> in = bytecode::decodeInstruction(w_.code(), begin);
  if (!in || begin + in->size != w_.offset() || slot < slot_shift_) return;
  if (in->opcode == Opcode::kConst) {
    facts_out_.slot_defaults.emplace(slot, static_cast<bytecode::ConstantId>(in->a));
  } else if (in->opcode == Opcode::kConstInt && slot - slot_shift_ < unit_.slots.size()) {
    facts_out_.slot_int_defaults.emplace(slot, std::pair{in->a, unit_.slots[slot - slot_shift_]});
  }
}

}  // namespace rflow::codegen

// Effects: connector calls, approvals and tasks, `await`, `start` and `spawn`.
#include <fmt/format.h>

#include "codegen/function_gen.h"

namespace rflow::codegen {

using check::UnitKind;
using Opcode = bytecode::Opcode;

void FunctionGen::connectorCall(const syntax::CallExpr& c, uint32_t op) {
  for (const syntax::Expr& arg : c.args)
    expr(arg);
  uint32_t options = 0;
  if (c.options) {
    // Pushed in the order of their bits (opcodes.def, CallConnector).
    const syntax::CallOptions& o = *c.options;
    const std::array<std::pair<const syntax::Expr*, uint32_t>, 4> present = {
        {{o.retry.get(), 1}, {o.every.get(), 2}, {o.backoff.get(), 4}, {o.timeout.get(), 8}}};
    for (const auto& [value, bit] : present) {
      if (value == nullptr) continue;
      expr(*value);
      options |= bit;
    }
  }
  w_.emit(Opcode::kCallConnector, op, options);
}

void FunctionGen::approval(const syntax::Expr& e, const std::vector<syntax::Clause>& clauses,
                           const syntax::Expr& title, bool is_task) {
  line(e.span);
  using syntax::ClauseKind;
  const check::Program::Builtins& builtins = program_.builtins;
  const auto first = [&](ClauseKind kind) -> const syntax::Clause* {
    for (const syntax::Clause& clause : clauses) {
      if (clause.kind == kind) return &clause;
    }
    return nullptr;
  };
  const auto valueOr = [&](ClauseKind kind, auto fallback) {
    if (const syntax::Clause* clause = first(kind)) {
      expr(*clause->value);
    } else {
      fallback();
    }
  };
  const auto none = [&]() { w_.emit(Opcode::kConstNone); };

  // The data record first (deeper), then the request.
  const uint32_t data = fact(e).b;
  const syntax::Clause* data_clause = first(ClauseKind::kData);
  record(data, data_clause != nullptr ? data_clause->data : std::vector<syntax::FieldInit>{});

  const uint32_t request = is_task ? builtins.task_request : builtins.approval_request;
  const check::RecordInfo& info = program_.records[request];
  for (const check::FieldInfo& field : info.fields) {
    const std::string& n = field.name;
    if (n == "title") {
      expr(title);
    } else if (n == "assignee") {
      valueOr(ClauseKind::kAssign, none);
    } else if (n == "requested_by") {
      valueOr(ClauseKind::kRequestedBy, none);
    } else if (n == "amount") {
      valueOr(ClauseKind::kAmount, none);
    } else if (n == "approvers") {
      valueOr(ClauseKind::kApprovers, [&]() { pushInt(1); });
    } else if (n == "due") {
      valueOr(ClauseKind::kDue, none);
    } else if (n == "escalations") {
      size_t count = 0;
      for (const syntax::Clause& clause : clauses) {
        if (clause.kind != ClauseKind::kEscalate) continue;
        expr(*clause.value);
        expr(*clause.target);
        w_.emit(Opcode::kMakeRecord, tables_.recordType(builtins.escalation));
        ++count;
      }
      w_.emit(Opcode::kMakeList, typeOf(field.type), count);
    } else {
      // A prelude field this compiler does not know: its default, or none.
      if (field.default_value) {
        pushConstValue(*field.default_value, field.type);
      } else {
        none();
      }
    }
  }
  w_.emit(Opcode::kMakeRecord, tables_.recordType(request));
  // The age of the task is shown in the calendar its due date was declared in, else in the
  // one its first escalation in a calendar was.
  const syntax::Clause* due = first(ClauseKind::kDue);
  if (due != nullptr && due->value && due->value->as<syntax::InCalendarExpr>() != nullptr) {
    waitCalendar(due->value.get());
  } else {
    for (const syntax::Clause& clause : clauses) {
      if (clause.kind != ClauseKind::kEscalate || !clause.value ||
          clause.value->as<syntax::InCalendarExpr>() == nullptr)
        continue;
      waitCalendar(clause.value.get());
      break;
    }
  }
  if (is_task) {
    w_.emit(Opcode::kTask, tables_.recordType(fact(e).a), tables_.recordType(data));
  } else {
    w_.emit(Opcode::kApproval, tables_.recordType(data));
  }
}

void FunctionGen::await(const syntax::Expr& e, const syntax::AwaitExpr& a) {
  line(e.span);
  if (a.timeout) expr(*a.timeout);
  waitCalendar(a.timeout.get());
  w_.emit(Opcode::kAwait, tables_.recordType(fact(e).a), a.timeout ? 1 : 0);
}

void FunctionGen::start(const syntax::Expr& e, const syntax::StartExpr& s) {
  line(e.span);
  for (const syntax::Expr& arg : s.args)
    expr(arg);
  const uint32_t workflow = fact(e).a;
  if (s.spawn) {
    w_.emit(Opcode::kSpawn, workflow);
  } else if (unit_.kind == UnitKind::kTest) {
    w_.emit(Opcode::kStartRun, workflow);
  } else {
    w_.emit(Opcode::kStartChild, workflow);
  }
}

}  // namespace rflow::codegen

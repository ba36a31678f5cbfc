// Helpers for the VM tests: a module under construction with the basic types and the
// prelude records the VM relies on (rflow.Error, Approval, ApprovalRequest, TaskRequest,
// Task, Escalation, and the ApprovalOutcome and RunStatus enums), functions written with
// an InstructionWriter, and shortcuts to run them.
//
// A TestModule's functions all live in file #0, "test.rflow"; max_stack defaults to 16,
// which the verifier accepts for any function that needs less.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/emit.h"
#include "bytecode/module.h"
#include "bytecode_sample.h"
#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/value.h"

namespace rflow::vm::testing {

using bytecode::ConstantId;
using bytecode::FunctionId;
using bytecode::InstructionWriter;
using bytecode::Opcode;
using bytecode::TypeId;
using bytecode::TypeTag;

class TestModule {
 public:
  TestModule();

  bytecode::testing::ModuleBuilder b;
  bytecode::Module& m() { return b.module(); }

  TypeId t_void, t_bool, t_int, t_decimal, t_money, t_string, t_duration, t_time, t_user, t_role,
      t_assignee, t_none;
  TypeId t_int_list, t_string_list, t_int_map, t_int_opt, t_string_opt, t_user_opt, t_money_opt,
      t_duration_opt, t_time_opt, t_user_list, t_run;
  // Prelude records and their types.
  uint32_t r_error, r_approval, r_escalation, r_approval_request, r_task_request, r_task;
  TypeId t_error, t_approval, t_escalation, t_escalation_list, t_approval_request, t_task_request,
      t_task;
  uint32_t e_outcome, e_run_status;
  TypeId t_outcome, t_run_status;

  ConstantId str(std::string_view text);
  ConstantId dec(std::string_view digits);
  ConstantId money(std::string_view amount, std::string_view code);
  ConstantId integer(int64_t v, TypeId type = UINT32_MAX);

  // A record (kind kRecord unless given) with (name, type) fields; returns its index.
  uint32_t record(std::string_view name, std::vector<std::pair<std::string_view, TypeId>> fields,
                  bytecode::RecordKind kind = bytecode::RecordKind::kRecord);
  uint32_t enumeration(std::string_view name, std::vector<std::string_view> members);
  uint32_t role(std::string_view name, std::string_view title);

  FunctionId function(std::string_view name, std::vector<TypeId> params, TypeId result,
                      std::vector<TypeId> locals,
                      const std::function<void(InstructionWriter&)>& body,
                      bytecode::FunctionKind kind = bytecode::FunctionKind::kFn,
                      uint32_t max_stack = 16);
  // A workflow whose body is `function(...)` of kind kWorkflow.
  uint32_t workflow(std::string_view name, FunctionId body);
  // A connector "test.sys" op (all in one connector).
  uint32_t op(std::string_view name, std::vector<TypeId> params, TypeId result);

  // Writes the module (filling its content hash) and loads it; fails the test on a
  // verifier error.
  std::shared_ptr<const Program> program();
};

// Starts `function` with `args`; fails the test if start refuses.
Instance startOrDie(const std::shared_ptr<const Program>& program, FunctionId function,
                    std::vector<Value> args = {}, Options options = {});

// Runs `function` to its outcome.
Outcome runFunction(const std::shared_ptr<const Program>& program, FunctionId function,
                    std::vector<Value> args = {}, Options options = {});

// Empty when `function` completes with a budget of exactly `instructions`
// (Options::max_instructions) and fails with one fewer; otherwise what happened instead.
std::string exactBudgetProblem(const std::shared_ptr<const Program>& program, FunctionId function,
                               const std::vector<Value>& args, uint64_t instructions);

// The outcome's parts; each fails the test when the outcome is another kind.
Value completedValue(const Outcome& outcome);
Failure failureOf(const Outcome& outcome);
Waiting waitingOf(const Outcome& outcome);

// A one-function module: `body` as `test.f(params) -> result`, run with `args`.
Outcome runBody(TestModule& t, std::vector<TypeId> params, TypeId result,
                std::vector<TypeId> locals, const std::function<void(InstructionWriter&)>& body,
                std::vector<Value> args = {});

Value dec(std::string_view digits);
Value money(std::string_view amount, std::string_view code);
Value str(std::string_view text);

std::string describe(const Outcome& outcome, const bytecode::Module& module);

}  // namespace rflow::vm::testing

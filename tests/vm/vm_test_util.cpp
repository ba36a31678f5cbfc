#include "vm_test_util.h"

#include <gtest/gtest.h>

#include "bytecode/write.h"
#include "vm/print.h"

namespace rflow::vm::testing {

using bytecode::Field;
using bytecode::RecordKind;

TestModule::TestModule() {
  m().files.push_back({b.str("test.rflow"), b.str("test")});
  t_void = b.type(TypeTag::kVoid);
  t_bool = b.type(TypeTag::kBool);
  t_int = b.type(TypeTag::kInt);
  t_decimal = b.type(TypeTag::kDecimal);
  t_money = b.type(TypeTag::kMoney);
  t_string = b.type(TypeTag::kString);
  t_duration = b.type(TypeTag::kDuration);
  t_time = b.type(TypeTag::kTime);
  t_user = b.type(TypeTag::kUser);
  t_role = b.type(TypeTag::kRole);
  t_assignee = b.type(TypeTag::kAssignee);
  t_none = b.type(TypeTag::kNone);
  t_int_list = b.list(t_int);
  t_string_list = b.list(t_string);
  t_user_list = b.list(t_user);
  t_int_map = b.map(t_int);
  t_int_opt = b.optional(t_int);
  t_string_opt = b.optional(t_string);
  t_user_opt = b.optional(t_user);
  t_money_opt = b.optional(t_money);
  t_duration_opt = b.optional(t_duration);
  t_time_opt = b.optional(t_time);
  t_run = b.run(t_int);

  e_outcome = enumeration("rflow.ApprovalOutcome", {"Approved", "Rejected", "Expired"});
  t_outcome = b.enumType(e_outcome);
  e_run_status =
      enumeration("rflow.RunStatus", {"Running", "Waiting", "Completed", "Failed", "Cancelled"});
  t_run_status = b.enumType(e_run_status);

  r_error =
      record("rflow.Error", {{"kind", t_string}, {"message", t_string}}, RecordKind::kBuiltin);
  t_error = b.record(r_error);
  r_approval = record("rflow.Approval",
                      {{"approved", t_bool},
                       {"outcome", t_outcome},
                       {"decided_by", t_user_opt},
                       {"comment", t_string},
                       {"decided_at", t_time_opt},
                       {"approved_by", t_user_list}},
                      RecordKind::kBuiltin);
  t_approval = b.record(r_approval);
  r_escalation =
      record("rflow.Escalation", {{"after", t_duration}, {"to", t_assignee}}, RecordKind::kBuiltin);
  t_escalation = b.record(r_escalation);
  t_escalation_list = b.list(t_escalation);
  r_approval_request = record("rflow.ApprovalRequest",
                              {{"title", t_string},
                               {"assignee", t_assignee},
                               {"requested_by", t_user_opt},
                               {"amount", t_money_opt},
                               {"approvers", t_int},
                               {"due", t_duration_opt},
                               {"escalations", t_escalation_list}},
                              RecordKind::kBuiltin);
  t_approval_request = b.record(r_approval_request);
  r_task_request = record("rflow.TaskRequest",
                          {{"title", t_string},
                           {"assignee", t_assignee},
                           {"requested_by", t_user_opt},
                           {"due", t_duration_opt},
                           {"escalations", t_escalation_list}},
                          RecordKind::kBuiltin);
  t_task_request = b.record(r_task_request);
  r_task = record("rflow.Task",
                  {{"title", t_string},
                   {"assignee", t_assignee},
                   {"due", t_time_opt},
                   {"escalations", t_int},
                   {"id", t_string}},
                  RecordKind::kBuiltin);
  t_task = b.record(r_task);
}

ConstantId TestModule::str(std::string_view text) {
  return b.constant(t_string, b.str(text));
}

ConstantId TestModule::dec(std::string_view digits) {
  return b.constant(t_decimal, bytecode::DecimalConstant{std::string(digits)});
}

ConstantId TestModule::money(std::string_view amount, std::string_view code) {
  return b.constant(t_money,
                    bytecode::MoneyConstant{std::string(amount), {code[0], code[1], code[2]}});
}

ConstantId TestModule::integer(int64_t v, TypeId type) {
  return b.constant(type == UINT32_MAX ? t_int : type, v);
}

uint32_t TestModule::record(std::string_view name,
                            std::vector<std::pair<std::string_view, TypeId>> fields,
                            RecordKind kind) {
  bytecode::Record r{b.str(name), kind, {}};
  for (const auto& [field, type] : fields)
    r.fields.push_back(Field{b.str(field), type, std::nullopt});
  m().records.push_back(std::move(r));
  return static_cast<uint32_t>(m().records.size() - 1);
}

uint32_t TestModule::enumeration(std::string_view name, std::vector<std::string_view> members) {
  bytecode::Enum e{b.str(name), {}};
  for (std::string_view member : members)
    e.members.push_back(b.str(member));
  m().enums.push_back(std::move(e));
  return static_cast<uint32_t>(m().enums.size() - 1);
}

uint32_t TestModule::role(std::string_view name, std::string_view title) {
  m().roles.push_back({b.str(name), b.str(title)});
  return static_cast<uint32_t>(m().roles.size() - 1);
}

FunctionId TestModule::function(std::string_view name, std::vector<TypeId> params, TypeId result,
                                std::vector<TypeId> locals,
                                const std::function<void(InstructionWriter&)>& body,
                                bytecode::FunctionKind kind, uint32_t max_stack) {
  bytecode::Function f;
  f.name = b.str(name);
  f.kind = kind;
  f.params = std::move(params);
  f.result = result;
  f.locals = std::move(locals);
  f.max_stack = max_stack;
  f.file = 0;
  InstructionWriter w;
  w.setLine(1);
  body(w);
  EXPECT_TRUE(w.ok()) << name;
  w.finish(f);
  m().functions.push_back(std::move(f));
  return static_cast<FunctionId>(m().functions.size() - 1);
}

uint32_t TestModule::workflow(std::string_view name, FunctionId body) {
  bytecode::Workflow w;
  w.name = b.str(name);
  const bytecode::Function& f = m().functions[body];
  for (size_t i = 0; i < f.params.size(); ++i)
    w.params.push_back({b.str("p" + std::to_string(i)), f.params[i]});
  w.result = f.result;
  w.body = body;
  m().workflows.push_back(std::move(w));
  return static_cast<uint32_t>(m().workflows.size() - 1);
}

uint32_t TestModule::op(std::string_view name, std::vector<TypeId> params, TypeId result) {
  bytecode::ConnectorOp o{b.str(name), {}, result};
  for (size_t i = 0; i < params.size(); ++i)
    o.params.push_back({b.str("a" + std::to_string(i)), params[i]});
  m().ops.push_back(std::move(o));
  if (m().connectors.empty()) m().connectors.push_back({b.str("test.sys"), 0, 0});
  m().connectors[0].op_count = static_cast<uint32_t>(m().ops.size());
  return static_cast<uint32_t>(m().ops.size() - 1);
}

std::shared_ptr<const Program> TestModule::program() {
  bytecode::Module copy = m();
  (void)bytecode::writeModule(copy);
  auto loaded = Program::load(std::move(copy));
  if (const auto* error = std::get_if<std::string>(&loaded)) {
    ADD_FAILURE() << *error;
    return nullptr;
  }
  return std::get<std::shared_ptr<const Program>>(std::move(loaded));
}

Instance startOrDie(const std::shared_ptr<const Program>& program, FunctionId function,
                    std::vector<Value> args, Options options) {
  auto started = Instance::start(program, function, std::move(args), options);
  if (const auto* error = std::get_if<std::string>(&started)) {
    ADD_FAILURE() << *error;
    std::abort();
  }
  return std::get<Instance>(std::move(started));
}

Outcome runFunction(const std::shared_ptr<const Program>& program, FunctionId function,
                    std::vector<Value> args, Options options) {
  Instance instance = startOrDie(program, function, std::move(args), options);
  return instance.run();
}

std::string exactBudgetProblem(const std::shared_ptr<const Program>& program, FunctionId function,
                               const std::vector<Value>& args, uint64_t instructions) {
  Options options;
  options.max_instructions = instructions;
  if (!std::holds_alternative<Completed>(runFunction(program, function, args, options)))
    return "it does not complete within " + std::to_string(instructions) + " instructions";
  --options.max_instructions;
  const Outcome short_of_one = runFunction(program, function, args, options);
  const auto* failure = std::get_if<Failure>(&short_of_one);
  if (failure == nullptr)
    return "it does not fail with " + std::to_string(instructions - 1) + " instructions";
  if (failure->message.find("without waiting") == std::string::npos)
    return "one instruction short, it fails for another reason: " + failure->message;
  return {};
}

Value completedValue(const Outcome& outcome) {
  if (const auto* c = std::get_if<Completed>(&outcome)) return c->result;
  if (const auto* f = std::get_if<Failure>(&outcome)) {
    ADD_FAILURE() << "expected completion, got failure: " << f->text();
  } else {
    ADD_FAILURE() << "expected completion, got waiting";
  }
  return Value();
}

Failure failureOf(const Outcome& outcome) {
  if (const auto* f = std::get_if<Failure>(&outcome)) return *f;
  ADD_FAILURE() << "expected a failure";
  return Failure{};
}

Waiting waitingOf(const Outcome& outcome) {
  if (const auto* w = std::get_if<Waiting>(&outcome)) return *w;
  if (const auto* f = std::get_if<Failure>(&outcome)) {
    ADD_FAILURE() << "expected waiting, got failure: " << f->text();
  } else {
    ADD_FAILURE() << "expected waiting, got completion";
  }
  return Waiting{};
}

Outcome runBody(TestModule& t, std::vector<TypeId> params, TypeId result,
                std::vector<TypeId> locals, const std::function<void(InstructionWriter&)>& body,
                std::vector<Value> args) {
  const FunctionId f = t.function("test.f", std::move(params), result, std::move(locals), body);
  const auto program = t.program();
  if (!program) return Failure{"test", "no program", "", 0, ""};
  return runFunction(program, f, std::move(args));
}

Value dec(std::string_view digits) {
  return Value::decimal(*base::Decimal::parse(digits));
}

Value money(std::string_view amount, std::string_view code) {
  return Value::money(base::Money(*base::Decimal::parse(amount), *base::CurrencyCode::parse(code)));
}

Value str(std::string_view text) {
  return Value::string(text);
}

std::string describe(const Outcome& outcome, const bytecode::Module& module) {
  if (const auto* c = std::get_if<Completed>(&outcome))
    return "completed: " + printed(c->result, module);
  if (const auto* f = std::get_if<Failure>(&outcome)) return "failed: " + f->text();
  return "waiting: " + std::to_string(std::get<Waiting>(outcome).requests.size()) + " requests";
}

}  // namespace rflow::vm::testing

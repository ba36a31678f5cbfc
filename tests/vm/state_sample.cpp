#include "state_sample.h"

#include "bytecode/emit.h"
#include "bytecode/write.h"
#include "bytecode_sample.h"

namespace rflow::vm::testing {

using bytecode::ConstantId;
using bytecode::Field;
using bytecode::FunctionId;
using bytecode::InstructionWriter;
using bytecode::RecordKind;
using bytecode::TypeId;
using bytecode::TypeTag;
namespace {

using O = bytecode::Opcode;

template <typename Body>
FunctionId addFunction(bytecode::Module& m, bytecode::StringId name, bytecode::FunctionKind kind,
                       std::vector<TypeId> params, TypeId result, std::vector<TypeId> locals,
                       Body body) {
  bytecode::Function f;
  f.name = name;
  f.kind = kind;
  f.params = std::move(params);
  f.result = result;
  f.locals = std::move(locals);
  f.max_stack = 16;
  InstructionWriter w;
  body(w);
  w.finish(f);
  m.functions.push_back(std::move(f));
  return static_cast<FunctionId>(m.functions.size() - 1);
}

}  // namespace

StateSample stateSample() {
  bytecode::testing::ModuleBuilder b;
  bytecode::Module& m = b.module();
  m.files.push_back({b.str("sample/replenish.rflow"), b.str("sample")});
  const TypeId t_void = b.type(TypeTag::kVoid);
  const TypeId t_bool = b.type(TypeTag::kBool);
  const TypeId t_int = b.type(TypeTag::kInt);
  const TypeId t_decimal = b.type(TypeTag::kDecimal);
  const TypeId t_money = b.type(TypeTag::kMoney);
  const TypeId t_string = b.type(TypeTag::kString);
  const TypeId t_duration = b.type(TypeTag::kDuration);
  const TypeId t_time = b.type(TypeTag::kTime);
  const TypeId t_user = b.type(TypeTag::kUser);
  const TypeId t_role = b.type(TypeTag::kRole);
  const TypeId t_assignee = b.type(TypeTag::kAssignee);
  const TypeId t_int_list = b.list(t_int);
  const TypeId t_int_map = b.map(t_int);
  const TypeId t_user_opt = b.optional(t_user);
  const TypeId t_time_opt = b.optional(t_time);
  const TypeId t_money_opt = b.optional(t_money);
  const TypeId t_duration_opt = b.optional(t_duration);
  const TypeId t_user_list = b.list(t_user);
  (void)t_void;

  const auto record = [&](std::string_view name, RecordKind kind,
                          std::vector<std::pair<std::string_view, TypeId>> fields) {
    bytecode::Record r{b.str(name), kind, {}};
    for (const auto& [field, type] : fields)
      r.fields.push_back(Field{b.str(field), type, std::nullopt});
    m.records.push_back(std::move(r));
    return static_cast<uint32_t>(m.records.size() - 1);
  };
  m.enums.push_back(
      {b.str("rflow.ApprovalOutcome"), {b.str("Approved"), b.str("Rejected"), b.str("Expired")}});
  const TypeId t_outcome = b.enumType(0);
  const uint32_t r_error =
      record("rflow.Error", RecordKind::kBuiltin, {{"kind", t_string}, {"message", t_string}});
  const uint32_t r_approval = record("rflow.Approval", RecordKind::kBuiltin,
                                     {{"approved", t_bool},
                                      {"outcome", t_outcome},
                                      {"decided_by", t_user_opt},
                                      {"comment", t_string},
                                      {"decided_at", t_time_opt},
                                      {"approved_by", t_user_list}});
  const uint32_t r_escalation =
      record("rflow.Escalation", RecordKind::kBuiltin, {{"after", t_duration}, {"to", t_assignee}});
  const TypeId t_escalation_list = b.list(b.record(r_escalation));
  const uint32_t r_request = record("rflow.ApprovalRequest", RecordKind::kBuiltin,
                                    {{"title", t_string},
                                     {"assignee", t_assignee},
                                     {"requested_by", t_user_opt},
                                     {"amount", t_money_opt},
                                     {"approvers", t_int},
                                     {"due", t_duration_opt},
                                     {"escalations", t_escalation_list}});
  const uint32_t r_data =
      record("sample.Replenish.data", RecordKind::kData, {{"xs", t_int_list}, {"m", t_int_map}});
  const TypeId t_error = b.record(r_error);
  const TypeId t_approval = b.record(r_approval);
  const TypeId t_request = b.record(r_request);
  const TypeId t_data = b.record(r_data);
  m.roles.push_back({b.str("sample.Planner"), b.str("Planner")});

  m.connectors.push_back({b.str("sample.wms"), 0, 1});
  m.ops.push_back({b.str("availability"), {{b.str("store"), t_string}}, t_int});

  const ConstantId c_b = b.constant(t_string, b.str("b"));
  const ConstantId c_a = b.constant(t_string, b.str("a"));
  const ConstantId c_price = b.constant(t_money, bytecode::MoneyConstant{"12.50", {'U', 'S', 'D'}});
  const ConstantId c_rate = b.constant(t_decimal, bytecode::DecimalConstant{"0.075"});
  const ConstantId c_space = b.constant(t_string, b.str(" "));
  const ConstantId c_reorder = b.constant(t_string, b.str("Reorder "));
  const ConstantId c_planner = b.constant(t_role, bytecode::RoleConstant{0});
  const ConstantId c_no_stock = b.constant(t_string, b.str("no stock at "));
  const ConstantId c_colon = b.constant(t_string, b.str(": "));
  const ConstantId c_open = b.constant(t_string, b.str(" ("));
  const ConstantId c_comma = b.constant(t_string, b.str(", "));
  const ConstantId c_close = b.constant(t_string, b.str(")"));

  // #0 fn sample.fetch(store: string) -> int = wms.availability(store)
  const FunctionId fetch = addFunction(m, b.str("sample.fetch"), bytecode::FunctionKind::kFn,
                                       {t_string}, t_int, {}, [&](InstructionWriter& w) {
                                         w.setLine(30);
                                         w.emit(O::kLoadLocal, 0);
                                         w.emit(O::kCallConnector, 0, 0);
                                         w.emit(O::kReturn);
                                       });

  // #1 the workflow. Slots: store, qty, a, b, xs, m, price, rate, err.
  const FunctionId body = addFunction(
      m, b.str("sample.Replenish"), bytecode::FunctionKind::kWorkflow, {t_string, t_int}, t_string,
      {t_int, t_approval, t_int_list, t_int_map, t_money, t_decimal, t_error},
      [&](InstructionWriter& w) {
        w.setLine(10);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kConstInt, 2);
        w.emit(O::kConstInt, 3);
        w.emit(O::kMakeList, t_int_list, 3);
        w.emit(O::kStoreLocal, 4);
        w.emit(O::kConst, c_b);
        w.emit(O::kConstInt, 2);
        w.emit(O::kConst, c_a);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kMakeMap, t_int_map, 2);
        w.emit(O::kStoreLocal, 5);
        w.setLine(11);
        w.emit(O::kConst, c_price);
        w.emit(O::kConstInt, 3);
        w.emit(O::kMulMoneyInt);
        w.emit(O::kStoreLocal, 6);
        w.emit(O::kConst, c_rate);
        w.emit(O::kStoreLocal, 7);
        w.setLine(12);
        const uint32_t handler = w.emitJump(O::kTryBegin);
        w.setLine(13);
        const uint32_t f1 = w.emitJump(O::kFork);
        const uint32_t f2 = w.emitJump(O::kFork);
        const uint32_t f3 = w.emitJump(O::kFork);
        w.emit(O::kJoin);
        w.setLine(17);
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kToString, t_int);
        w.emit(O::kConst, c_space);
        w.emit(O::kLoadLocal, 3);
        w.emit(O::kGetField, 0);
        w.emit(O::kToString, t_bool);
        w.emit(O::kInterpolate, 3);
        w.emit(O::kReturn);
        w.setLine(14);
        w.patchJumpHere(f1);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kCall, fetch);
        w.emit(O::kStoreLocal, 2);
        w.emit(O::kEndBranch);
        w.setLine(15);
        w.patchJumpHere(f2);
        w.emit(O::kLoadLocal, 4);
        w.emit(O::kLoadLocal, 5);
        w.emit(O::kMakeRecord, t_data);
        w.emit(O::kConst, c_reorder);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kInterpolate, 2);
        w.emit(O::kConst, c_planner);
        w.emit(O::kConstNone);
        w.emit(O::kConstNone);
        w.emit(O::kConstInt, 2);
        w.emit(O::kConstNone);
        w.emit(O::kMakeList, t_escalation_list, 0);
        w.emit(O::kMakeRecord, t_request);
        w.emit(O::kApproval, t_data);
        w.emit(O::kStoreLocal, 3);
        w.emit(O::kEndBranch);
        w.setLine(16);
        w.patchJumpHere(f3);
        w.emit(O::kConst, c_no_stock);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kInterpolate, 2);
        w.emit(O::kFail);
        w.setLine(20);
        w.patchJumpHere(handler);
        w.emit(O::kStoreLocal, 8);
        w.setLine(21);
        w.emit(O::kLoadLocal, 8);
        w.emit(O::kGetField, 1);
        w.emit(O::kNote);
        w.setLine(22);
        w.emit(O::kLoadLocal, 8);
        w.emit(O::kGetField, 0);
        w.emit(O::kConst, c_colon);
        w.emit(O::kLoadLocal, 8);
        w.emit(O::kGetField, 1);
        w.emit(O::kConst, c_open);
        w.emit(O::kLoadLocal, 6);
        w.emit(O::kToString, t_money);
        w.emit(O::kConst, c_comma);
        w.emit(O::kLoadLocal, 7);
        w.emit(O::kToString, t_decimal);
        w.emit(O::kConst, c_comma);
        w.emit(O::kLoadLocal, 4);
        w.emit(O::kToString, t_int_list);
        w.emit(O::kConst, c_comma);
        w.emit(O::kLoadLocal, 5);
        w.emit(O::kToString, t_int_map);
        w.emit(O::kConst, c_close);
        w.emit(O::kInterpolate, 12);
        w.emit(O::kReturn);
      });
  m.workflows.push_back({b.str("sample.Replenish"),
                         {{b.str("store"), t_string}, {b.str("qty"), t_int}},
                         t_string,
                         body,
                         std::nullopt,
                         std::nullopt,
                         std::nullopt,
                         std::nullopt,
                         std::nullopt});
  (void)bytecode::writeModule(m);
  return StateSample{std::move(m), body, r_approval, 0};
}

std::shared_ptr<const Program> stateSampleProgram() {
  auto loaded = Program::load(stateSample().module);
  if (auto* program = std::get_if<std::shared_ptr<const Program>>(&loaded)) return *program;
  return nullptr;
}

Instance stateSampleInstance(const std::shared_ptr<const Program>& program) {
  auto started = Instance::start(program, 1, {Value::string("S1"), Value::integer(5)});
  Instance instance = std::get<Instance>(std::move(started));
  (void)instance.run();
  return instance;
}

std::string finishStateSample(Instance& instance) {
  const std::optional<uint32_t> approval = instance.program().recordIndex("rflow.Approval");
  if (!approval) return "no rflow.Approval";
  std::vector<Value> fields = {Value::boolean(true),
                               Value::enumMember(0, 0),
                               Value::string("bob"),
                               Value::string("ok"),
                               Value(),
                               Value::list({Value::string("bob"), Value::string("carol")})};
  if (std::optional<std::string> e = instance.resume(
          {{1, Value::integer(7)}, {2, Value::record(*approval, std::move(fields))}}))
    return "resume: " + *e;
  Outcome o = instance.run();
  const auto* waiting = std::get_if<Waiting>(&o);
  if (!waiting || waiting->requests.size() != 1 ||
      !std::holds_alternative<effect::Note>(waiting->requests[0].request))
    return "expected one note";
  if (std::get<effect::Note>(waiting->requests[0].request).text != "no stock at S1")
    return "another note";
  if (std::optional<std::string> e = instance.resume({{0, Value()}})) return "resume: " + *e;
  o = instance.run();
  if (const auto* f = std::get_if<Failure>(&o)) return "failed: " + f->text();
  if (const auto* c = std::get_if<Completed>(&o)) return std::string(c->result.asString());
  return "still waiting";
}

}  // namespace rflow::vm::testing

#include "bytecode_sample.h"

#include "bytecode/emit.h"

namespace rflow::bytecode::testing {

StringId ModuleBuilder::str(std::string_view text) {
  if (auto it = strings_.find(text); it != strings_.end()) return it->second;
  const auto id = static_cast<StringId>(module_.strings.size());
  module_.strings.emplace_back(text);
  strings_.emplace(std::string(text), id);
  return id;
}

TypeId ModuleBuilder::type(TypeTag tag, uint32_t element_or_decl) {
  const auto key = std::make_tuple(tag, element_or_decl);
  if (auto it = types_.find(key); it != types_.end()) return it->second;
  Type t{tag};
  if (tag == TypeTag::kList || tag == TypeTag::kMap || tag == TypeTag::kOptional ||
      tag == TypeTag::kRun) {
    t.element = element_or_decl;
  } else if (tag == TypeTag::kRecord || tag == TypeTag::kEnum) {
    t.decl = element_or_decl;
  }
  const auto id = static_cast<TypeId>(module_.types.size());
  module_.types.push_back(t);
  types_.emplace(key, id);
  return id;
}

namespace {

using O = Opcode;

// Adds a function whose code `body` writes; returns its id.
template <typename Body>
FunctionId addFunction(Module& m, StringId name, FunctionKind kind, std::vector<TypeId> params,
                       TypeId result, std::vector<TypeId> locals, uint32_t max_stack, Body body) {
  Function f;
  f.name = name;
  f.kind = kind;
  f.params = std::move(params);
  f.result = result;
  f.locals = std::move(locals);
  f.max_stack = max_stack;
  f.file = 0;
  InstructionWriter w;
  body(w);
  w.finish(f);
  m.functions.push_back(std::move(f));
  return static_cast<FunctionId>(m.functions.size() - 1);
}

}  // namespace

Module sampleModule() {
  ModuleBuilder b;
  Module& m = b.module();
  m.files.push_back({b.str("retail/replenishment.rflow"), b.str("retail.replenishment")});

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
  const TypeId t_int_opt = b.optional(t_int);
  const TypeId t_string_opt = b.optional(t_string);
  const TypeId t_run = b.run(t_int);

  // Records: 0 Store, 1 Delivered, 2 ApprovalRequest, 3 ReorderData, 4 Approval.
  const TypeId t_store = b.record(0);
  const TypeId t_delivered = b.record(1);
  const TypeId t_request = b.record(2);
  const TypeId t_data = b.record(3);
  const TypeId t_approval = b.record(4);
  const TypeId t_priority = b.enumType(0);
  (void)t_approval;

  const ConstantId c_false = b.constant(t_bool, false);
  const ConstantId c_42 = b.constant(t_int, int64_t{42});
  const ConstantId c_hour = b.constant(t_duration, int64_t{3'600'000});
  b.constant(t_time, int64_t{1'709'283'600'000});
  b.constant(t_decimal, DecimalConstant{"0.075"});
  b.constant(t_money, MoneyConstant{"1000.00", {'U', 'S', 'D'}});
  const ConstantId c_sku = b.constant(t_string, b.str("S-001"));
  const ConstantId c_alice = b.constant(t_user, b.str("alice@example.com"));
  b.constant(t_priority, EnumConstant{0, 2});
  const ConstantId c_manager = b.constant(t_role, RoleConstant{0});
  b.constant(t_int_opt, std::monostate{});
  const ConstantId c_list = b.constant(t_int_list, AggregateConstant{{c_42, c_42}});
  b.constant(t_int_map, AggregateConstant{{c_sku, c_42}});
  const ConstantId c_north = b.constant(t_string, b.str("north"));
  const ConstantId c_store = b.constant(t_store, AggregateConstant{{c_sku, c_north, c_false}});
  const ConstantId c_reorder = b.constant(t_string, b.str("Reorder "));
  const ConstantId c_not_upper = b.constant(t_string, b.str("id is not upper case"));
  const ConstantId c_expect = b.constant(t_string, b.str("run.result == 7"));
  const ConstantId c_late = b.constant(t_string, b.str("Reorder is late for "));
  const ConstantId c_too_long = b.constant(t_string, b.str("title too long"));
  const ConstantId c_down = b.constant(t_string, b.str("wms is down"));
  const ConstantId c_seven = b.constant(t_string, b.str("7"));
  const ConstantId c_key = b.constant(t_string, b.str("k"));
  b.constant(t_int_opt, int64_t{5});
  b.constant(t_decimal, DecimalConstant{"-12.50"});

  m.records.push_back({b.str("retail.common.Store"),
                       RecordKind::kRecord,
                       {{b.str("id"), t_string, std::nullopt},
                        {b.str("region"), t_string, std::nullopt},
                        {b.str("pilot"), t_bool, c_false}}});
  m.records.push_back(
      {b.str("retail.replenishment.Delivered"), RecordKind::kSignal, {{b.str("qty"), t_int, {}}}});
  m.records.push_back({b.str("rflow.ApprovalRequest"),
                       RecordKind::kBuiltin,
                       {{b.str("title"), t_string, {}}, {b.str("to"), t_assignee, {}}}});
  m.records.push_back({b.str("retail.replenishment.ReorderData"),
                       RecordKind::kData,
                       {{b.str("sku"), t_string, {}}, {b.str("qty"), t_int, {}}}});
  m.records.push_back({b.str("rflow.Approval"),
                       RecordKind::kBuiltin,
                       {{b.str("approved"), t_bool, {}},
                        {b.str("by"), t_user, {}},
                        {b.str("comment"), t_string_opt, {}}}});
  m.enums.push_back(
      {b.str("retail.common.Priority"), {b.str("Low"), b.str("Normal"), b.str("High")}});
  m.roles.push_back({b.str("retail.common.StoreManager"), b.str("Store manager")});

  m.connectors.push_back({b.str("retail.systems.wms"), 0, 2});
  m.ops.push_back(
      {b.str("availability"), {{b.str("sku"), t_string}, {b.str("store"), t_string}}, t_int});
  m.ops.push_back({b.str("reserve"), {{b.str("sku"), t_string}, {b.str("qty"), t_int}}, t_void});

  // #0 fn add(a: int, b: int) -> int
  const FunctionId f_add = addFunction(m, b.str("retail.replenishment.add"), FunctionKind::kFn,
                                       {t_int, t_int}, t_int, {}, 2, [](InstructionWriter& w) {
                                         w.setLine(10);
                                         w.emit(O::kLoadLocal, 0);
                                         w.emit(O::kLoadLocal, 1);
                                         w.emit(O::kAddInt);
                                         w.emit(O::kReturn);
                                       });

  // #1 fn reorder_qty(on_hand: int, target: int) -> int: a branch and a call.
  const FunctionId f_qty =
      addFunction(m, b.str("retail.replenishment.reorder_qty"), FunctionKind::kFn, {t_int, t_int},
                  t_int, {}, 2, [&](InstructionWriter& w) {
                    w.setLine(14);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kLtInt);
                    const uint32_t to_else = w.emitJump(O::kJumpIfFalse);
                    w.setLine(15);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kNegInt);
                    w.emit(O::kCall, f_add);
                    w.emit(O::kReturn);
                    w.setLine(17);
                    w.patchJumpHere(to_else);
                    w.emit(O::kConstInt, 0);
                    w.emit(O::kReturn);
                  });

  // #2 fn store(id: string) -> Store: records, a native, equality, Fail.
  addFunction(m, b.str("retail.replenishment.store"), FunctionKind::kFn, {t_string}, t_store,
              {t_store}, 3, [&](InstructionWriter& w) {
                w.setLine(20);
                w.emit(O::kLoadLocal, 0);
                w.emit(O::kConst, c_north);
                w.emit(O::kConst, c_false);
                w.emit(O::kMakeRecord, t_store);
                w.emit(O::kStoreLocal, 1);
                w.setLine(21);
                w.emit(O::kLoadLocal, 1);
                w.emit(O::kGetField, 0);
                w.emit(O::kCallNative, 9, 1);  // Upper
                w.emit(O::kLoadLocal, 0);
                w.emit(O::kEq, t_string);
                const uint32_t to_ok = w.emitJump(O::kJumpIfTrue);
                w.setLine(22);
                w.emit(O::kConst, c_not_upper);
                w.emit(O::kFail);
                w.setLine(23);
                w.patchJumpHere(to_ok);
                w.emit(O::kLoadLocal, 1);
                w.emit(O::kReturn);
              });

  // #3 workflow Reorder(store: Store, sku: string) -> int
  uint32_t pc_call = 0;
  uint32_t pc_approval = 0;
  uint32_t pc_await = 0;
  const FunctionId f_body =
      addFunction(m, b.str("retail.replenishment.Reorder"), FunctionKind::kWorkflow,
                  {t_store, t_string}, t_int, {t_int, t_int}, 4, [&](InstructionWriter& w) {
                    w.setLine(30);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kGetField, 0);
                    w.emit(O::kConstInt, 3);
                    w.emit(O::kConst, c_hour);
                    pc_call = w.emit(O::kCallConnector, 0, 0b1001);  // retry, timeout
                    w.emit(O::kStoreLocal, 2);
                    w.setLine(31);
                    w.emit(O::kLoadLocal, 2);
                    w.emit(O::kConstInt, 10);
                    w.emit(O::kCall, f_qty);
                    w.emit(O::kStoreLocal, 3);
                    w.setLine(32);
                    const uint32_t try_begin = w.emitJump(O::kTryBegin);
                    w.setLine(33);
                    w.emit(O::kConst, c_reorder);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kInterpolate, 2);
                    w.emit(O::kConst, c_manager);
                    w.emit(O::kMakeRecord, t_request);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kLoadLocal, 3);
                    w.emit(O::kMakeRecord, t_data);
                    pc_approval = w.emit(O::kApproval, t_data);
                    w.emit(O::kPop);
                    w.emit(O::kTryEnd);
                    const uint32_t to_after = w.emitJump(O::kJump);
                    w.setLine(35);
                    w.patchJumpHere(try_begin);
                    w.emit(O::kPop);
                    w.setLine(36);
                    w.patchJumpHere(to_after);
                    w.emit(O::kLoadLocal, 3);
                    w.emit(O::kToString, t_int);
                    w.emit(O::kNote);
                    w.setLine(37);
                    w.emit(O::kConst, c_hour);
                    pc_await = w.emit(O::kAwait, t_delivered, 1);
                    const uint32_t to_none = w.emitJump(O::kJumpIfNone);
                    w.emit(O::kGetField, 0);
                    w.emit(O::kStoreLocal, 3);
                    const uint32_t to_done = w.emitJump(O::kJump);
                    w.setLine(38);
                    w.patchJumpHere(to_none);
                    w.emit(O::kPop);
                    w.setLine(39);
                    w.patchJumpHere(to_done);
                    w.emit(O::kLoadLocal, 3);
                    w.emit(O::kReturn);
                  });

  // #4 key, #5 sla, #6 breach handler of Reorder.
  const FunctionId f_key =
      addFunction(m, b.str("retail.replenishment.Reorder.key"), FunctionKind::kWorkflowKey,
                  {t_store, t_string}, t_string, {}, 1, [](InstructionWriter& w) {
                    w.setLine(28);
                    w.emit(O::kLoadLocal, 1);
                    w.emit(O::kReturn);
                  });
  const FunctionId f_sla =
      addFunction(m, b.str("retail.replenishment.Reorder.sla"), FunctionKind::kWorkflowSla,
                  {t_store, t_string}, t_duration, {}, 1, [&](InstructionWriter& w) {
                    w.setLine(29);
                    w.emit(O::kConst, c_hour);
                    w.emit(O::kReturn);
                  });
  const FunctionId f_breach =
      addFunction(m, b.str("retail.replenishment.Reorder.breach"), FunctionKind::kBreachHandler,
                  {t_store, t_string}, t_void, {}, 2, [&](InstructionWriter& w) {
                    w.setLine(29);
                    w.emit(O::kConst, c_late);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kGetField, 0);
                    w.emit(O::kConcat);
                    w.emit(O::kConst, c_manager);
                    w.emit(O::kNotify);
                    w.emit(O::kConstNone);
                    w.emit(O::kReturn);
                  });

  // #7 policy BigReorders(request: ApprovalRequest) -> string?
  const FunctionId f_policy =
      addFunction(m, b.str("retail.replenishment.BigReorders"), FunctionKind::kPolicy, {t_request},
                  t_string_opt, {}, 2, [&](InstructionWriter& w) {
                    w.setLine(44);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kGetField, 0);
                    w.emit(O::kCallNative, 0, 1);  // LenString
                    w.emit(O::kConstInt, 100);
                    w.emit(O::kGtInt);
                    const uint32_t to_ok = w.emitJump(O::kJumpIfFalse);
                    w.emit(O::kConst, c_too_long);
                    w.emit(O::kReturn);
                    w.setLine(45);
                    w.patchJumpHere(to_ok);
                    w.emit(O::kConstNone);
                    w.emit(O::kReturn);
                  });

  // #8 trigger on_low_stock(sku: string)
  const FunctionId f_trigger =
      addFunction(m, b.str("retail.replenishment.on_low_stock"), FunctionKind::kTrigger, {t_string},
                  t_void, {}, 2, [&](InstructionWriter& w) {
                    w.setLine(48);
                    w.emit(O::kConst, c_store);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kSpawn, 0);
                    w.emit(O::kPop);
                    w.emit(O::kConstNone);
                    w.emit(O::kReturn);
                  });

  // #9 test "reorders when stock is low", #10 its mock of wms.availability.
  const FunctionId f_mock = 10;
  const FunctionId f_test =
      addFunction(m, b.str("retail.replenishment.test 1"), FunctionKind::kTest, {}, t_void, {t_run},
                  3, [&](InstructionWriter& w) {
                    w.setLine(51);
                    w.emit(O::kMock, 0, f_mock, 0);
                    w.setLine(52);
                    w.emit(O::kConst, c_store);
                    w.emit(O::kConst, c_sku);
                    w.emit(O::kStartRun, 0);
                    w.emit(O::kStoreLocal, 0);
                    w.setLine(53);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kRunField, 3);
                    w.emit(O::kConst, c_alice);
                    w.emit(O::kDecide, 0, 0);
                    w.setLine(54);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kConstInt, 5);
                    w.emit(O::kMakeRecord, t_delivered);
                    w.emit(O::kSend);
                    w.setLine(55);
                    w.emit(O::kConst, c_hour);
                    w.emit(O::kAdvance);
                    w.setLine(56);
                    w.emit(O::kLoadLocal, 0);
                    w.emit(O::kRunField, 1);
                    w.emit(O::kToString, t_int_opt);
                    w.emit(O::kConst, c_seven);
                    w.emit(O::kConstTrue);
                    w.emit(O::kExpect, c_expect, 1);
                    w.setLine(57);
                    w.emit(O::kConstInt, 1);
                    w.emit(O::kExpectCalled, 0);
                    w.setLine(58);
                    w.emit(O::kConst, c_down);
                    w.emit(O::kMockFails, 1);
                    w.emit(O::kConstNone);
                    w.emit(O::kReturn);
                  });
  addFunction(m, b.str("retail.replenishment.test 1.mock 1"), FunctionKind::kMock,
              {t_string, t_string}, t_int, {}, 1, [](InstructionWriter& w) {
                w.setLine(51);
                w.emit(O::kConstInt, 7);
                w.emit(O::kReturn);
              });

  // #11 fn total(xs: list<int>) -> int: a loop, lists, maps.
  addFunction(m, b.str("retail.replenishment.total"), FunctionKind::kFn, {t_int_list}, t_int,
              {t_int, t_int}, 3, [&](InstructionWriter& w) {
                w.setLine(60);
                w.emit(O::kConstInt, 0);
                w.emit(O::kStoreLocal, 1);
                w.emit(O::kConstInt, 0);
                w.emit(O::kStoreLocal, 2);
                w.setLine(61);
                const uint32_t head = w.offset();
                w.emit(O::kLoadLocal, 1);
                w.emit(O::kLoadLocal, 0);
                w.emit(O::kListLength);
                w.emit(O::kLtInt);
                const uint32_t to_end = w.emitJump(O::kJumpIfFalse);
                w.setLine(62);
                w.emit(O::kLoadLocal, 2);
                w.emit(O::kLoadLocal, 0);
                w.emit(O::kLoadLocal, 1);
                w.emit(O::kListAt);
                w.emit(O::kAddInt);
                w.emit(O::kStoreLocal, 2);
                w.emit(O::kLoadLocal, 1);
                w.emit(O::kConstInt, 1);
                w.emit(O::kAddInt);
                w.emit(O::kStoreLocal, 1);
                w.emitJumpTo(O::kJump, head);
                w.setLine(64);
                w.patchJumpHere(to_end);
                w.emit(O::kLoadLocal, 2);
                w.emit(O::kConst, c_list);
                w.emit(O::kInList, t_int);
                w.emit(O::kPop);
                w.emit(O::kConst, c_key);
                w.emit(O::kLoadLocal, 2);
                w.emit(O::kMakeMap, t_int_map, 1);
                w.emit(O::kConst, c_key);
                w.emit(O::kIndexMap);
                w.emit(O::kPop);
                w.emit(O::kLoadLocal, 2);
                w.emit(O::kReturn);
              });

  m.workflows.push_back({b.str("retail.replenishment.Reorder"),
                         {{b.str("store"), t_store}, {b.str("sku"), t_string}},
                         t_int,
                         f_body,
                         b.str("retail.common.StoreManager"),
                         f_key,
                         f_sla,
                         f_breach,
                         std::nullopt});
  m.policies.push_back(
      {b.str("retail.replenishment.BigReorders"), PolicyKind::kApproval, f_policy});
  m.triggers.push_back(
      {TriggerKind::kEvent, b.str("LowStock"), {{b.str("sku"), t_string}}, 0, f_trigger});
  m.tests.push_back({b.str("reorders when stock is low"), f_test, 0, 50});
  // Format 3: Reorder tracks its sku (computed by the key's function, which is one over
  // the parameters too) and has a measure its body sets; the approval's data names a
  // stage.
  m.figures.push_back(
      {0, {{b.str("sku"), t_string, f_key}}, {{b.str("units"), t_int, std::nullopt}}});
  m.stages.push_back({t_data, b.str("big reorder review")});
  // Format 4: Reorder's sla counts the open time of a calendar (calendar::encode's text).
  m.workflows.back().sla_calendar =
      b.str("StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24");
  // Format 5: the body's wait places, each with what is live after it (with the `try`,
  // every instruction may flow into the handler, which reads slot 3).
  // Format 6: the approval's due date was declared in the calendar (`due 4h in StoreHours`).
  m.waits.push_back({0, pc_call, WaitPlaceKind::kCall, b.str("wms.availability"), 0, 0,
                     {{1, b.str("sku"), t_string, std::nullopt},
                      {3, b.str("qty"), t_int, std::nullopt}},
                     std::nullopt});
  m.waits.push_back({0, pc_approval, WaitPlaceKind::kApproval, b.str("big reorder review"), 0,
                     kWaitInTry, {{3, b.str("qty"), t_int, std::nullopt}},
                     b.str("StoreHours;Europe/Berlin;1 08:00-20:00,6 09:00-18:00;2026-12-24")});
  m.waits.push_back({0, pc_await, WaitPlaceKind::kAwait, b.str("Delivered"), 0, 0,
                     {{3, b.str("qty"), t_int, std::nullopt}}, std::nullopt});
  return std::move(b.module());
}

Module oneFunctionModule() {
  Module m;
  m.strings = {"test.f", "test.rflow", "test"};
  m.types = {Type{TypeTag::kVoid}, Type{TypeTag::kInt}, Type{TypeTag::kBool},
             Type{TypeTag::kString}};
  m.files = {SourceFile{1, 2}};
  Function f;
  f.name = 0;
  f.kind = FunctionKind::kFn;
  f.result = 1;
  f.max_stack = 1;
  f.code = {static_cast<uint8_t>(Opcode::kConstInt), 1, 0, 0, 0,
            static_cast<uint8_t>(Opcode::kReturn)};
  f.lines = {LineEntry{0, 1}};
  m.functions.push_back(f);
  return m;
}

}  // namespace rflow::bytecode::testing

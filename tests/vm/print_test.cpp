// Printed forms (language.md §3; the table is in vm/print.h), directly and through the
// ToString instruction.
#include "vm/print.h"

#include <gtest/gtest.h>

#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

TEST(VmPrint, Scalars) {
  TestModule t;
  const bytecode::Module& m = t.m();
  EXPECT_EQ(printed(Value(), m), "none");
  EXPECT_EQ(printed(Value(), m, t.t_int_opt), "none");
  EXPECT_EQ(printed(Value::boolean(true), m, t.t_bool), "true");
  EXPECT_EQ(printed(Value::integer(-42), m, t.t_int), "-42");
  EXPECT_EQ(printed(Value::integer(5), m, t.t_int_opt), "5");
  EXPECT_EQ(printed(dec("20.0000"), m, t.t_decimal), "20.0000");
  EXPECT_EQ(printed(dec("0.30"), m, t.t_decimal), "0.30");
  EXPECT_EQ(printed(money("25.06", "USD"), m, t.t_money), "25.06 USD");
  EXPECT_EQ(printed(money("20", "USD"), m, t.t_money), "20.00 USD");
  EXPECT_EQ(printed(money("25.05825", "USD"), m, t.t_money), "25.05825 USD");
  EXPECT_EQ(printed(money("1000", "JPY"), m, t.t_money), "1000 JPY");
  EXPECT_EQ(printed(money("5", "KWD"), m, t.t_money), "5.000 KWD");
  EXPECT_EQ(printed(Value::integer(5'400'000), m, t.t_duration), "1h30m");
  EXPECT_EQ(printed(Value::integer(500), m, t.t_duration), "500ms");
  EXPECT_EQ(printed(Value::integer(0), m, t.t_duration), "0s");
  EXPECT_EQ(printed(Value::integer(-3'600'000), m, t.t_duration), "-1h");
  EXPECT_EQ(printed(Value::integer(9 * 86'400'000LL), m, t.t_duration), "1w2d");
  EXPECT_EQ(printed(Value::integer(1'764'223'200'000), m, t.t_time), "2025-11-27T06:00:00Z");
  EXPECT_EQ(printed(Value::integer(1'764'223'200'000), m, t.t_time_opt), "2025-11-27T06:00:00Z");
  EXPECT_EQ(printed(str("a \"b\""), m, t.t_string), "a \"b\"");
  EXPECT_EQ(printed(str("ana"), m, t.t_user), "ana");
}

TEST(VmPrint, NamesOfRolesEnumsAndRecords) {
  TestModule t;
  const uint32_t manager = t.role("retail.common.StoreManager", "Store manager");
  const uint32_t priority = t.enumeration("retail.common.Priority", {"Low", "High"});
  const uint32_t store = t.record(
      "retail.common.Store", {{"id", t.t_string}, {"pilot", t.t_bool}, {"owner", t.t_user_opt}});
  const uint32_t empty = t.record("retail.common.Nothing", {});
  const TypeId t_store = t.b.record(store);
  const bytecode::Module& m = t.m();
  EXPECT_EQ(printed(Value::role(manager), m, t.t_role), "StoreManager");
  EXPECT_EQ(printed(Value::role(manager), m, t.t_assignee), "StoreManager");
  EXPECT_EQ(printed(str("bob"), m, t.t_assignee), "bob");
  EXPECT_EQ(printed(Value::enumMember(priority, 1), m, t.b.enumType(priority)), "High");
  EXPECT_EQ(printed(Value::record(store, {str("S1"), Value::boolean(false), Value()}), m, t_store),
            "Store { id: S1, pilot: false, owner: none }");
  EXPECT_EQ(printed(Value::record(empty, {}), m), "Nothing {}");
  // Out of range (a corrupt value) still prints, without crashing.
  EXPECT_EQ(printed(Value::role(99), m), "role #99");
  EXPECT_EQ(printed(Value::enumMember(0, 99), m), "enum #0 member #99");
  EXPECT_EQ(printed(Value::record(99, {Value::integer(1)}), m), "record #99 { #0: 1 }");
}

TEST(VmPrint, CollectionsPrintTheirStringsAsText) {
  TestModule t;
  const bytecode::Module& m = t.m();
  const TypeId t_dur_list = t.b.list(t.t_duration);
  const TypeId t_opt_list = t.b.list(t.t_string_opt);
  EXPECT_EQ(printed(Value::list({}), m, t.t_int_list), "[]");
  EXPECT_EQ(printed(Value::list({Value::integer(1), Value::integer(2)}), m, t.t_int_list),
            "[1, 2]");
  EXPECT_EQ(printed(Value::list({str("ana.ap"), str("carl.ap")}), m, t.t_string_list),
            "[ana.ap, carl.ap]");
  EXPECT_EQ(printed(Value::list({Value::integer(60'000)}), m, t_dur_list), "[1m]");
  EXPECT_EQ(printed(Value::list({str("x"), Value()}), m, t_opt_list), "[x, none]");
  EXPECT_EQ(printed(Value::map({{str("b"), Value::integer(2)}, {str("a"), Value::integer(1)}}), m,
                    t.t_int_map),
            "{a: 1, b: 2}");
  EXPECT_EQ(printed(Value::map({}), m, t.t_int_map), "{}");
  EXPECT_EQ(printed(Value::run("inst-7"), m, t.t_run), "inst-7");
  // Without a type an int prints as an int.
  EXPECT_EQ(printed(Value::list({Value::integer(60'000)}), m), "[60000]");
}

TEST(VmPrint, StopsAtTheLimit) {
  TestModule t;
  std::string out;
  std::vector<Value> items(1000, str("0123456789"));
  EXPECT_FALSE(appendPrinted(out, Value::list(items), t.m(), t.t_string_list, 100));
  EXPECT_LE(out.size(), 120u);
  out.clear();
  EXPECT_TRUE(appendPrinted(out, Value::list(items), t.m(), t.t_string_list, 100'000));
}

TEST(VmPrint, ToStringInstructionUsesTheTypeOperand) {
  TestModule t;
  const ConstantId day = t.integer(86'400'000, t.t_duration);
  const Value v = completedValue(runBody(t, {}, t.t_string, {}, [&](InstructionWriter& w) {
    w.emit(Opcode::kConst, day);
    w.emit(Opcode::kToString, t.t_duration);
    w.emit(Opcode::kConst, day);
    w.emit(Opcode::kToString, t.t_int);
    w.emit(Opcode::kConst, day);
    w.emit(Opcode::kToString, t.t_time);
    w.emit(Opcode::kInterpolate, 3);
    w.emit(Opcode::kReturn);
  }));
  EXPECT_EQ(v.asString(), "1d864000001970-01-02T00:00:00Z");
}

}  // namespace
}  // namespace rflow::vm::testing

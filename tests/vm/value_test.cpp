// Value: representation, value semantics, counting, equality, depth, map order and the
// checks of values from outside (value_check.h).
#include <gtest/gtest.h>

#include <thread>

#include "vm/limits.h"
#include "vm/value_check.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

TEST(VmValue, IsSmallAndScalarsLiveInline) {
  EXPECT_EQ(sizeof(Value), 24u);
  const Value m = money("-12.50", "EUR");
  EXPECT_EQ(m.tag(), Tag::kMoney);
  EXPECT_EQ(m.asMoney().toString(), "-12.50 EUR");
  EXPECT_FALSE(m.isHeap());
  EXPECT_EQ(dec("0.075").asDecimal().toString(), "0.075");
  EXPECT_EQ(Value::enumMember(3, 4).enumIndex(), 3u);
  EXPECT_EQ(Value::enumMember(3, 4).enumMember(), 4u);
  EXPECT_EQ(Value::role(2).asRole(), 2u);
  EXPECT_TRUE(Value().isNone());
  EXPECT_EQ(Value::integer(INT64_MIN).asInt(), INT64_MIN);
}

TEST(VmValue, CopiesShareMovesSteal) {
  Value a = str("text that is longer than any small string buffer");
  Value b = a;
  EXPECT_EQ(a.asString().data(), b.asString().data());
  Value c = std::move(a);
  EXPECT_TRUE(a.isNone());  // NOLINT: moved-from values are none by design
  EXPECT_EQ(c.asString(), b.asString());
  b = Value::integer(1);
  const Value& same = c;
  c = same;  // self-assignment keeps the value
  EXPECT_EQ(c.asString(), "text that is longer than any small string buffer");
  Value list = Value::list({c, c, c});
  c = Value();
  EXPECT_EQ(list.listItems()[2].asString(), "text that is longer than any small string buffer");
}

TEST(VmValue, EqualityIsStructural) {
  EXPECT_TRUE(valueEquals(dec("0.3"), dec("0.30")));
  EXPECT_TRUE(valueEquals(money("0.3", "USD"), money("0.30", "USD")));
  EXPECT_FALSE(valueEquals(money("0.3", "USD"), money("0.3", "EUR")));
  EXPECT_FALSE(valueEquals(Value(), Value::integer(0)));
  EXPECT_TRUE(valueEquals(Value(), Value()));
  EXPECT_FALSE(valueEquals(Value::role(0), str("0")));
  EXPECT_TRUE(valueEquals(Value::list({Value::list({dec("1.0")})}),
                          Value::list({Value::list({dec("1")})})));
  EXPECT_FALSE(valueEquals(Value::list({Value::integer(1)}), Value::list({})));
  EXPECT_TRUE(
      valueEquals(Value::map({{str("a"), Value::integer(1)}, {str("b"), Value::integer(2)}}),
                  Value::map({{str("b"), Value::integer(2)}, {str("a"), Value::integer(1)}})));
  EXPECT_FALSE(valueEquals(Value::map({{str("a"), Value::integer(1)}}),
                           Value::map({{str("b"), Value::integer(1)}})));
  EXPECT_TRUE(valueEquals(Value::record(1, {str("x")}), Value::record(1, {str("x")})));
  EXPECT_FALSE(valueEquals(Value::record(1, {str("x")}), Value::record(2, {str("x")})));
  EXPECT_FALSE(valueEquals(Value::run("a"), str("a")));
  EXPECT_FALSE(valueEquals(Value::enumMember(0, 1), Value::enumMember(1, 1)));
}

TEST(VmValue, MapsAreSortedByKeyBytesAndTheLastOfEqualKeysWins) {
  const Value m = Value::map({{str("b"), Value::integer(1)},
                              {str("a"), Value::integer(2)},
                              {str("b"), Value::integer(3)},
                              {str("é"), Value::integer(4)},
                              {str("z"), Value::integer(5)}});
  const auto e = m.mapEntries();
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].key.asString(), "a");
  EXPECT_EQ(e[1].key.asString(), "b");
  EXPECT_EQ(e[1].value.asInt(), 3);
  EXPECT_EQ(e[2].key.asString(), "z");
  EXPECT_EQ(e[3].key.asString(), "é");
  ASSERT_NE(mapFind(m, "b"), nullptr);
  EXPECT_EQ(mapFind(m, "b")->asInt(), 3);
  EXPECT_EQ(mapFind(m, "c"), nullptr);
}

TEST(VmValue, DepthCountsNesting) {
  EXPECT_EQ(str("x").depth(), 0u);
  EXPECT_EQ(Value::list({}).depth(), 1u);
  EXPECT_EQ(Value::list({Value::integer(1)}).depth(), 1u);
  Value v = Value::integer(0);
  for (int i = 0; i < 10; ++i)
    v = Value::record(0, {v});
  EXPECT_EQ(v.depth(), 10u);
  const Value appended = Value::appended(Value::list({}), v);
  EXPECT_EQ(appended.depth(), 11u);
}

TEST(VmValue, ChecksAgainstTypes) {
  TestModule t;
  const bytecode::Module& m = t.m();
  EXPECT_EQ(checkValue(Value::integer(1), m, t.t_int), std::nullopt);
  EXPECT_EQ(checkValue(Value::integer(1), m, t.t_duration), std::nullopt);
  EXPECT_EQ(checkValue(Value(), m, t.t_int_opt), std::nullopt);
  EXPECT_EQ(checkValue(Value(), m, t.t_void), std::nullopt);
  EXPECT_EQ(checkValue(Value(), m, t.t_int), std::optional<std::string>("expected int, got none"));
  EXPECT_EQ(checkValue(Value::integer(1), m, t.t_void),
            std::optional<std::string>("expected void, got int"));
  EXPECT_EQ(checkValue(Value::role(0), m, t.t_assignee),
            std::optional<std::string>("role #0 does not exist (the module has 0)"));
  EXPECT_EQ(checkValue(str("ana"), m, t.t_assignee), std::nullopt);
  EXPECT_EQ(checkValue(Value::list({Value::integer(1), str("2")}), m, t.t_int_list),
            std::optional<std::string>("item 1: expected int, got string"));
  EXPECT_EQ(checkValue(Value::map({{str("k"), str("v")}}), m, t.t_int_map),
            std::optional<std::string>("key \"k\": expected int, got string"));
  EXPECT_EQ(checkValue(Value::record(t.r_error, {str("fail"), Value::integer(1)}), m, t.t_error),
            std::optional<std::string>("field `message`: expected string, got int"));
  EXPECT_EQ(checkValue(Value::record(t.r_task, {}), m, t.t_error),
            std::optional<std::string>("expected rflow.Error, got a `rflow.Task` record"));
  EXPECT_EQ(checkValue(Value::enumMember(t.e_outcome, 3), m, t.t_outcome),
            std::optional<std::string>("enum `rflow.ApprovalOutcome` has no member #3"));
  EXPECT_EQ(checkValue(Value::enumMember(t.e_run_status, 0), m, t.t_outcome),
            std::optional<std::string>("expected rflow.ApprovalOutcome, got enum member"));
  EXPECT_EQ(checkValue(str(std::string("\xff\xfe", 2)), m, t.t_string),
            std::optional<std::string>("a string is not valid UTF-8"));
  EXPECT_EQ(checkWellFormed(Value::record(99, {}), m),
            std::optional<std::string>("record #99 does not exist"));
  Value deep = Value::integer(0);
  for (uint32_t i = 0; i <= kMaxValueDepth; ++i)
    deep = Value::list({deep});
  EXPECT_EQ(checkWellFormed(deep, m),
            std::optional<std::string>("the value nests 513 levels deep, more than 512"));
}

TEST(VmValue, ConstantsAreSharedAcrossThreadsAndOutliveTheirProgram) {
  TestModule t;
  const ConstantId text = t.str("a constant string");
  const ConstantId list = t.b.constant(t.t_string_list, bytecode::AggregateConstant{{text, text}});
  const FunctionId f = t.function("test.f", {}, t.t_string_list, {}, [&](InstructionWriter& w) {
    w.emit(Opcode::kConst, list);
    w.emit(Opcode::kReturn);
  });
  std::shared_ptr<const Program> program = t.program();
  // Four threads copy the same constants many times over.
  std::vector<std::thread> threads;
  std::vector<size_t> counts(4, 0);
  for (size_t k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 2000; ++i) {
        const Value v = completedValue(runFunction(program, f));
        counts[k] += v.listLength();
      }
    });
  }
  for (std::thread& th : threads)
    th.join();
  for (size_t c : counts)
    EXPECT_EQ(c, 4000u);
  Value kept = completedValue(runFunction(program, f));
  program.reset();
  EXPECT_EQ(kept.listItems()[1].asString(), "a constant string");
}

}  // namespace
}  // namespace rflow::vm::testing

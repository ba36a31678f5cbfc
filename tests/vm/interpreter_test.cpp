// The interpreter, one opcode family at a time: stack and locals, control flow and calls,
// typed arithmetic (exactness, rounding, overflow, currency mismatch), strings,
// equality, collections and records, try/catch, and runtime errors naming their line.
#include <gtest/gtest.h>

#include <tuple>

#include "vm/print.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using O = Opcode;

// Runs a body without parameters in a fresh module and returns what it completes with.
class Eval {
 public:
  Value operator()(TypeId result, const std::function<void(InstructionWriter&)>& body,
                   std::vector<TypeId> locals = {}) {
    return completedValue(runBody(t, {}, result, std::move(locals), body));
  }
  Failure failure(const std::function<void(InstructionWriter&)>& body,
                  std::vector<TypeId> locals = {}) {
    return failureOf(runBody(t, {}, t.t_int, std::move(locals), body));
  }
  std::string print(const Value& v, TypeId type) { return printed(v, t.m(), type); }

  TestModule t;
};

TEST(VmStack, ConstantsOfEveryKind) {
  Eval e;
  TestModule& t = e.t;
  EXPECT_EQ(e(t.t_int,
              [&](auto& w) {
                w.emit(O::kConstInt, -7);
                w.emit(O::kReturn);
              }).asInt(),
            -7);
  EXPECT_TRUE(e(t.t_bool, [&](auto& w) {
                w.emit(O::kConstTrue);
                w.emit(O::kReturn);
              }).asBool());
  EXPECT_FALSE(e(t.t_bool, [&](auto& w) {
                 w.emit(O::kConstFalse);
                 w.emit(O::kReturn);
               }).asBool());
  EXPECT_TRUE(e(t.t_int_opt, [&](auto& w) {
                w.emit(O::kConstNone);
                w.emit(O::kReturn);
              }).isNone());
  const ConstantId big = t.integer(int64_t{1} << 40);
  EXPECT_EQ(e(t.t_int,
              [&](auto& w) {
                w.emit(O::kConst, big);
                w.emit(O::kReturn);
              }).asInt(),
            int64_t{1} << 40);
  const ConstantId d = t.dec("0.075");
  EXPECT_EQ(e(t.t_decimal,
              [&](auto& w) {
                w.emit(O::kConst, d);
                w.emit(O::kReturn);
              })
                .asDecimal()
                .toString(),
            "0.075");
  const ConstantId m = t.money("1000.00", "USD");
  EXPECT_EQ(e(t.t_money,
              [&](auto& w) {
                w.emit(O::kConst, m);
                w.emit(O::kReturn);
              })
                .asMoney()
                .toString(),
            "1000.00 USD");
  const ConstantId s = t.str("héllo");
  EXPECT_EQ(e(t.t_string,
              [&](auto& w) {
                w.emit(O::kConst, s);
                w.emit(O::kReturn);
              }).asString(),
            "héllo");
  const uint32_t role = t.role("retail.StoreManager", "Store manager");
  const ConstantId rc = t.b.constant(t.t_role, bytecode::RoleConstant{role});
  Value r = e(t.t_role, [&](auto& w) {
    w.emit(O::kConst, rc);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(r.tag(), Tag::kRole);
  EXPECT_EQ(e.print(r, t.t_role), "StoreManager");
  const ConstantId en = t.b.constant(t.t_outcome, bytecode::EnumConstant{t.e_outcome, 1});
  EXPECT_EQ(e.print(e(t.t_outcome,
                      [&](auto& w) {
                        w.emit(O::kConst, en);
                        w.emit(O::kReturn);
                      }),
                    t.t_outcome),
            "Rejected");
  const ConstantId one = t.integer(1), two = t.integer(2);
  const ConstantId list = t.b.constant(t.t_int_list, bytecode::AggregateConstant{{one, two, one}});
  EXPECT_EQ(e.print(e(t.t_int_list,
                      [&](auto& w) {
                        w.emit(O::kConst, list);
                        w.emit(O::kReturn);
                      }),
                    t.t_int_list),
            "[1, 2, 1]");
  // A map constant's entries come out in key order, the last of equal keys winning.
  const ConstantId kb = t.str("b"), ka = t.str("a");
  const ConstantId map =
      t.b.constant(t.t_int_map, bytecode::AggregateConstant{{kb, one, ka, two, kb, two}});
  EXPECT_EQ(e.print(e(t.t_int_map,
                      [&](auto& w) {
                        w.emit(O::kConst, map);
                        w.emit(O::kReturn);
                      }),
                    t.t_int_map),
            "{a: 2, b: 2}");
  const ConstantId err = t.b.constant(t.t_error, bytecode::AggregateConstant{{ka, kb}});
  EXPECT_EQ(e.print(e(t.t_error,
                      [&](auto& w) {
                        w.emit(O::kConst, err);
                        w.emit(O::kReturn);
                      }),
                    t.t_error),
            "Error { kind: a, message: b }");
}

TEST(VmStack, PopDupSwapAndLocals) {
  Eval e;
  TestModule& t = e.t;
  // (3 - 10) with Swap: 10 3 Swap -> 3 10; Sub = -7; Dup; Add = -14; keep in a local.
  const Value v = e(t.t_int,
                    [&](InstructionWriter& w) {
                      w.emit(O::kNop);
                      w.emit(O::kConstInt, 10);
                      w.emit(O::kConstInt, 3);
                      w.emit(O::kSwap);
                      w.emit(O::kSubInt);
                      w.emit(O::kDup);
                      w.emit(O::kAddInt);
                      w.emit(O::kConstInt, 99);
                      w.emit(O::kPop);
                      w.emit(O::kStoreLocal, 0);
                      w.emit(O::kLoadLocal, 0);
                      w.emit(O::kLoadLocal, 0);
                      w.emit(O::kMulInt);
                      w.emit(O::kReturn);
                    },
                    {t.t_int});
  EXPECT_EQ(v.asInt(), 196);
}

TEST(VmControl, BranchesOnBoolsAndNones) {
  Eval e;
  TestModule& t = e.t;
  // if false then 1 else (if true then 2 else 3)
  EXPECT_EQ(e(t.t_int,
              [&](InstructionWriter& w) {
                w.emit(O::kConstFalse);
                const uint32_t to2 = w.emitJump(O::kJumpIfFalse);
                w.emit(O::kConstInt, 1);
                w.emit(O::kReturn);
                w.patchJumpHere(to2);
                w.emit(O::kConstTrue);
                const uint32_t to_two = w.emitJump(O::kJumpIfTrue);
                w.emit(O::kConstInt, 3);
                w.emit(O::kReturn);
                w.patchJumpHere(to_two);
                w.emit(O::kConstInt, 2);
                w.emit(O::kReturn);
              }).asInt(),
            2);
  // none ?? 5 and 4 ?? 5 (JumpIfNotNone keeps the value), x?.f with JumpIfNone.
  const auto coalesce = [&](bool left_none) {
    return e(t.t_int, [&](InstructionWriter& w) {
      if (left_none) {
        w.emit(O::kConstNone);
      } else {
        w.emit(O::kConstInt, 4);
      }
      const uint32_t done = w.emitJump(O::kJumpIfNotNone);
      w.emit(O::kPop);
      w.emit(O::kConstInt, 5);
      w.patchJumpHere(done);
      w.emit(O::kReturn);
    });
  };
  EXPECT_EQ(coalesce(true).asInt(), 5);
  EXPECT_EQ(coalesce(false).asInt(), 4);
  EXPECT_TRUE(e(t.t_string_opt, [&](InstructionWriter& w) {
                w.emit(O::kConstNone);
                const uint32_t skip = w.emitJump(O::kJumpIfNone);
                w.emit(O::kGetField, 0);
                w.patchJumpHere(skip);
                w.emit(O::kReturn);
              }).isNone());
}

TEST(VmControl, LoopsAndRecursiveCalls) {
  TestModule t;
  // fn fact(n: int) -> int = if n <= 1 then 1 else n * fact(n - 1)
  const FunctionId fact =
      t.function("test.fact", {t.t_int}, t.t_int, {}, [&](InstructionWriter& w) {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConstInt, 1);
        w.emit(O::kLeInt);
        const uint32_t recurse = w.emitJump(O::kJumpIfFalse);
        w.emit(O::kConstInt, 1);
        w.emit(O::kReturn);
        w.patchJumpHere(recurse);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConstInt, 1);
        w.emit(O::kSubInt);
        w.emit(O::kCall, 0);
        w.emit(O::kMulInt);
        w.emit(O::kReturn);
      });
  // fn sum_to(n) with a while loop and two locals.
  const FunctionId sum =
      t.function("test.sum_to", {t.t_int}, t.t_int, {t.t_int, t.t_int}, [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 0);
        w.emit(O::kStoreLocal, 1);
        w.emit(O::kConstInt, 0);
        w.emit(O::kStoreLocal, 2);
        const uint32_t head = w.offset();
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kLtInt);
        const uint32_t exit = w.emitJump(O::kJumpIfFalse);
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kConstInt, 1);
        w.emit(O::kAddInt);
        w.emit(O::kStoreLocal, 2);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kLoadLocal, 2);
        w.emit(O::kAddInt);
        w.emit(O::kStoreLocal, 1);
        w.emitJumpTo(O::kJump, head);
        w.patchJumpHere(exit);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kReturn);
      });
  const auto program = t.program();
  EXPECT_EQ(completedValue(runFunction(program, fact, {Value::integer(20)})).asInt(),
            2432902008176640000);
  EXPECT_EQ(completedValue(runFunction(program, sum, {Value::integer(1000)})).asInt(), 500500);
  // 21! overflows: a runtime error on the line of the MulInt.
  const Failure f = failureOf(runFunction(program, fact, {Value::integer(21)}));
  EXPECT_EQ(f.kind, "runtime");
  EXPECT_EQ(f.message, "the result is too large for a 64-bit int");
  EXPECT_EQ(f.function, "test.fact");
  EXPECT_EQ(f.text(), "runtime: the result is too large for a 64-bit int (test.rflow:1)");
}

TEST(VmControl, ArgumentsAreCheckedAtStart) {
  TestModule t;
  const FunctionId f =
      t.function("test.f", {t.t_int, t.t_string_opt}, t.t_int, {}, [](InstructionWriter& w) {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kReturn);
      });
  const auto program = t.program();
  EXPECT_TRUE(
      std::holds_alternative<Instance>(Instance::start(program, f, {Value::integer(1), Value()})));
  const auto wrong_count = Instance::start(program, f, {Value::integer(1)});
  ASSERT_TRUE(std::holds_alternative<std::string>(wrong_count));
  EXPECT_EQ(std::get<std::string>(wrong_count), "`test.f` takes 2 arguments, not 1");
  const auto wrong_type = Instance::start(program, f, {str("1"), Value()});
  ASSERT_TRUE(std::holds_alternative<std::string>(wrong_type));
  EXPECT_EQ(std::get<std::string>(wrong_type), "argument 1 of `test.f`: expected int, got string");
  EXPECT_TRUE(std::holds_alternative<std::string>(Instance::start(program, 99, {})));
}

TEST(VmInt, ArithmeticAndItsErrors) {
  const auto binary = [](O op, int64_t a, int64_t b) {
    Eval e;
    const ConstantId ca = e.t.integer(a), cb = e.t.integer(b);
    return runBody(e.t, {}, e.t.t_int, {}, [&](InstructionWriter& w) {
      w.emit(O::kConst, ca);
      w.emit(O::kConst, cb);
      w.emit(op);
      w.emit(O::kReturn);
    });
  };
  EXPECT_EQ(completedValue(binary(O::kAddInt, 40, 2)).asInt(), 42);
  EXPECT_EQ(completedValue(binary(O::kSubInt, 40, 42)).asInt(), -2);
  EXPECT_EQ(completedValue(binary(O::kMulInt, -6, 7)).asInt(), -42);
  EXPECT_EQ(completedValue(binary(O::kDivInt, -7, 2)).asInt(), -3);
  EXPECT_EQ(completedValue(binary(O::kRemInt, -7, 2)).asInt(), -1);
  EXPECT_EQ(completedValue(binary(O::kRemInt, INT64_MIN, -1)).asInt(), 0);
  EXPECT_EQ(failureOf(binary(O::kDivInt, 1, 0)).message, "division by zero");
  EXPECT_EQ(failureOf(binary(O::kRemInt, 1, 0)).message, "division by zero");
  EXPECT_EQ(failureOf(binary(O::kDivInt, INT64_MIN, -1)).message,
            "the result is too large for a 64-bit int");
  EXPECT_EQ(failureOf(binary(O::kAddInt, INT64_MAX, 1)).kind, "runtime");
  EXPECT_EQ(failureOf(binary(O::kSubInt, INT64_MIN, 1)).kind, "runtime");
  EXPECT_EQ(failureOf(binary(O::kMulInt, int64_t{1} << 32, int64_t{1} << 31)).kind, "runtime");
  EXPECT_TRUE(completedValue(binary(O::kLtInt, 1, 2)).asBool());
  EXPECT_FALSE(completedValue(binary(O::kLtInt, 2, 2)).asBool());
  EXPECT_TRUE(completedValue(binary(O::kLeInt, 2, 2)).asBool());
  EXPECT_TRUE(completedValue(binary(O::kGtInt, 3, 2)).asBool());
  EXPECT_FALSE(completedValue(binary(O::kGeInt, 1, 2)).asBool());
  Eval e;
  const ConstantId min = e.t.integer(INT64_MIN);
  EXPECT_EQ(e.failure([&](InstructionWriter& w) {
               w.emit(O::kConst, min);
               w.emit(O::kNegInt);
               w.emit(O::kReturn);
             }).message,
            "the result is too large for a 64-bit int");
}

Outcome decimalBinary(O op, std::string_view a, std::string_view b, bool second_is_int = false) {
  TestModule t;
  const ConstantId ca = t.dec(a);
  const ConstantId cb = second_is_int ? t.integer(std::stoll(std::string(b))) : t.dec(b);
  const bytecode::OpcodeInfo info = *bytecode::opcodeInfo(static_cast<uint8_t>(op));
  const bool compare = info.name.substr(0, 2) == "Lt" || info.name.substr(0, 2) == "Le" ||
                       info.name.substr(0, 2) == "Gt" || info.name.substr(0, 2) == "Ge";
  return runBody(t, {}, compare ? t.t_bool : t.t_decimal, {}, [&](InstructionWriter& w) {
    w.emit(O::kConst, ca);
    w.emit(O::kConst, cb);
    if (second_is_int) w.emit(O::kIntToDec);
    w.emit(op);
    w.emit(O::kReturn);
  });
}

std::string decimalText(const Outcome& o) {
  return completedValue(o).asDecimal().toString();
}

TEST(VmDecimal, ExactArithmeticAndRounding) {
  EXPECT_EQ(decimalText(decimalBinary(O::kAddDec, "1.5", "2.25")), "3.75");
  EXPECT_EQ(decimalText(decimalBinary(O::kSubDec, "1.50", "0.50")), "1.00");
  EXPECT_EQ(decimalText(decimalBinary(O::kMulDec, "1000.00", "0.02")), "20.0000");
  EXPECT_EQ(decimalText(decimalBinary(O::kDivDec, "1", "3")), "0.3333333333333333333333333333");
  EXPECT_EQ(decimalText(decimalBinary(O::kDivDec, "2", "3")), "0.6666666666666666666666666667");
  EXPECT_EQ(decimalText(decimalBinary(O::kDivDec, "10.00", "4")), "2.50");
  EXPECT_EQ(decimalText(decimalBinary(O::kAddDec, "0.1", "2", true)), "2.1");
  EXPECT_EQ(failureOf(decimalBinary(O::kDivDec, "1", "0")).message, "division by zero");
  // 34 nines + 1 needs 35 digits.
  EXPECT_EQ(failureOf(decimalBinary(O::kAddDec, std::string(34, '9'), "1")).message,
            "the exact result needs more than 34 significant digits");
  EXPECT_TRUE(completedValue(decimalBinary(O::kLtDec, "0.29", "0.3")).asBool());
  EXPECT_TRUE(completedValue(decimalBinary(O::kLeDec, "0.30", "0.3")).asBool());
  EXPECT_FALSE(completedValue(decimalBinary(O::kGtDec, "0.30", "0.3")).asBool());
  EXPECT_TRUE(completedValue(decimalBinary(O::kGeDec, "-1", "-2")).asBool());
  Eval e;
  const ConstantId d = e.t.dec("2.50");
  EXPECT_EQ(e(e.t.t_decimal,
              [&](InstructionWriter& w) {
                w.emit(O::kConst, d);
                w.emit(O::kNegDec);
                w.emit(O::kReturn);
              })
                .asDecimal()
                .toString(),
            "-2.50");
}

Outcome moneyOp(O op, std::vector<std::pair<std::string, std::string>> operands, TypeId* result,
                TestModule& t) {
  std::vector<ConstantId> cs;
  for (const auto& [amount, code] : operands) {
    if (code == "int") {
      cs.push_back(t.integer(std::stoll(amount)));
    } else if (code == "dec") {
      cs.push_back(t.dec(amount));
    } else {
      cs.push_back(t.money(amount, code));
    }
  }
  return runBody(t, {}, *result, {}, [&](InstructionWriter& w) {
    for (ConstantId c : cs)
      w.emit(O::kConst, c);
    w.emit(op);
    w.emit(O::kReturn);
  });
}

std::string moneyResult(O op, std::vector<std::pair<std::string, std::string>> operands) {
  TestModule t;
  const Outcome o = moneyOp(op, std::move(operands), &t.t_money, t);
  if (const auto* f = std::get_if<Failure>(&o)) return "error: " + f->message;
  return completedValue(o).asMoney().toString();
}

TEST(VmMoney, ArithmeticIsExactAndKeepsTheCurrency) {
  EXPECT_EQ(moneyResult(O::kAddMoney, {{"10.50", "USD"}, {"0.25", "USD"}}), "10.75 USD");
  EXPECT_EQ(moneyResult(O::kSubMoney, {{"10", "USD"}, {"0.25", "USD"}}), "9.75 USD");
  EXPECT_EQ(moneyResult(O::kAddMoney, {{"10", "USD"}, {"1", "EUR"}}),
            "error: the amounts are in different currencies (USD and EUR)");
  EXPECT_EQ(moneyResult(O::kMulMoneyDec, {{"1000.00", "USD"}, {"0.02", "dec"}}), "20.0000 USD");
  EXPECT_EQ(moneyResult(O::kMulMoneyInt, {{"3.20", "USD"}, {"40", "int"}}), "128.00 USD");
  EXPECT_EQ(moneyResult(O::kDivMoneyInt, {{"10.00", "USD"}, {"4", "int"}}), "2.50 USD");
  EXPECT_EQ(moneyResult(O::kDivMoneyDec, {{"1", "USD"}, {"3", "dec"}}),
            "0.3333333333333333333333333333 USD");
  EXPECT_EQ(moneyResult(O::kDivMoneyInt, {{"1", "USD"}, {"0", "int"}}), "error: division by zero");
  EXPECT_EQ(moneyResult(O::kNegMoney, {{"5", "JPY"}}), "-5 JPY");
  {
    TestModule t;
    EXPECT_EQ(
        completedValue(moneyOp(O::kDivMoneyMoney, {{"10", "USD"}, {"4", "USD"}}, &t.t_decimal, t))
            .asDecimal()
            .toString(),
        "2.5");
  }
  {
    TestModule t;
    EXPECT_EQ(failureOf(moneyOp(O::kDivMoneyMoney, {{"10", "USD"}, {"4", "EUR"}}, &t.t_decimal, t))
                  .message,
              "the amounts are in different currencies (USD and EUR)");
  }
  const auto compare = [](O op, std::string a, std::string ca, std::string b, std::string cb) {
    TestModule t;
    const Outcome o = moneyOp(op, {{a, ca}, {b, cb}}, &t.t_bool, t);
    if (const auto* f = std::get_if<Failure>(&o)) return "error: " + f->message;
    return std::string(completedValue(o).asBool() ? "true" : "false");
  };
  EXPECT_EQ(compare(O::kLtMoney, "0.3", "USD", "0.31", "USD"), "true");
  EXPECT_EQ(compare(O::kLeMoney, "0.3", "USD", "0.30", "USD"), "true");
  EXPECT_EQ(compare(O::kGtMoney, "0.3", "USD", "0.30", "USD"), "false");
  EXPECT_EQ(compare(O::kGeMoney, "1", "USD", "2", "USD"), "false");
  EXPECT_EQ(compare(O::kLtMoney, "1", "USD", "2", "EUR"),
            "error: the amounts are in different currencies (USD and EUR)");
}

TEST(VmTime, DurationsAndTimes) {
  TestModule t;
  const ConstantId hour = t.integer(3'600'000, t.t_duration);
  const ConstantId epoch = t.integer(1'764'223'200'000, t.t_time);  // 2025-11-27T06:00:00Z
  const ConstantId max = t.integer(INT64_MAX, t.t_duration);
  const auto run = [&](TypeId result, const std::function<void(InstructionWriter&)>& body) {
    const FunctionId f =
        t.function("test.f" + std::to_string(t.m().functions.size()), {}, result, {}, body);
    return std::pair(f, result);
  };
  const auto sum = run(t.t_time, [&](InstructionWriter& w) {
    w.emit(O::kConst, epoch);
    w.emit(O::kConst, hour);
    w.emit(O::kConstInt, 3);
    w.emit(O::kMulDurInt);
    w.emit(O::kAddTimeDur);
    w.emit(O::kConst, hour);
    w.emit(O::kSubTimeDur);
    w.emit(O::kReturn);
  });
  const auto diff = run(t.t_duration, [&](InstructionWriter& w) {
    w.emit(O::kConst, epoch);
    w.emit(O::kConst, hour);
    w.emit(O::kAddTimeDur);
    w.emit(O::kConst, epoch);
    w.emit(O::kSubTimeTime);
    w.emit(O::kConst, hour);
    w.emit(O::kNegDur);
    w.emit(O::kSubDur);
    w.emit(O::kConst, hour);
    w.emit(O::kAddDur);
    w.emit(O::kReturn);
  });
  const auto overflow = run(t.t_duration, [&](InstructionWriter& w) {
    w.emit(O::kConst, max);
    w.emit(O::kConst, hour);
    w.emit(O::kAddDur);
    w.emit(O::kReturn);
  });
  const auto order = run(t.t_bool, [&](InstructionWriter& w) {
    w.emit(O::kConst, epoch);
    w.emit(O::kConst, epoch);
    w.emit(O::kLeTime);
    w.emit(O::kConst, hour);
    w.emit(O::kConst, hour);
    w.emit(O::kLtDur);
    w.emit(O::kNot);
    w.emit(O::kEq, t.t_bool);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  const Value time = completedValue(runFunction(program, sum.first));
  EXPECT_EQ(printed(time, program->module(), t.t_time), "2025-11-27T08:00:00Z");
  EXPECT_EQ(
      printed(completedValue(runFunction(program, diff.first)), program->module(), t.t_duration),
      "3h");
  EXPECT_EQ(failureOf(runFunction(program, overflow.first)).message,
            "the result is too large for a 64-bit int");
  EXPECT_TRUE(completedValue(runFunction(program, order.first)).asBool());
}

TEST(VmTime, EveryComparison) {
  // (opcode, a, b, expected) for the duration and time comparisons.
  const std::tuple<O, int64_t, int64_t, bool> cases[] = {
      {O::kLtDur, 1, 2, true},    {O::kLtDur, 2, 2, false},  {O::kLeDur, 2, 2, true},
      {O::kLeDur, 3, 2, false},   {O::kGtDur, 3, 2, true},   {O::kGtDur, 2, 2, false},
      {O::kGeDur, 2, 2, true},    {O::kGeDur, 1, 2, false},  {O::kLtTime, -1, 0, true},
      {O::kLtTime, 0, 0, false},  {O::kLeTime, 0, 0, true},  {O::kLeTime, 1, 0, false},
      {O::kGtTime, 1, 0, true},   {O::kGtTime, 0, 1, false}, {O::kGeTime, 0, 0, true},
      {O::kGeTime, -1, 0, false},
  };
  for (const auto& c : cases) {
    const auto [op, a, b, expected] = c;
    const O opcode = op;
    TestModule t;
    const ConstantId ca = t.integer(a, t.t_duration), cb = t.integer(b, t.t_duration);
    const Value v = completedValue(runBody(t, {}, t.t_bool, {}, [&](InstructionWriter& w) {
      w.emit(O::kConst, ca);
      w.emit(O::kConst, cb);
      w.emit(opcode);
      w.emit(O::kReturn);
    }));
    EXPECT_EQ(v.asBool(), expected)
        << bytecode::opcodeInfo(static_cast<uint8_t>(op))->name << " " << a << " " << b;
  }
}

TEST(VmStrings, ConcatInterpolateToStringAndOrder) {
  TestModule t;
  const ConstantId a = t.str("SKU "), b = t.str(" short by "), c = t.str("ä"), d = t.str("b");
  const ConstantId m = t.money("25.06", "USD");
  const FunctionId interp = t.function("test.i", {}, t.t_string, {}, [&](InstructionWriter& w) {
    w.emit(O::kConst, a);
    w.emit(O::kConstInt, 42);
    w.emit(O::kToString, t.t_int);
    w.emit(O::kConst, b);
    w.emit(O::kConst, m);
    w.emit(O::kToString, t.t_money);
    w.emit(O::kInterpolate, 4);
    w.emit(O::kConst, c);
    w.emit(O::kConcat);
    w.emit(O::kToString, t.t_string);
    w.emit(O::kReturn);
  });
  const FunctionId order = t.function("test.o", {}, t.t_bool, {}, [&](InstructionWriter& w) {
    // "b" < "ä" by code point; "ä" >= "ä"; "b" <= "b"; not ("ä" > "b") is false.
    w.emit(O::kConst, d);
    w.emit(O::kConst, c);
    w.emit(O::kLtStr);
    w.emit(O::kConst, c);
    w.emit(O::kConst, c);
    w.emit(O::kGeStr);
    w.emit(O::kEq, t.t_bool);
    w.emit(O::kConst, d);
    w.emit(O::kConst, d);
    w.emit(O::kLeStr);
    w.emit(O::kEq, t.t_bool);
    w.emit(O::kConst, c);
    w.emit(O::kConst, d);
    w.emit(O::kGtStr);
    w.emit(O::kEq, t.t_bool);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  EXPECT_EQ(completedValue(runFunction(program, interp)).asString(), "SKU 42 short by 25.06 USDä");
  EXPECT_TRUE(completedValue(runFunction(program, order)).asBool());
}

TEST(VmEquality, IsStructural) {
  TestModule t;
  const uint32_t store = t.record("test.Store", {{"id", t.t_string}, {"price", t.t_money}});
  const TypeId t_store = t.b.record(store);
  const ConstantId id = t.str("S1"), p1 = t.money("0.3", "USD"), p2 = t.money("0.30", "USD"),
                   p3 = t.money("0.3", "EUR");
  const auto compare = [&](ConstantId x, ConstantId y, O op) {
    return t.function("test.c" + std::to_string(t.m().functions.size()), {}, t.t_bool, {},
                      [&, x, y, op](InstructionWriter& w) {
                        w.emit(O::kConst, id);
                        w.emit(O::kConst, x);
                        w.emit(O::kMakeRecord, t_store);
                        w.emit(O::kConst, id);
                        w.emit(O::kConst, y);
                        w.emit(O::kMakeRecord, t_store);
                        w.emit(op, t_store);
                        w.emit(O::kReturn);
                      });
  };
  const FunctionId same_value = compare(p1, p2, O::kEq);
  const FunctionId other_currency = compare(p1, p3, O::kEq);
  const FunctionId ne = compare(p1, p3, O::kNe);
  const FunctionId lists = t.function("test.l", {}, t.t_bool, {}, [&](InstructionWriter& w) {
    w.emit(O::kConstInt, 1);
    w.emit(O::kConstInt, 2);
    w.emit(O::kMakeList, t.t_int_list, 2);
    w.emit(O::kConstInt, 1);
    w.emit(O::kConstInt, 2);
    w.emit(O::kMakeList, t.t_int_list, 2);
    w.emit(O::kEq, t.t_int_list);
    w.emit(O::kConstNone);
    w.emit(O::kConstInt, 0);
    w.emit(O::kEq, t.t_int_opt);
    w.emit(O::kNe, t.t_bool);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  EXPECT_TRUE(completedValue(runFunction(program, same_value)).asBool());
  EXPECT_FALSE(completedValue(runFunction(program, other_currency)).asBool());
  EXPECT_TRUE(completedValue(runFunction(program, ne)).asBool());
  EXPECT_TRUE(completedValue(runFunction(program, lists)).asBool());
}

TEST(VmCollections, ListsMapsAndRecords) {
  TestModule t;
  const uint32_t store =
      t.record("test.Store", {{"id", t.t_string}, {"region", t.t_string}, {"pilot", t.t_bool}});
  const TypeId t_store = t.b.record(store);
  const ConstantId s1 = t.str("S1"), north = t.str("north"), ka = t.str("a"), kb = t.str("b");
  const FunctionId field = t.function("test.field", {}, t.t_string, {}, [&](InstructionWriter& w) {
    w.emit(O::kConst, s1);
    w.emit(O::kConst, north);
    w.emit(O::kConstTrue);
    w.emit(O::kMakeRecord, t_store);
    w.emit(O::kGetField, 1);
    w.emit(O::kReturn);
  });
  // [10, 20, 30][1] + len + (20 in list) + m["b"] ?? 0 + (m["z"] is none)
  const FunctionId lists =
      t.function("test.lists", {}, t.t_int, {t.t_int_list, t.t_int_map}, [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 10);
        w.emit(O::kConstInt, 20);
        w.emit(O::kConstInt, 30);
        w.emit(O::kMakeList, t.t_int_list, 3);
        w.emit(O::kStoreLocal, 0);
        w.emit(O::kConst, kb);
        w.emit(O::kConstInt, 7);
        w.emit(O::kConst, ka);
        w.emit(O::kConstInt, 1);
        w.emit(O::kMakeMap, t.t_int_map, 2);
        w.emit(O::kStoreLocal, 1);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConstInt, 1);
        w.emit(O::kIndexList);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kListLength);
        w.emit(O::kAddInt);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConstInt, 2);
        w.emit(O::kListAt);
        w.emit(O::kAddInt);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kConst, kb);
        w.emit(O::kIndexMap);
        w.emit(O::kAddInt);
        w.emit(O::kConstInt, 20);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kInList, t.t_int);
        const uint32_t skip = w.emitJump(O::kJumpIfFalse);
        w.emit(O::kConstInt, 1000);
        w.emit(O::kAddInt);
        w.patchJumpHere(skip);
        w.emit(O::kLoadLocal, 1);
        w.emit(O::kConst, s1);
        w.emit(O::kIndexMap);
        const uint32_t none = w.emitJump(O::kJumpIfNone);
        w.emit(O::kReturn);
        w.patchJumpHere(none);
        w.emit(O::kPop);
        w.emit(O::kReturn);
      });
  const FunctionId out_of_range =
      t.function("test.oor", {}, t.t_int, {}, [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 10);
        w.emit(O::kMakeList, t.t_int_list, 1);
        w.setLine(7);
        w.emit(O::kConstInt, -1);
        w.emit(O::kIndexList);
        w.emit(O::kReturn);
      });
  const FunctionId at_end = t.function("test.at", {}, t.t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kMakeList, t.t_int_list, 0);
    w.setLine(9);
    w.emit(O::kConstInt, 0);
    w.emit(O::kListAt);
    w.emit(O::kReturn);
  });
  const auto program = t.program();
  EXPECT_EQ(completedValue(runFunction(program, field)).asString(), "north");
  EXPECT_EQ(completedValue(runFunction(program, lists)).asInt(), 20 + 3 + 30 + 7 + 1000);
  const Failure f = failureOf(runFunction(program, out_of_range));
  EXPECT_EQ(f.text(), "runtime: index -1 is out of range for a list of 1 item (test.rflow:7)");
  EXPECT_EQ(failureOf(runFunction(program, at_end)).text(),
            "runtime: index 0 is out of range for a list of 0 items (test.rflow:9)");
}

TEST(VmErrors, FailIsCaughtByTryAndGivesAnErrorRecord) {
  TestModule t;
  const ConstantId boom = t.str("boom");
  // try { fail "boom" } catch err { return err.kind + ":" + err.message }
  const FunctionId f =
      t.function("test.try", {}, t.t_string, {t.t_error}, [&](InstructionWriter& w) {
        w.emit(O::kConstInt, 5);  // below the try: survives the cut
        w.emit(O::kPop);
        const uint32_t handler = w.emitJump(O::kTryBegin);
        w.emit(O::kConstInt, 1);  // above the try's depth: cut away
        w.emit(O::kConst, boom);
        w.emit(O::kFail);
        w.patchJumpHere(handler);
        w.emit(O::kStoreLocal, 0);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, 0);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, 1);
        w.emit(O::kConcat);
        w.emit(O::kReturn);
      });
  // TryBegin; TryEnd; then fail: the handler is gone, the instance fails on line 3.
  const FunctionId after = t.function("test.after", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.emit(O::kTryEnd);
    w.setLine(3);
    w.emit(O::kConst, boom);
    w.emit(O::kFail);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  // fn inner() fails; the caller's handler catches it: frames unwind.
  const FunctionId inner =
      t.function("test.inner", {t.t_int}, t.t_int, {t.t_int}, [&](InstructionWriter& w) {
        w.emit(O::kConst, boom);
        w.emit(O::kFail);
      });
  const FunctionId outer = t.function("test.outer", {}, t.t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kConstInt, 100);
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kCall, inner);
    w.emit(O::kTryEnd);
    w.emit(O::kReturn);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kConstInt, 1);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  });
  // A runtime error inside try is not caught.
  const FunctionId runtime = t.function("test.rt", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.setLine(12);
    w.emit(O::kConstInt, 1);
    w.emit(O::kConstInt, 0);
    w.emit(O::kDivInt);
    w.emit(O::kReturn);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kConstInt, -1);
    w.emit(O::kReturn);
  });
  // `return` inside try, then a fail in the caller: the returned frame's handler is gone.
  const FunctionId returns = t.function("test.returns", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kConstInt, 2);
    w.emit(O::kReturn);
  });
  const FunctionId caller = t.function("test.caller", {}, t.t_int, {}, [&](InstructionWriter& w) {
    w.emit(O::kCall, returns);
    w.emit(O::kPop);
    w.setLine(20);
    w.emit(O::kConst, boom);
    w.emit(O::kFail);
  });
  const auto program = t.program();
  EXPECT_EQ(completedValue(runFunction(program, f)).asString(), "failboom");
  EXPECT_EQ(failureOf(runFunction(program, after)).text(), "fail: boom (test.rflow:3)");
  EXPECT_EQ(completedValue(runFunction(program, outer)).asInt(), 101);
  EXPECT_EQ(failureOf(runFunction(program, runtime)).text(),
            "runtime: division by zero (test.rflow:12)");
  EXPECT_EQ(failureOf(runFunction(program, caller)).text(), "fail: boom (test.rflow:20)");
}

TEST(VmErrors, CorruptModulesFailInsteadOfCrashing) {
  // Tags the verifier cannot see: AddInt on a string, GetField past a record's fields,
  // JumpIfFalse on an int, TryEnd without TryBegin, EndBranch outside a branch.
  const auto corrupt = [](const std::function<void(TestModule&, InstructionWriter&)>& body) {
    TestModule t;
    return failureOf(runBody(t, {}, t.t_int, {}, [&](InstructionWriter& w) { body(t, w); }));
  };
  Failure f = corrupt([](TestModule& t, InstructionWriter& w) {
    w.emit(O::kConst, t.str("x"));
    w.emit(O::kConstInt, 1);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.kind, "runtime");
  EXPECT_EQ(f.message, "the module is corrupt: AddInt needs two ints");
  f = corrupt([](TestModule& t, InstructionWriter& w) {
    w.emit(O::kConst, t.str("x"));
    w.emit(O::kConst, t.str("y"));
    w.emit(O::kMakeRecord, t.t_error);
    w.emit(O::kGetField, 4);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.message, "the module is corrupt: GetField needs a record with that field");
  f = corrupt([](TestModule&, InstructionWriter& w) {
    w.emit(O::kConstInt, 1);
    const uint32_t j = w.emitJump(O::kJumpIfFalse);
    w.patchJumpHere(j);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.message, "the module is corrupt: a conditional jump needs a bool");
  f = corrupt([](TestModule&, InstructionWriter& w) {
    w.emit(O::kTryEnd);
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.message, "the module is corrupt: TryEnd without a TryBegin in its frame");
  f = corrupt([](TestModule&, InstructionWriter& w) { w.emit(O::kEndBranch); });
  EXPECT_EQ(f.message, "the module is corrupt: EndBranch outside a parallel branch");
  f = corrupt([](TestModule& t, InstructionWriter& w) {
    w.emit(O::kConst, t.str("x"));
    w.emit(O::kCallNative, 16, 1);  // AbsInt
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.message, "the module is corrupt: native abs cannot take (string)");
  // A handler whose stack was popped below its TryBegin depth.
  f = corrupt([](TestModule& t, InstructionWriter& w) {
    w.emit(O::kConstInt, 1);
    const uint32_t handler = w.emitJump(O::kTryBegin);
    w.emit(O::kPop);
    w.emit(O::kConst, t.str("x"));
    w.emit(O::kFail);
    w.patchJumpHere(handler);
    w.emit(O::kPop);
    w.emit(O::kReturn);
  });
  EXPECT_EQ(f.message, "the module is corrupt: the stack is below its depth at TryBegin");
}

TEST(VmErrors, TryNeedsTheErrorRecord) {
  // A module without rflow.Error cannot catch: its try handler fails as corrupt.
  bytecode::testing::ModuleBuilder b;
  bytecode::Module& m = b.module();
  m.files.push_back({b.str("x.rflow"), b.str("x")});
  const TypeId t_int = b.type(TypeTag::kInt);
  const TypeId t_string = b.type(TypeTag::kString);
  const ConstantId boom = b.constant(t_string, b.str("boom"));
  bytecode::Function f;
  f.name = b.str("x.f");
  f.result = t_int;
  f.max_stack = 2;
  InstructionWriter w;
  w.setLine(4);
  const uint32_t handler = w.emitJump(O::kTryBegin);
  w.emit(O::kConst, boom);
  w.emit(O::kFail);
  w.patchJumpHere(handler);
  w.emit(O::kReturn);
  w.finish(f);
  m.functions.push_back(f);
  auto loaded = Program::load(m);
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const Program>>(loaded));
  const auto program = std::get<std::shared_ptr<const Program>>(loaded);
  EXPECT_EQ(
      failureOf(runFunction(program, 0)).text(),
      "runtime: the module is corrupt: a try handler needs the rflow.Error record (x.rflow:4)");
}

TEST(VmProgram, RefusesAModuleThatDoesNotVerify) {
  bytecode::Module m = bytecode::testing::oneFunctionModule();
  m.functions[0].max_stack = 0;
  const auto loaded = Program::load(m);
  ASSERT_TRUE(std::holds_alternative<std::string>(loaded));
  EXPECT_NE(std::get<std::string>(loaded).find("the module does not verify"), std::string::npos);
}

}  // namespace
}  // namespace rflow::vm::testing

namespace rflow::vm::testing {
namespace {

// sum(n): s = 0; i = 0; while i < n { s = s + xs[i % 3]; i = i + 1 }; return s < 5 ? -1 : s
// with xs = [10, 20, 30]: the sequences the quickened code fuses (quicken.h), inside a
// loop and at the loop's exit. 19 + 17 n instructions.
FunctionId quickenedLoop(TestModule& t) {
  return t.function("test.sum", {t.t_int}, t.t_int, {t.t_int_list, t.t_int, t.t_int},
                    [&](InstructionWriter& w) {
                      w.setLine(1);
                      w.emit(O::kConstInt, 10);
                      w.emit(O::kConstInt, 20);
                      w.emit(O::kConstInt, 30);
                      w.emit(O::kMakeList, t.t_int_list, 3);
                      w.emit(O::kStoreLocal, 1);
                      w.emit(O::kConstInt, 0);
                      w.emit(O::kStoreLocal, 2);
                      w.emit(O::kConstInt, 0);
                      w.emit(O::kStoreLocal, 3);
                      const uint32_t head = w.offset();
                      w.emit(O::kLoadLocal, 3);
                      w.emit(O::kLoadLocal, 0);
                      w.emit(O::kLtInt);
                      const uint32_t exit = w.emitJump(O::kJumpIfFalse);
                      w.setLine(2);
                      w.emit(O::kLoadLocal, 2);
                      w.emit(O::kLoadLocal, 1);
                      w.emit(O::kLoadLocal, 3);
                      w.emit(O::kConstInt, 3);
                      w.emit(O::kRemInt);
                      w.emit(O::kIndexList);
                      w.emit(O::kAddInt);
                      w.emit(O::kStoreLocal, 2);
                      w.emit(O::kLoadLocal, 3);
                      w.emit(O::kConstInt, 1);
                      w.emit(O::kAddInt);
                      w.emit(O::kStoreLocal, 3);
                      w.emitJumpTo(O::kJump, head);
                      w.patchJumpHere(exit);
                      w.setLine(3);
                      w.emit(O::kLoadLocal, 2);
                      w.emit(O::kConstInt, 5);
                      w.emit(O::kLtInt);
                      const uint32_t big = w.emitJump(O::kJumpIfFalse);
                      w.emit(O::kConstInt, -1);
                      w.emit(O::kReturn);
                      w.patchJumpHere(big);
                      w.emit(O::kLoadLocal, 2);
                      w.emit(O::kReturn);
                    });
}

TEST(VmQuickened, FusedSequencesComputeWhatTheirInstructionsDo) {
  TestModule t;
  const FunctionId f = quickenedLoop(t);
  const auto program = t.program();
  EXPECT_EQ(completedValue(runFunction(program, f, {Value::integer(7)})).asInt(), 130);
  EXPECT_EQ(completedValue(runFunction(program, f, {Value::integer(0)})).asInt(), -1);
}

TEST(VmQuickened, TheBudgetCountsEveryInstructionOfAFusedSequence) {
  TestModule t;
  const FunctionId f = quickenedLoop(t);
  const auto program = t.program();
  for (const int64_t n : {0, 1, 7, 100}) {
    EXPECT_EQ(
        exactBudgetProblem(program, f, {Value::integer(n)}, 19 + 17 * static_cast<uint64_t>(n)), "")
        << n;
  }
}

// route(c) for c: {amount: money, tier: string}: a decision's rules as codegen writes
// them, which quickening fuses (LoadLocal; GetField; Const; LeMoney; JumpIfFalse, the same
// with Eq/Ne, and Const; Return). 1: amount <= 50 USD; 2: amount <= 500 USD and tier !=
// "gold"; 3: tier == "gold"; else 4.
struct RouteModule {
  TestModule t;
  TypeId t_claim = 0;
  FunctionId route = 0;
  RouteModule() {
    const uint32_t claim = t.record("test.Claim", {{"amount", t.t_money}, {"tier", t.t_string}});
    t_claim = t.b.record(claim);
    const ConstantId fifty = t.money("50.00", "USD"), five_hundred = t.money("500", "USD"),
                     gold = t.str("gold");
    const ConstantId r[4] = {t.integer(1), t.integer(2), t.integer(3), t.integer(4)};
    route = t.function("test.route", {t_claim}, t.t_int, {}, [&](InstructionWriter& w) {
      w.setLine(1);
      const auto rule = [&](O field_op, uint16_t field, ConstantId k, O cmp, ConstantId result) {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, field);
        w.emit(O::kConst, k);
        if (cmp == O::kEq || cmp == O::kNe) {
          w.emit(cmp, t.t_string);
        } else {
          w.emit(cmp);
        }
        const uint32_t next = w.emitJump(field_op);
        w.emit(O::kConst, result);
        w.emit(O::kReturn);
        w.patchJumpHere(next);
      };
      rule(O::kJumpIfFalse, 0, fifty, O::kLeMoney, r[0]);
      {
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, 0);
        w.emit(O::kConst, five_hundred);
        w.emit(O::kLeMoney);
        const uint32_t next = w.emitJump(O::kJumpIfFalse);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kGetField, 1);
        w.emit(O::kConst, gold);
        w.emit(O::kEq, t.t_string);
        const uint32_t next2 = w.emitJump(O::kJumpIfTrue);
        w.emit(O::kConst, r[1]);
        w.emit(O::kReturn);
        w.patchJumpHere(next);
        w.patchJumpHere(next2);
      }
      rule(O::kJumpIfFalse, 1, gold, O::kEq, r[2]);
      w.emit(O::kConst, r[3]);
      w.emit(O::kReturn);
    });
  }
  Value claim(std::string_view amount, std::string_view code, std::string_view tier) {
    return Value::record(t.m().types[t_claim].decl, {money(amount, code), str(tier)});
  }
};

TEST(VmQuickened, FieldTestsAgainstConstantsDecideLikeTheirInstructions) {
  RouteModule r;
  const auto program = r.t.program();
  const auto route = [&](std::string_view amount, std::string_view tier) {
    return completedValue(runFunction(program, r.route, {r.claim(amount, "USD", tier)})).asInt();
  };
  EXPECT_EQ(route("50.00", "gold"), 1);
  EXPECT_EQ(route("50.01", "silver"), 2);
  EXPECT_EQ(route("500", "gold"), 3);
  EXPECT_EQ(route("500.01", "gold"), 3);
  EXPECT_EQ(route("500.01", "silver"), 4);
  // A currency mismatch fails at the compare, naming both currencies.
  const Failure f = failureOf(runFunction(program, r.route, {r.claim("1", "EUR", "gold")}));
  EXPECT_NE(f.message.find("EUR"), std::string::npos) << f.message;
  EXPECT_EQ(f.line, 1u);
}

TEST(VmQuickened, FieldTestsCountEveryInstructionAgainstTheBudget) {
  RouteModule r;
  const auto program = r.t.program();
  // (amount, tier, instructions), five per test and two for Const; Return: rule 1 returns
  // after 5 + 2, rule 2 after 5 + 10 + 2, rule 3 after 5 + 10 + 7, the else after
  // 5 + 5 + 5 + 2 (rule 2's first test fails and skips its second).
  const struct {
    const char* amount;
    const char* tier;
    uint64_t instructions;
  } cases[] = {{"1", "x", 7}, {"100", "x", 17}, {"100", "gold", 22}, {"900", "x", 17}};
  for (const auto& c : cases) {
    EXPECT_EQ(
        exactBudgetProblem(program, r.route, {r.claim(c.amount, "USD", c.tier)}, c.instructions),
        "")
        << c.amount << " " << c.tier;
  }
}

}  // namespace
}  // namespace rflow::vm::testing

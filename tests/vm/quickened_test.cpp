// Quickened instructions (vm/quicken.h): every line of fused.def, assembled from its
// sequence, quickens to its instruction; and those with one value per comparison: a
// loop's int test, against a local or an inline int; the back jump that runs the test at
// once (kJumpIntTest); `i = i + k` closing the loop (kAddLocalIntStoreLoop); and a
// decision rule's test of a money field against a constant. Each must decide, count
// against the budget and fail exactly like the instructions it stands for, and quickening
// must change nothing but the first byte of each sequence.
#include <gtest/gtest.h>

#include <limits>

#include "vm/quicken.h"
#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using O = Opcode;
using detail::Fused;
using detail::FusedInfo;
using detail::kFused;

// Code made of the instructions a fused instruction stands for, alternative `pick`
// (modulo their number) of each step, operands 0 but for the jumps, what runs at a jump's
// target after everything in place; with the pcs where it and the fused instructions its
// sequence names start, each with the value expected there.
struct Assembly {
  std::vector<uint8_t> code;
  std::vector<std::pair<size_t, uint8_t>> expected;
  std::vector<std::pair<size_t, const detail::FusedStep*>> targets;  // (Jump's pc, step)

  void append(const detail::FusedStep& step, size_t pick) {
    const uint8_t chosen = step.alternatives[pick % step.count];
    if (step.fused) {
      inPlace(*detail::fusedInfo(chosen), pick);
    } else {
      code.push_back(chosen);
      code.resize(code.size() + step.length - 1, 0);
    }
  }
  void inPlace(const FusedInfo& f, size_t pick) {
    expected.emplace_back(code.size(), f.value);
    size_t jump = 0;
    for (size_t i = 0; i < f.step_count; ++i) {
      if (f.steps[i].at_target) {
        targets.emplace_back(jump, &f.steps[i]);
      } else {
        jump = code.size();
        append(f.steps[i], pick);
      }
    }
  }
};

Assembly assemble(const FusedInfo& f, size_t pick) {
  Assembly a;
  a.inPlace(f, pick);
  for (size_t i = 0; i < a.targets.size(); ++i) {  // placing a target may add targets
    const auto [jump, step] = a.targets[i];
    const auto offset = static_cast<uint32_t>(a.code.size() - (jump + 5));
    for (size_t k = 0; k < 4; ++k)
      a.code[jump + 1 + k] = static_cast<uint8_t>(offset >> (8 * k));
    a.append(*step, pick);
  }
  return a;
}

TEST(VmFusedTable, EverySequenceQuickensToItsInstruction) {
  for (const FusedInfo& f : kFused) {
    for (size_t pick = 0; pick < detail::kMaxFusedAlternatives; ++pick) {
      const Assembly a = assemble(f, pick);
      const std::vector<uint8_t>& code = a.code;
      const std::vector<uint8_t> quick = detail::quicken(code);
      ASSERT_EQ(quick.size(), code.size());
      for (const auto& [at, value] : a.expected)
        EXPECT_EQ(quick[at], value)
            << f.name << " (" << f.sequence << "), pick " << pick << ": byte " << at << " is "
            << (detail::fusedInfo(quick[at]) ? detail::fusedInfo(quick[at])->name
                                             : "no fused instruction");
      // Only the first byte of an instruction may change.
      for (uint32_t at = 0; at < code.size();) {
        const auto in = bytecode::decodeInstruction(code, at);
        ASSERT_TRUE(in) << f.name << " at " << at;
        for (uint32_t k = 1; k < in->size; ++k)
          EXPECT_EQ(quick[at + k], code[at + k]) << f.name << " at " << at + k;
        at += in->size;
      }
    }
  }
}

TEST(VmFusedTable, TheLongestSequenceWinsOverItsPrefix) {
  // LoadLocal; GetField alone is kLocalField; with a money test after it, the field test.
  std::vector<uint8_t> code = assemble(detail::fusedInfo(Fused::kFieldGtMoneyConstJump), 0).code;
  EXPECT_EQ(detail::quicken(code)[0], static_cast<uint8_t>(Fused::kFieldGtMoneyConstJump));
  code.resize(detail::kFusedLength<Fused::kLocalField>);
  code.push_back(static_cast<uint8_t>(O::kReturn));
  EXPECT_EQ(detail::quicken(code)[0], static_cast<uint8_t>(Fused::kLocalField));
}

TEST(VmFusedTable, AJumpToItselfIsNoLoopTest) {
  // Jump -5 lands on itself, which is no int test; quickening must stop there.
  const std::vector<uint8_t> code = {static_cast<uint8_t>(O::kJump), 0xFB, 0xFF, 0xFF, 0xFF};
  EXPECT_EQ(detail::quicken(code), code);
}

TEST(VmFusedTable, TheBudgetCoversTheLongestFusedInstruction) {
  // `i = i + k` closing a loop: its four, the Jump and the test's four.
  EXPECT_EQ(detail::kMaxFusedInstructions, 9u);
  EXPECT_EQ(detail::kFusedBudget<Fused::kAddLocalIntStoreLoop>, 9u);
  for (const FusedInfo& f : kFused)
    EXPECT_LE(f.budget, detail::kMaxFusedInstructions) << f.name;
}

// count(n, i): c = 0; while i CMP BOUND { c = c + 1 (line 2); i = i + step (line 3) };
// return c, where BOUND is n (a local) or `constant` (an inline int). 8 + 13 × turns
// instructions.
struct CountingLoop {
  TestModule t;
  FunctionId f = 0;
  uint32_t head = 0, jump = 0, step_at = 0;  // pcs of the test, the back Jump, i + step

  CountingLoop(O cmp, bool against_local, int32_t constant, int32_t step) {
    f = t.function("test.count", {t.t_int, t.t_int}, t.t_int, {t.t_int}, [&](InstructionWriter& w) {
      w.setLine(1);
      w.emit(O::kConstInt, 0);
      w.emit(O::kStoreLocal, 2);
      head = w.offset();
      w.emit(O::kLoadLocal, 1);
      if (against_local) {
        w.emit(O::kLoadLocal, 0);
      } else {
        w.emit(O::kConstInt, constant);
      }
      w.emit(cmp);
      const uint32_t exit = w.emitJump(O::kJumpIfFalse);
      w.setLine(2);
      w.emit(O::kLoadLocal, 2);
      w.emit(O::kConstInt, 1);
      w.emit(O::kAddInt);
      w.emit(O::kStoreLocal, 2);
      w.setLine(3);
      step_at = w.offset();
      w.emit(O::kLoadLocal, 1);
      w.emit(O::kConstInt, step);
      w.emit(O::kAddInt);
      w.emit(O::kStoreLocal, 1);
      jump = w.offset();
      w.emitJumpTo(O::kJump, head);
      w.patchJumpHere(exit);
      w.setLine(4);
      w.emit(O::kLoadLocal, 2);
      w.emit(O::kReturn);
    });
  }
};

constexpr O kCompares[] = {O::kLtInt, O::kLeInt, O::kGtInt, O::kGeInt};

bool holds(O cmp, int64_t a, int64_t b) {
  switch (cmp) {
    case O::kLtInt:
      return a < b;
    case O::kLeInt:
      return a <= b;
    case O::kGtInt:
      return a > b;
    default:
      return a >= b;
  }
}

// Turns of the loop, computed here.
int64_t turns(O cmp, int64_t i, int64_t bound, int64_t step) {
  int64_t c = 0;
  for (; holds(cmp, i, bound); i += step)
    ++c;
  return c;
}

TEST(VmQuickenedLoop, OnlyTheFirstByteOfEachSequenceChanges) {
  for (const bool against_local : {true, false}) {
    for (size_t which = 0; which < std::size(kCompares); ++which) {
      CountingLoop loop(kCompares[which], against_local, 5, 1);
      const std::vector<uint8_t>& code = loop.t.m().functions[loop.f].code;
      const std::vector<uint8_t> quick = detail::quicken(code);
      ASSERT_EQ(quick.size(), code.size());
      const auto first = against_local ? Fused::kLtLocalsJump : Fused::kLtLocalIntJump;
      EXPECT_EQ(quick[loop.head], static_cast<uint8_t>(first) + which);
      EXPECT_EQ(quick[loop.jump], static_cast<uint8_t>(Fused::kJumpIntTest));
      EXPECT_EQ(quick[loop.step_at], static_cast<uint8_t>(Fused::kAddLocalIntStoreLoop));
      // c = c + 1 is followed by another instruction, not the back jump.
      const size_t body = loop.head + detail::fusedInfo(first).length;
      EXPECT_EQ(quick[body], static_cast<uint8_t>(Fused::kAddLocalIntStore));
      for (size_t at = 0; at < code.size(); ++at) {
        if (at == loop.head || at == loop.jump || at == loop.step_at || at == body) continue;
        EXPECT_EQ(quick[at], code[at]) << "byte " << at;
      }
    }
  }
}

TEST(VmQuickenedLoop, EveryComparisonDecidesLikeItsInstructions) {
  for (const bool against_local : {true, false}) {
    for (const O cmp : kCompares) {
      const bool up = cmp == O::kLtInt || cmp == O::kLeInt;
      const int32_t step = up ? 1 : -1;
      CountingLoop loop(cmp, against_local, 7, step);
      const auto program = loop.t.program();
      for (const int64_t start : {-3, 0, 6, 7, 8, 20}) {
        const int64_t bound = 7;  // n, or the inline constant
        const Value c = completedValue(
            runFunction(program, loop.f, {Value::integer(bound), Value::integer(start)}));
        EXPECT_EQ(c.asInt(), turns(cmp, start, bound, step))
            << static_cast<int>(cmp) << " from " << start << (against_local ? " local" : " const");
      }
    }
  }
}

TEST(VmQuickenedLoop, TheBudgetCountsEveryInstruction) {
  // Up to and across the point where the budget falls below kMaxFusedInstructions and the
  // module's own code runs on.
  for (const bool against_local : {true, false}) {
    CountingLoop loop(O::kLtInt, against_local, 10, 1);
    const auto program = loop.t.program();
    for (const int64_t start : {10, 9, 5, 0}) {
      EXPECT_EQ(exactBudgetProblem(program, loop.f, {Value::integer(10), Value::integer(start)},
                                   8 + 13 * static_cast<uint64_t>(10 - start)),
                "")
          << start;
    }
  }
}

TEST(VmQuickenedLoop, OverflowFailsOnTheLineOfTheAddition) {
  // i <= n always holds for n = max: i + 1 overflows on the second turn, on line 3.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  CountingLoop loop(O::kLeInt, true, 0, 1);
  const auto program = loop.t.program();
  const Failure f =
      failureOf(runFunction(program, loop.f, {Value::integer(kMax), Value::integer(kMax - 1)}));
  EXPECT_EQ(f.kind, "runtime");
  EXPECT_EQ(f.message, "the result is too large for a 64-bit int");
  EXPECT_EQ(f.line, 3u);
}

// sum(n): s = 0; i = 0; while i < n { s = s + i (line 2); i = i + 1 (line 3) }; return s,
// bench_vm's int_loop: the body's addition of two locals runs the loop's closing
// statement, back jump and test without a dispatch. 10 + 13 × n instructions.
FunctionId sumLoop(TestModule& t) {
  return t.function("test.sum", {t.t_int}, t.t_int, {t.t_int, t.t_int}, [&](InstructionWriter& w) {
    w.setLine(1);
    w.emit(O::kConstInt, 0);
    w.emit(O::kStoreLocal, 1);
    w.emit(O::kConstInt, 0);
    w.emit(O::kStoreLocal, 2);
    const uint32_t head = w.offset();
    w.emit(O::kLoadLocal, 2);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kLtInt);
    const uint32_t exit = w.emitJump(O::kJumpIfFalse);
    w.setLine(2);
    w.emit(O::kLoadLocal, 1);
    w.emit(O::kLoadLocal, 2);
    w.emit(O::kAddInt);
    w.emit(O::kStoreLocal, 1);
    w.setLine(3);
    w.emit(O::kLoadLocal, 2);
    w.emit(O::kConstInt, 1);
    w.emit(O::kAddInt);
    w.emit(O::kStoreLocal, 2);
    w.emitJumpTo(O::kJump, head);
    w.patchJumpHere(exit);
    w.setLine(4);
    w.emit(O::kLoadLocal, 1);
    w.emit(O::kReturn);
  });
}

TEST(VmQuickenedLoop, ASumLoopCountsAndFailsLikeItsInstructions) {
  TestModule t;
  const FunctionId f = sumLoop(t);
  const auto program = t.program();
  for (const int64_t n : {0, 1, 2, 7, 100}) {
    EXPECT_EQ(completedValue(runFunction(program, f, {Value::integer(n)})).asInt(),
              n * (n - 1) / 2);
    EXPECT_EQ(
        exactBudgetProblem(program, f, {Value::integer(n)}, 10 + 13 * static_cast<uint64_t>(n)), "")
        << n;
  }
}

// rule(c: {amount: money}): 1 if c.amount CMP 100.00 USD else 2, as a decision's rule.
struct MoneyRule {
  TestModule t;
  TypeId t_claim = 0;
  FunctionId f = 0;

  explicit MoneyRule(O cmp) {
    t_claim = t.b.record(t.record("test.Claim", {{"amount", t.t_money}}));
    const ConstantId hundred = t.money("100.00", "USD"), one = t.integer(1), two = t.integer(2);
    f = t.function("test.rule", {t_claim}, t.t_int, {}, [&](InstructionWriter& w) {
      w.setLine(1);
      w.emit(O::kLoadLocal, 0);
      w.emit(O::kGetField, 0);
      w.emit(O::kConst, hundred);
      w.emit(cmp);
      const uint32_t next = w.emitJump(O::kJumpIfFalse);
      w.emit(O::kConst, one);
      w.emit(O::kReturn);
      w.patchJumpHere(next);
      w.setLine(2);
      w.emit(O::kConst, two);
      w.emit(O::kReturn);
    });
  }
  Value claim(std::string_view amount, std::string_view code) {
    return Value::record(t.m().types[t_claim].decl, {money(amount, code)});
  }
};

constexpr O kMoneyCompares[] = {O::kLtMoney, O::kLeMoney, O::kGtMoney, O::kGeMoney};

TEST(VmQuickenedMoneyField, EveryComparisonDecidesLikeItsInstructions) {
  // (amount, <, <=, >, >=) against 100.00 USD; 100 and 100.000 are the same amount.
  const struct {
    const char* amount;
    bool holds[4];
  } cases[] = {{"99.99", {true, true, false, false}},
               {"100", {false, true, false, true}},
               {"100.000", {false, true, false, true}},
               {"100.01", {false, false, true, true}},
               {"-500", {true, true, false, false}}};
  for (size_t which = 0; which < std::size(kMoneyCompares); ++which) {
    MoneyRule rule(kMoneyCompares[which]);
    const std::vector<uint8_t>& code = rule.t.m().functions[rule.f].code;
    EXPECT_EQ(detail::quicken(code)[0],
              static_cast<uint8_t>(Fused::kFieldLtMoneyConstJump) + which);
    const auto program = rule.t.program();
    for (const auto& c : cases) {
      const Value r = completedValue(runFunction(program, rule.f, {rule.claim(c.amount, "USD")}));
      EXPECT_EQ(r.asInt(), c.holds[which] ? 1 : 2) << which << " " << c.amount;
    }
  }
}

TEST(VmQuickenedMoneyField, ACurrencyMismatchFailsAtTheCompare) {
  MoneyRule rule(O::kLeMoney);
  const auto program = rule.t.program();
  const Failure f = failureOf(runFunction(program, rule.f, {rule.claim("1", "EUR")}));
  EXPECT_EQ(f.kind, "runtime");
  EXPECT_NE(f.message.find("EUR"), std::string::npos) << f.message;
  EXPECT_NE(f.message.find("USD"), std::string::npos) << f.message;
  EXPECT_EQ(f.line, 1u);
}

}  // namespace
}  // namespace rflow::vm::testing

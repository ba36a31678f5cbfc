// The limits of vm/limits.h and Options: each is enforced with a clear runtime error
// that names the line, and the interpreter neither hangs nor exhausts the C++ stack.
#include "vm/limits.h"

#include <gtest/gtest.h>

#include "vm_test_util.h"

namespace rflow::vm::testing {
namespace {

using O = Opcode;

// fn down(n) = if n == 0 then 0 else down(n - 1)
FunctionId countdown(TestModule& t) {
  const auto self = static_cast<FunctionId>(t.m().functions.size());
  return t.function("test.down", {t.t_int}, t.t_int, {}, [&, self](InstructionWriter& w) {
    w.setLine(3);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 0);
    w.emit(O::kEq, t.t_int);
    const uint32_t recurse = w.emitJump(O::kJumpIfFalse);
    w.emit(O::kConstInt, 0);
    w.emit(O::kReturn);
    w.patchJumpHere(recurse);
    w.setLine(4);
    w.emit(O::kLoadLocal, 0);
    w.emit(O::kConstInt, 1);
    w.emit(O::kSubInt);
    w.emit(O::kCall, self);
    w.emit(O::kReturn);
  });
}

TEST(VmLimits, CallDepth) {
  TestModule t;
  const FunctionId down = countdown(t);
  const auto program = t.program();
  // The first frame counts: depth 10,000 is the deepest allowed.
  EXPECT_EQ(completedValue(runFunction(program, down, {Value::integer(kDefaultMaxCallDepth - 1)}))
                .asInt(),
            0);
  const Failure f = failureOf(runFunction(program, down, {Value::integer(kDefaultMaxCallDepth)}));
  EXPECT_EQ(f.text(),
            "runtime: the call depth is above 10000 (a recursion that does not end?) "
            "(test.rflow:4)");
  Options small;
  small.max_call_depth = 10;
  EXPECT_EQ(completedValue(runFunction(program, down, {Value::integer(9)}, small)).asInt(), 0);
  EXPECT_EQ(failureOf(runFunction(program, down, {Value::integer(10)}, small)).message,
            "the call depth is above 10 (a recursion that does not end?)");
}

TEST(VmLimits, InstructionBudgetStopsALoopThatNeverEnds) {
  TestModule t;
  const FunctionId loop = t.function("test.loop", {}, t.t_int, {}, [](InstructionWriter& w) {
    w.setLine(2);
    const uint32_t head = w.offset();
    w.emit(O::kNop);
    w.emitJumpTo(O::kJump, head);
  });
  const auto program = t.program();
  Options options;
  options.max_instructions = 1'000'000;
  const Failure f = failureOf(runFunction(program, loop, {}, options));
  EXPECT_EQ(f.text(),
            "runtime: the step ran more than 1000000 instructions without waiting (a loop that "
            "never ends?) (test.rflow:2)");
}

TEST(VmLimits, TheBudgetIsPerStep) {
  // Three connector calls of 10 instructions' work each fit a budget of 20 per run().
  TestModule t;
  const uint32_t op = t.op("get", {}, t.t_int);
  const FunctionId f = t.function("test.W", {}, t.t_int, {}, [&](InstructionWriter& w) {
    for (int i = 0; i < 3; ++i) {
      for (int k = 0; k < 8; ++k)
        w.emit(O::kNop);
      w.emit(O::kCallConnector, op, 0);
      w.emit(O::kPop);
    }
    w.emit(O::kConstInt, 1);
    w.emit(O::kReturn);
  });
  Options options;
  options.max_instructions = 20;
  Instance instance = startOrDie(t.program(), f, {}, options);
  for (int i = 0; i < 3; ++i) {
    (void)waitingOf(instance.run());
    ASSERT_EQ(instance.resume({{0, Value::integer(1)}}), std::nullopt);
  }
  EXPECT_EQ(completedValue(instance.run()).asInt(), 1);
}

TEST(VmLimits, StringsCannotGrowPastTheirLimit) {
  TestModule t;
  const ConstantId seed = t.str(std::string(1 << 20, 'x'));
  // s = s + s until it fails: 1, 2, 4 MiB fit; 8 MiB does not.
  const FunctionId f =
      t.function("test.grow", {}, t.t_int, {t.t_string}, [&](InstructionWriter& w) {
        w.emit(O::kConst, seed);
        w.emit(O::kStoreLocal, 0);
        const uint32_t head = w.offset();
        w.setLine(6);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConcat);
        w.emit(O::kStoreLocal, 0);
        w.emitJumpTo(O::kJump, head);
      });
  const FunctionId interp =
      t.function("test.interp", {}, t.t_string, {}, [&](InstructionWriter& w) {
        for (int i = 0; i < 5; ++i)
          w.emit(O::kConst, seed);
        w.setLine(9);
        w.emit(O::kInterpolate, 5);
        w.emit(O::kReturn);
      });
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, f)).text(),
            "runtime: the text would be 8388608 bytes long, more than 4194304 (test.rflow:6)");
  EXPECT_EQ(failureOf(runFunction(program, interp)).text(),
            "runtime: the text would be 5242880 bytes long, more than 4194304 (test.rflow:9)");
}

TEST(VmLimits, ListsAndNesting) {
  TestModule t;
  // xs = []; while true { xs = append(xs, 1) }
  const FunctionId grow =
      t.function("test.grow", {}, t.t_int, {t.t_int_list}, [&](InstructionWriter& w) {
        w.emit(O::kMakeList, t.t_int_list, 0);
        w.emit(O::kStoreLocal, 0);
        const uint32_t head = w.offset();
        w.setLine(5);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kConstInt, 1);
        w.emit(O::kCallNative, 13, 2);  // Append
        w.emit(O::kStoreLocal, 0);
        w.emitJumpTo(O::kJump, head);
      });
  // v = none; while true { v = [v] }: nesting grows until the depth limit.
  const TypeId t_any_list = t.b.list(t.t_int_opt);
  const FunctionId nest =
      t.function("test.nest", {}, t.t_int, {t.t_int_opt}, [&](InstructionWriter& w) {
        const uint32_t head = w.offset();
        w.setLine(8);
        w.emit(O::kLoadLocal, 0);
        w.emit(O::kMakeList, t_any_list, 1);
        w.emit(O::kStoreLocal, 0);
        w.emitJumpTo(O::kJump, head);
      });
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, grow)).text(),
            "runtime: append: a list holds at most 1048576 items (test.rflow:5)");
  EXPECT_EQ(failureOf(runFunction(program, nest)).text(),
            "runtime: values nest at most 512 levels deep (test.rflow:8)");
}

TEST(VmLimits, ParallelBranches) {
  TestModule t;
  // Fork in a loop: branch after branch, never joined.
  const FunctionId forks = t.function("test.forks", {}, t.t_int, {}, [&](InstructionWriter& w) {
    const uint32_t head = w.offset();
    w.setLine(2);
    const uint32_t fork = w.emitJump(O::kFork);
    w.emitJumpTo(O::kJump, head);
    w.patchJumpHere(fork);
    w.emit(O::kEndBranch);
  });
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, forks)).text(),
            "runtime: more than 10000 parallel branches at once (test.rflow:2)");
}

TEST(VmLimits, StackSlots) {
  TestModule t;
  // A recursive function with 60,000 locals: each frame holds them, so about 35 frames
  // reach the slot limit long before the call depth limit.
  const auto self = static_cast<FunctionId>(t.m().functions.size());
  const FunctionId big = t.function("test.big", {}, t.t_int, std::vector<TypeId>(60'000, t.t_int),
                                    [&](InstructionWriter& w) {
                                      w.setLine(7);
                                      w.emit(O::kCall, self);
                                      w.emit(O::kReturn);
                                    });
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, big)).text(),
            "runtime: the instance needs more than 2097152 stack slots (test.rflow:7)");
}

TEST(VmLimits, StackSlotsAreCountedForTheWholeInstance) {
  TestModule t;
  // Eight branches of a function whose operand stack may reach 300,000 values: each
  // branch gets its own stack, and the eighth passes the instance's limit.
  const FunctionId f = t.function(
      "test.wide", {}, t.t_int, {},
      [&](InstructionWriter& w) {
        std::vector<uint32_t> forks;
        w.setLine(3);
        for (int i = 0; i < 8; ++i)
          forks.push_back(w.emitJump(O::kFork));
        w.emit(O::kJoin);
        w.emit(O::kConstInt, 1);
        w.emit(O::kReturn);
        for (uint32_t fork : forks) {
          w.patchJumpHere(fork);
          w.emit(O::kEndBranch);
        }
      },
      bytecode::FunctionKind::kFn, 300'000);
  const auto program = t.program();
  EXPECT_EQ(failureOf(runFunction(program, f)).text(),
            "runtime: the instance needs more than 2097152 stack slots (test.rflow:3)");
}

}  // namespace
}  // namespace rflow::vm::testing

// The verifier on hand-made bad modules: code (jumps, stack depth, operands) and tables
// (indices, types, constants, cross references), and stackEffect() for every opcode.
#include <gtest/gtest.h>

#include "../common/files.h"
#include "bytecode/emit.h"
#include "bytecode/verify.h"
#include "bytecode_sample.h"

namespace rflow::bytecode {
namespace {

using O = Opcode;
using testing::oneFunctionModule;
using testing::sampleModule;

const std::string kPrefix = "section `functions` entry 0 (`test.f`): ";

std::string verifyMessage(const Module& m) {
  const std::optional<VerifyError> e = verifyModule(m);
  return e ? e->message : "";
}

// The message for test.f with the code `body` writes.
template <typename Body>
std::string codeError(uint32_t max_stack, Body body, std::vector<TypeId> locals = {}) {
  Module m = oneFunctionModule();
  Function& f = m.functions[0];
  InstructionWriter w;
  w.setLine(1);
  body(w);
  EXPECT_TRUE(w.ok());
  w.finish(f);
  f.max_stack = max_stack;
  f.locals = std::move(locals);
  return verifyMessage(m);
}

std::string rawCodeError(std::vector<uint8_t> code, uint32_t max_stack = 4) {
  Module m = oneFunctionModule();
  m.functions[0].code = std::move(code);
  m.functions[0].max_stack = max_stack;
  return verifyMessage(m);
}

// Some messages are checked by their tail where the head is obvious.
using rflow::test_support::contains;

TEST(BytecodeVerify, SampleModulesAreValid) {
  EXPECT_EQ(verifyMessage(sampleModule()), "");
  EXPECT_EQ(verifyMessage(oneFunctionModule()), "");
  EXPECT_EQ(verifyMessage(Module{}), "");
}

// ---- code ------------------------------------------------------------------------------

TEST(BytecodeVerify, JumpIntoTheMiddleOfAnInstruction) {
  EXPECT_EQ(rawCodeError({0x10, 0xFE, 0xFF, 0xFF, 0xFF}),  // Jump -2: into its own operand
            kPrefix + "at 0000 Jump: the target 0003 is not the start of an instruction");
}

TEST(BytecodeVerify, JumpOutsideTheFunction) {
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        w.emit(O::kConstTrue);
                        w.emit(O::kJumpIfTrue, 100);
                        w.emit(O::kConstInt, 1);
                        w.emit(O::kReturn);
                      }),
            kPrefix +
                "at 0001 JumpIfTrue: the target 106 is outside the function's 12 bytes of "
                "code");
  EXPECT_EQ(rawCodeError({0x10, 0xF0, 0xFF, 0xFF, 0xFF}),
            kPrefix + "at 0000 Jump: the target -11 is outside the function's 5 bytes of code");
}

TEST(BytecodeVerify, TryHandlerMustBeAnInstruction) {
  EXPECT_EQ(rawCodeError({0x19, 0x01, 0, 0, 0, 0x08, 1, 0, 0, 0, 0x17}),
            kPrefix + "at 0000 TryBegin: the target 0006 is not the start of an instruction");
}

TEST(BytecodeVerify, StackUnderflow) {
  EXPECT_EQ(codeError(2,
                      [](InstructionWriter& w) {
                        w.emit(O::kConstInt, 1);
                        w.emit(O::kAddInt);
                        w.emit(O::kReturn);
                      }),
            kPrefix + "at 0005 AddInt: needs 2 values on the stack, but there are 1");
  EXPECT_EQ(codeError(2, [](InstructionWriter& w) { w.emit(O::kReturn); }),
            kPrefix + "at 0000 Return: needs 1 values on the stack, but there are 0");
}

TEST(BytecodeVerify, UnbalancedBranches) {
  // if c { push 1 } push 2: the join sees one value on one path and none on the other.
  EXPECT_EQ(codeError(3,
                      [](InstructionWriter& w) {
                        w.emit(O::kConstTrue);
                        const uint32_t skip = w.emitJump(O::kJumpIfFalse);
                        w.emit(O::kConstInt, 1);
                        w.patchJumpHere(skip);
                        w.emit(O::kConstInt, 2);
                        w.emit(O::kReturn);
                      }),
            kPrefix +
                "at 0006 ConstInt: continues at 0011 with 1 values on the stack, but "
                "another path arrives there with 0");
}

TEST(BytecodeVerify, LoopsMustKeepTheDepth) {
  // A loop body that pushes a value on every turn.
  EXPECT_EQ(codeError(3,
                      [](InstructionWriter& w) {
                        const uint32_t head = w.emit(O::kConstInt, 1);
                        w.emit(O::kConstTrue);
                        w.emitJumpTo(O::kJumpIfTrue, head);
                        w.emit(O::kReturn);
                      }),
            kPrefix +
                "at 0006 JumpIfTrue: jumps to 0000 with 1 values on the stack, but another "
                "path arrives there with 0");
}

TEST(BytecodeVerify, MaxStackIsRespected) {
  const auto body = [](InstructionWriter& w) {
    w.emit(O::kConstInt, 1);
    w.emit(O::kConstInt, 2);
    w.emit(O::kAddInt);
    w.emit(O::kReturn);
  };
  EXPECT_EQ(codeError(2, body), "");
  EXPECT_EQ(codeError(1, body),
            kPrefix + "at 0005 ConstInt: leaves 2 values on the stack, more than max_stack 1");
  EXPECT_EQ(codeError(0, [](InstructionWriter& w) { w.emit(O::kConstNone); }),
            kPrefix + "at 0000 ConstNone: leaves 1 values on the stack, more than max_stack 0");
}

TEST(BytecodeVerify, TryHandlerStartsWithTheErrorOnTheStack) {
  // try { fail "x" } handler: the Error record is the one value; returning it is fine.
  const auto body = [](InstructionWriter& w) {
    const uint32_t try_begin = w.emitJump(O::kTryBegin);
    w.emit(O::kConstInt, 1);
    w.emit(O::kFail);
    w.patchJumpHere(try_begin);
    w.emit(O::kReturn);
  };
  EXPECT_EQ(codeError(1, body), "");
  // The handler finds one value more than the code before TryBegin left.
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        w.emit(O::kConstInt, 1);
                        const uint32_t try_begin = w.emitJump(O::kTryBegin);
                        w.emit(O::kFail);
                        w.patchJumpHere(try_begin);
                        w.emit(O::kReturn);
                      }),
            kPrefix +
                "at 0005 TryBegin: the handler starts with 2 values on the stack, more "
                "than max_stack 1");
  EXPECT_EQ(codeError(2,
                      [](InstructionWriter& w) {
                        const uint32_t try_begin = w.emitJump(O::kTryBegin);
                        w.emit(O::kConstInt, 1);
                        w.emit(O::kTryEnd);
                        w.patchJumpHere(try_begin);  // joins the normal path: 1 vs 1
                        w.emit(O::kReturn);
                      }),
            "");
}

TEST(BytecodeVerify, ParallelBranchesStartAndEndWithAnEmptyStack) {
  // Fork L; Join; ConstNone; Return; L: ConstInt 1; Pop; EndBranch
  const auto body = [](InstructionWriter& w) {
    const uint32_t fork = w.emitJump(O::kFork);
    w.emit(O::kJoin);
    w.emit(O::kConstNone);
    w.emit(O::kReturn);
    w.patchJumpHere(fork);
    w.emit(O::kConstInt, 1);
    w.emit(O::kPop);
    w.emit(O::kEndBranch);
  };
  EXPECT_EQ(codeError(1, body), "");
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        w.emit(O::kConstInt, 1);
                        const uint32_t fork = w.emitJump(O::kFork);
                        w.emit(O::kReturn);
                        w.patchJumpHere(fork);
                        w.emit(O::kEndBranch);
                      }),
            kPrefix +
                "at 0005 Fork: a parallel branch starts and ends with an empty stack, but there "
                "are 1 values on it");
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        const uint32_t fork = w.emitJump(O::kFork);
                        w.emit(O::kConstNone);
                        w.emit(O::kReturn);
                        w.patchJumpHere(fork);
                        w.emit(O::kConstInt, 1);
                        w.emit(O::kEndBranch);
                      }),
            kPrefix +
                "at 0012 EndBranch: a parallel branch starts and ends with an empty stack, but "
                "there are 1 values on it");
}

TEST(BytecodeVerify, LocalOutOfRange) {
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        w.emit(O::kLoadLocal, 0);
                        w.emit(O::kReturn);
                      },
                      {1}),
            "");
  EXPECT_EQ(codeError(1,
                      [](InstructionWriter& w) {
                        w.emit(O::kLoadLocal, 1);
                        w.emit(O::kReturn);
                      }),
            kPrefix +
                "at 0000 LoadLocal: slot 1 is out of range (the function has 0 "
                "parameters and locals)");
  EXPECT_TRUE(contains(codeError(1,
                                 [](InstructionWriter& w) {
                                   w.emit(O::kConstInt, 1);
                                   w.emit(O::kStoreLocal, 3);
                                   w.emit(O::kConstInt, 1);
                                   w.emit(O::kReturn);
                                 },
                                 {1, 1}),
                       "at 0005 StoreLocal: slot 3 is out of range (the function has 2"));
}

TEST(BytecodeVerify, UnknownOpcodeAndTruncatedOperands) {
  EXPECT_EQ(rawCodeError({0x06, 0xEE, 0x17}), kPrefix + "at 0001: byte 0xee is not an opcode");
  EXPECT_EQ(rawCodeError({0x08, 1, 0}),
            kPrefix + "at 0000: the operands of ConstInt run past the end of the code");
}

TEST(BytecodeVerify, FallingOffTheEnd) {
  EXPECT_EQ(codeError(1, [](InstructionWriter& w) { w.emit(O::kNop); }),
            kPrefix +
                "at 0000 Nop: execution runs off the end of the code (a function ends "
                "with Return, Fail or Jump)");
  // A conditional jump as the last instruction falls off on its false path.
  EXPECT_TRUE(contains(codeError(1,
                                 [](InstructionWriter& w) {
                                   const uint32_t head = w.emit(O::kConstTrue);
                                   w.emitJumpTo(O::kJumpIfTrue, head);
                                 }),
                       "JumpIfTrue: execution runs off the end of the code"));
  // Unreachable bytes after a Return are fine as long as they decode.
  EXPECT_EQ(rawCodeError({0x08, 1, 0, 0, 0, 0x17, 0x00}), "");
}

TEST(BytecodeVerify, FunctionShape) {
  Module m = oneFunctionModule();
  m.functions[0].code.clear();
  EXPECT_EQ(verifyMessage(m), kPrefix + "the function has no code");

  m = oneFunctionModule();
  m.functions[0].lines = {};
  EXPECT_EQ(verifyMessage(m), kPrefix + "the line table does not start at pc 0");
  m.functions[0].lines = {{5, 1}};
  EXPECT_EQ(verifyMessage(m), kPrefix + "the line table does not start at pc 0");
  m.functions[0].lines = {{0, 1}, {5, 2}, {5, 3}};
  EXPECT_EQ(verifyMessage(m),
            kPrefix + "the line table is not sorted: entry 2 (pc 5) follows pc 5");
  m.functions[0].lines = {{0, 1}, {3, 2}};
  EXPECT_EQ(verifyMessage(m), kPrefix + "the line table's pc 3 is not the start of an instruction");
  m.functions[0].lines = {{0, 1}, {6, 2}};
  EXPECT_EQ(verifyMessage(m),
            kPrefix + "the line table has pc 6, past the end of the code (6 bytes)");

  m = oneFunctionModule();
  m.functions[0].file = 1;
  EXPECT_EQ(verifyMessage(m), kPrefix + "the file refers to #1, but the module has 1 files");
  m = oneFunctionModule();
  m.functions[0].result = 4;
  EXPECT_EQ(verifyMessage(m), kPrefix + "the result type refers to #4, but the module has 4 types");
  m = oneFunctionModule();
  m.functions[0].locals.assign(kMaxSlots + 1, 1);
  EXPECT_TRUE(contains(verifyMessage(m), "65537 parameters and locals, more than 65536"));
  m = oneFunctionModule();
  m.functions[0].max_stack = kMaxStack + 1;
  EXPECT_TRUE(contains(verifyMessage(m), "max_stack is 1048577, more than 1048576"));
  m = oneFunctionModule();
  m.functions[0].kind = static_cast<FunctionKind>(10);
  EXPECT_EQ(verifyMessage(m), kPrefix + "function kind 10 is not known");
  m = oneFunctionModule();
  m.functions[0].name = 9;
  EXPECT_EQ(verifyMessage(m),
            "section `functions` entry 0: the name refers to #9, but the module has 3 strings");
}

// The message for the sample module with the instruction `emit` writes placed at the
// start of function #0 (retail.replenishment.add), or "" when it verifies.
template <typename Emit>
std::string operandError(Emit emit, uint32_t max_stack = 16) {
  Module m = sampleModule();
  Function& f = m.functions[0];
  InstructionWriter w;
  w.setLine(1);
  emit(w);
  EXPECT_TRUE(w.ok());
  w.finish(f);
  f.max_stack = max_stack;
  return verifyMessage(m);
}

TEST(BytecodeVerify, OperandsAreInRange) {
  const auto one = [](O op, int64_t a = 0, int64_t b = 0, int64_t c = 0) {
    return operandError([=](InstructionWriter& w) {
      w.emit(op, a, b, c);
      w.emit(O::kReturn);
    });
  };
  const std::string at = "section `functions` entry 0 (`retail.replenishment.add`): at 0000 ";
  EXPECT_EQ(one(O::kConst, 25), at + "Const: #25 is out of range (the module has 25 constants)");
  EXPECT_EQ(one(O::kCall, 12), at + "Call: #12 is out of range (the module has 12 functions)");
  EXPECT_EQ(one(O::kCallNative, 47, 1), at + "CallNative: native #47 is not known to this rflow");
  EXPECT_EQ(one(O::kCallNative, 12, 1), at + "CallNative: Join takes 2 arguments, not 1");
  EXPECT_EQ(one(O::kToString, 22), at + "ToString: #22 is out of range (the module has 22 types)");
  EXPECT_EQ(one(O::kMakeRecord, 2), at + "MakeRecord: type `int` is not a record");
  EXPECT_EQ(one(O::kMakeList, 12, 0), at + "MakeList: type `map<int>` is not a list");
  EXPECT_EQ(one(O::kMakeMap, 11, 0), at + "MakeMap: type `list<int>` is not a map");
  EXPECT_EQ(one(O::kGetField, 3),
            at + "GetField: field 3 is out of range (the largest record has 3 fields)");
  EXPECT_EQ(one(O::kCallConnector, 2, 0),
            at + "CallConnector: #2 is out of range (the module has 2 ops)");
  EXPECT_EQ(one(O::kCallConnector, 0, 0x10),
            at + "CallConnector: the options 0x10 have unknown bits");
  EXPECT_EQ(one(O::kApproval, 5), at + "Approval: type `string` is not a record");
  EXPECT_EQ(one(O::kTask, 16, 5), at + "Task: type `string` is not a record");
  EXPECT_EQ(one(O::kAwait, 17, 2), at + "Await: has_timeout 2 is not known (at most 1)");
  EXPECT_EQ(one(O::kStartChild, 1),
            at + "StartChild: #1 is out of range (the module has 1 workflows)");
  EXPECT_EQ(one(O::kSpawn, 1), at + "Spawn: #1 is out of range (the module has 1 workflows)");
  EXPECT_EQ(one(O::kStartRun, 1), at + "StartRun: #1 is out of range (the module has 1 workflows)");
  EXPECT_EQ(one(O::kMock, 0, 0, 0),
            at + "Mock: `retail.replenishment.add` is a fn function, not a mock");
  EXPECT_EQ(one(O::kMock, 0, 10, 1),
            at + "Mock: the mock `retail.replenishment.test 1.mock 1` takes 2 parameters, not 1 "
                 "captured + 2 of the op");
  EXPECT_EQ(one(O::kMockFails, 2), at + "MockFails: #2 is out of range (the module has 2 ops)");
  EXPECT_EQ(one(O::kExpectCalled, 9),
            at + "ExpectCalled: #9 is out of range (the module has 2 ops)");
  EXPECT_EQ(one(O::kRunField, 7), at + "RunField: run field 7 is not known (at most 6)");
  EXPECT_EQ(one(O::kDecide, 3, 0), at + "Decide: decision kind 3 is not known (at most 2)");
  EXPECT_EQ(one(O::kDecide, 0, 4), at + "Decide: flags 4 is not known (at most 3)");
  EXPECT_EQ(one(O::kExpect, 1, 0), at + "Expect: constant #1 holds no text");
  EXPECT_EQ(one(O::kExpect, 17, 4), at + "Expect: flags 4 is not known (at most 3)");
}

TEST(BytecodeVerify, StackEffectsOfVariableOpcodes) {
  const Module m = sampleModule();
  const auto effect = [&](O op, int64_t a = 0, int64_t b = 0, int64_t c = 0) {
    const std::optional<StackEffect> e = stackEffect(Instruction{op, 0, 1, a, b, c}, m);
    EXPECT_TRUE(e) << static_cast<int>(op);
    return e ? std::make_pair(e->pops, e->pushes) : std::make_pair(int64_t{-9}, int64_t{-9});
  };
  using P = std::pair<int64_t, int64_t>;
  EXPECT_EQ(effect(O::kCall, 0), P(2, 1));
  EXPECT_EQ(effect(O::kCall, 9), P(0, 1));
  EXPECT_EQ(effect(O::kCallNative, 12, 2), P(2, 1));
  EXPECT_EQ(effect(O::kInterpolate, 5), P(5, 1));
  EXPECT_EQ(effect(O::kMakeList, 11, 4), P(4, 1));
  EXPECT_EQ(effect(O::kMakeMap, 12, 4), P(8, 1));
  EXPECT_EQ(effect(O::kMakeRecord, 16), P(3, 1));  // Store
  EXPECT_EQ(effect(O::kCallConnector, 0, 0), P(2, 1));
  EXPECT_EQ(effect(O::kCallConnector, 0, 0xF), P(6, 1));
  EXPECT_EQ(effect(O::kAwait, 17, 0), P(0, 1));
  EXPECT_EQ(effect(O::kAwait, 17, 1), P(1, 1));
  EXPECT_EQ(effect(O::kStartChild, 0), P(2, 1));
  EXPECT_EQ(effect(O::kSpawn, 0), P(2, 1));
  EXPECT_EQ(effect(O::kStartRun, 0), P(2, 1));
  EXPECT_EQ(effect(O::kMock, 0, 10, 3), P(3, 0));
  EXPECT_EQ(effect(O::kDecide, 0, 0), P(2, 0));
  EXPECT_EQ(effect(O::kDecide, 2, 3), P(3, 0));
  EXPECT_EQ(effect(O::kExpect, 17, 0), P(1, 0));
  EXPECT_EQ(effect(O::kExpect, 17, 1), P(3, 0));
  EXPECT_EQ(effect(O::kExpect, 17, 2), P(2, 0));
  EXPECT_EQ(effect(O::kExpect, 17, 3), P(4, 0));
  EXPECT_EQ(effect(O::kJumpIfNone), P(1, 1));
  EXPECT_EQ(effect(O::kNotify), P(2, 0));
  // Out-of-range operands that the effect depends on.
  EXPECT_FALSE(stackEffect(Instruction{O::kCall, 0, 5, 99}, m));
  EXPECT_FALSE(stackEffect(Instruction{O::kMakeRecord, 0, 5, 2}, m));
  EXPECT_FALSE(stackEffect(Instruction{O::kCallConnector, 0, 6, 2}, m));
  EXPECT_FALSE(stackEffect(Instruction{O::kStartChild, 0, 5, 1}, m));
}

TEST(BytecodeVerify, EveryOpcodeHasAStackEffect) {
  const Module m = sampleModule();
  // Operands valid in the sample module for every opcode whose effect needs the module.
  const auto operandsFor = [](O op) -> std::array<int64_t, 3> {
    switch (op) {
      case O::kMakeRecord:
        return {16, 0, 0};  // Store
      default:
        return {0, 0, 0};
    }
  };
#define RFLOW_OPCODE(Name, value, operands, table_pops, table_pushes)                     \
  {                                                                                       \
    const auto ops = operandsFor(O::k##Name);                                             \
    const auto e = stackEffect(Instruction{O::k##Name, 0, 1, ops[0], ops[1], ops[2]}, m); \
    ASSERT_TRUE(e) << #Name;                                                              \
    if ((table_pops) != kVar) {                                                           \
      EXPECT_EQ(e->pops, (table_pops)) << #Name;                                          \
    }                                                                                     \
    if ((table_pushes) != kVar) {                                                         \
      EXPECT_EQ(e->pushes, (table_pushes)) << #Name;                                      \
    }                                                                                     \
  }
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
}

// ---- tables ----------------------------------------------------------------------------

TEST(BytecodeVerify, Types) {
  Module m = sampleModule();
  m.types[11].element = 99;
  EXPECT_EQ(verifyMessage(m),
            "section `types` entry 11: the element type refers to #99, but the module has 22 "
            "types");
  m = sampleModule();
  m.types[2].element = 1;
  EXPECT_EQ(verifyMessage(m),
            "section `types` entry 2: a type without elements has an element type");
  m = sampleModule();
  m.types[11].decl = 1;
  EXPECT_EQ(verifyMessage(m),
            "section `types` entry 11: a type that is neither a record nor an enum has a "
            "declaration");
  m = sampleModule();
  m.types[16].decl = 5;
  EXPECT_EQ(verifyMessage(m),
            "section `types` entry 16: the record refers to #5, but the module has 5 records");
  m = sampleModule();
  m.types[3].tag = static_cast<TypeTag>(18);
  EXPECT_EQ(verifyMessage(m), "section `types` entry 3: type tag 18 is not known");
  // Two types that contain each other.
  m = sampleModule();
  m.types[11].element = 13;
  m.types[13].element = 11;
  EXPECT_TRUE(contains(verifyMessage(m), "the type contains itself"));
}

TEST(BytecodeVerify, RecordsMayReferToThemselves) {
  // record Node { next: Node? }: a cycle through a record is fine.
  Module m;
  m.strings = {"Node", "next"};
  m.types = {Type{TypeTag::kRecord, 0, 0}, Type{TypeTag::kOptional, 0}};
  m.records = {Record{0, RecordKind::kRecord, {Field{1, 1, std::nullopt}}}};
  EXPECT_EQ(verifyMessage(m), "");
}

TEST(BytecodeVerify, StringsAreUtf8) {
  Module m = sampleModule();
  m.strings[3] = "caf\xc3";
  EXPECT_EQ(verifyMessage(m), "section `strings` entry 3: the string is not valid UTF-8");
  m.strings[3] = "\xed\xa0\x80";  // a surrogate
  EXPECT_FALSE(verifyMessage(m).empty());
  m.strings[3] = "caf\xc3\xa9 \xf0\x9f\x9b\x92";
  EXPECT_EQ(verifyMessage(m), "");
}

TEST(BytecodeVerify, ConstantsFitTheirTypes) {
  const auto withConstant = [](uint32_t i, auto edit) {
    Module m = sampleModule();
    edit(m.constants[i]);
    return verifyMessage(m);
  };
  EXPECT_EQ(withConstant(1, [](Constant& c) { c.type = 5; }),
            "section `constants` entry 1: an int constant cannot have type `string`");
  EXPECT_EQ(withConstant(6, [](Constant& c) { c.type = 2; }),
            "section `constants` entry 6: a string constant cannot have type `int`");
  EXPECT_EQ(withConstant(10, [](Constant& c) { c.type = 2; }),
            "section `constants` entry 10: none cannot have type `int`");
  EXPECT_EQ(withConstant(6, [](Constant& c) { c.value = StringId{999}; }),
            "section `constants` entry 6: the value refers to #999, but the module has 57 "
            "strings");
  EXPECT_EQ(withConstant(8,
                         [](Constant& c) {
                           c.value = EnumConstant{0, 3};
                         }),
            "section `constants` entry 8: the value refers to #3, but the module has 3 members");
  EXPECT_EQ(withConstant(9, [](Constant& c) { c.value = RoleConstant{1}; }),
            "section `constants` entry 9: the value refers to #1, but the module has 1 roles");
  EXPECT_EQ(withConstant(5,
                         [](Constant& c) {
                           c.value = MoneyConstant{"1.00", {'u', 's', 'd'}};
                         }),
            "section `constants` entry 5: the currency \"usd\" is not three capital letters");
  // Users and roles may be assignees.
  EXPECT_EQ(withConstant(7, [](Constant& c) { c.type = 10; }), "");
  EXPECT_EQ(withConstant(9, [](Constant& c) { c.type = 10; }), "");
}

TEST(BytecodeVerify, DecimalsAreCanonical) {
  const auto decimal = [](std::string digits) {
    Module m = sampleModule();
    m.constants[4].value = DecimalConstant{std::move(digits)};
    return verifyMessage(m).empty();
  };
  for (const char* good :
       {"0", "0.075", "1000.00", "-12.50", "-0.01", "7", "1234567890123456789012345678901234",
        "0.0000000000000000000000000000000000000001"})
    EXPECT_TRUE(decimal(good)) << good;
  for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e5", "1,0", "-0", "-0.00", " 1",
                          "12345678901234567890123456789012345", "1_000", "0x10"})
    EXPECT_FALSE(decimal(bad)) << bad;
  Module m = sampleModule();
  m.constants[4].value = DecimalConstant{"1."};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 4: \"1.\" is not a canonical decimal of at most 34 "
            "significant digits");
}

TEST(BytecodeVerify, AggregateConstants) {
  Module m = sampleModule();
  std::get<AggregateConstant>(m.constants[11].value).elements = {1, 12};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 11: element 1 refers to constant #12, which does not come "
            "before it");
  m = sampleModule();
  std::get<AggregateConstant>(m.constants[11].value).elements = {1, 6};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 11: element 1 has type `string`, but a list element must "
            "have type `int`");
  m = sampleModule();
  std::get<AggregateConstant>(m.constants[12].value).elements = {6};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 12: a map constant has an odd number of elements (1)");
  m = sampleModule();
  std::get<AggregateConstant>(m.constants[12].value).elements = {1, 1};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 12: element 0 is a map key of type `int`, not a string");
  m = sampleModule();
  std::get<AggregateConstant>(m.constants[14].value).elements = {6, 13};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 14: a `retail.common.Store` constant has 2 elements, but "
            "the record has 3 fields");
  m = sampleModule();
  std::get<AggregateConstant>(m.constants[14].value).elements = {6, 1, 0};
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 14: element 1 has type `int`, but field 1 must have type "
            "`string`");
  m = sampleModule();
  m.constants[11].type = 5;
  EXPECT_EQ(verifyMessage(m),
            "section `constants` entry 11: an aggregate constant cannot have type `string`");
}

TEST(BytecodeVerify, TypesAreComparedByStructure) {
  // A second `list<int>` type: a constant of one fits a field of the other.
  Module m = sampleModule();
  m.types.push_back(Type{TypeTag::kList, 2});
  m.constants[11].type = 22;
  EXPECT_EQ(verifyMessage(m), "");
}

TEST(BytecodeVerify, RecordDefaults) {
  Module m = sampleModule();
  m.records[0].fields[2].default_value = 1;  // pilot: bool = 42
  EXPECT_EQ(verifyMessage(m),
            "section `records` entry 0 (`retail.common.Store`): the default of field 2 has type "
            "`int`, not the field's `bool`");
  m.records[0].fields[2].default_value = 25;
  EXPECT_EQ(verifyMessage(m),
            "section `records` entry 0 (`retail.common.Store`): the default of field 2 refers to "
            "#25, but the module has 25 constants");
}

TEST(BytecodeVerify, CrossReferences) {
  const auto edited = [](auto edit) {
    Module m = sampleModule();
    edit(m);
    return verifyMessage(m);
  };
  const std::string wf = "section `workflows` entry 0 (`retail.replenishment.Reorder`): ";
  EXPECT_EQ(edited([](Module& m) { m.workflows[0].body = 0; }),
            wf + "the body is `retail.replenishment.add`, a fn function, where a workflow "
                 "function belongs");
  EXPECT_EQ(edited([](Module& m) { m.workflows[0].params.pop_back(); }),
            wf + "the body `retail.replenishment.Reorder` does not take the workflow's "
                 "parameters and return its result");
  EXPECT_EQ(edited([](Module& m) { m.workflows[0].result = 5; }),
            wf + "the body `retail.replenishment.Reorder` does not take the workflow's "
                 "parameters and return its result");
  EXPECT_EQ(edited([](Module& m) { m.workflows[0].key = 5; }),
            wf + "the key is `retail.replenishment.Reorder.sla`, a workflow sla function, where "
                 "a workflow key function belongs");
  EXPECT_EQ(edited([](Module& m) { m.workflows[0].breach = 12; }),
            wf + "the breach handler refers to #12, but the module has 12 functions");
  EXPECT_EQ(edited([](Module& m) { m.connectors[0].op_count = 1; }),
            "section `ops` entry 1: the op belongs to no connector");
  EXPECT_EQ(edited([](Module& m) { m.connectors[0].op_count = 3; }),
            "section `connectors` entry 0 (`retail.systems.wms`): its ops run to #2, but the "
            "module has 2 ops");
  EXPECT_EQ(edited([](Module& m) { m.connectors[0].first_op = 1; }),
            "section `connectors` entry 0 (`retail.systems.wms`): its ops start at #1, but the "
            "previous connector's end at #0 (connectors own consecutive runs of ops, in order)");
  EXPECT_EQ(edited([](Module& m) { m.policies[0].function = 8; }),
            "section `policies` entry 0 (`retail.replenishment.BigReorders`): the function is "
            "`retail.replenishment.on_low_stock`, a trigger function, where a policy function "
            "belongs");
  EXPECT_EQ(edited([](Module& m) { m.triggers[0].params.clear(); }),
            "section `triggers` entry 0: the function `retail.replenishment.on_low_stock` does "
            "not take the trigger's parameters");
  EXPECT_EQ(edited([](Module& m) { m.triggers[0].workflow = 1; }),
            "section `triggers` entry 0: the workflow refers to #1, but the module has 1 "
            "workflows");
  EXPECT_EQ(edited([](Module& m) { m.tests[0].file = 1; }),
            "section `tests` entry 0: the file refers to #1, but the module has 1 files");
  EXPECT_EQ(edited([](Module& m) { m.tests[0].function = 10; }),
            "section `tests` entry 0: the function is `retail.replenishment.test 1.mock 1`, a "
            "mock function, where a test function belongs");
  EXPECT_EQ(edited([](Module& m) { m.ops[1].result = 22; }),
            "section `ops` entry 1: the result type refers to #22, but the module has 22 types");
  EXPECT_EQ(edited([](Module& m) { m.files[0].module = 57; }),
            "section `files` entry 0: the module refers to #57, but the module has 57 strings");
  EXPECT_EQ(edited([](Module& m) { m.enums[0].members[1] = 57; }),
            "section `enums` entry 0: member 1 refers to #57, but the module has 57 strings");
  EXPECT_EQ(edited([](Module& m) { m.roles[0].title = 57; }),
            "section `roles` entry 0: the title refers to #57, but the module has 57 strings");
}

}  // namespace
}  // namespace rflow::bytecode

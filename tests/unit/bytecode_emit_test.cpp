// The opcode table, the decoder's bounds, the natives table and InstructionWriter.
#include <gtest/gtest.h>

#include <set>

#include "bytecode/emit.h"
#include "bytecode/natives.h"
#include "bytecode/operands.h"

namespace rflow::bytecode {
namespace {

struct Line {
  std::string_view name;
  int value;
};
constexpr Line kLines[] = {
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) {#Name, value},
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
};

TEST(BytecodeOpcodes, TableMatchesOpcodesDef) {
  std::set<int> values;
  for (const Line& line : kLines) {
    const std::optional<OpcodeInfo> info = opcodeInfo(static_cast<uint8_t>(line.value));
    ASSERT_TRUE(info) << line.name;
    EXPECT_EQ(info->name, line.name);
    values.insert(line.value);
  }
  size_t known = 0;
  for (int b = 0; b < 256; ++b)
    known += opcodeInfo(static_cast<uint8_t>(b)) ? 1 : 0;
  EXPECT_EQ(known, values.size());
  EXPECT_FALSE(opcodeInfo(0xFF));
  EXPECT_FALSE(opcodeInfo(0x0B));
}

TEST(BytecodeOpcodes, OperandBytes) {
  EXPECT_EQ(operandBytes(OperandLayout::kNone), 0u);
  EXPECT_EQ(operandBytes(OperandLayout::kU16U8), 3u);
  EXPECT_EQ(operandBytes(OperandLayout::kU32U32U8), 9u);
  EXPECT_EQ(opcodeInfo(0xC0)->layout, OperandLayout::kU32U32U8);  // Mock
}

TEST(BytecodeOpcodes, DecoderNeverReadsPastTheCode) {
  // Mock op, f, captured: 1 + 9 bytes.
  const std::vector<uint8_t> code = {0xC0, 1, 0, 0, 0, 2, 0, 0, 0, 3};
  const auto whole = decodeInstruction(code, 0);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->opcode, Opcode::kMock);
  EXPECT_EQ(whole->size, 10u);
  EXPECT_EQ(whole->a, 1);
  EXPECT_EQ(whole->b, 2);
  EXPECT_EQ(whole->c, 3);
  for (size_t n = 0; n < code.size(); ++n)
    EXPECT_FALSE(decodeInstruction(std::span(code).first(n), 0)) << n;
  EXPECT_FALSE(decodeInstruction(code, 10));
  EXPECT_FALSE(decodeInstruction(code, 0xFFFFFFFF));
  const std::vector<uint8_t> unknown = {0xEE};
  EXPECT_FALSE(decodeInstruction(unknown, 0));
}

TEST(BytecodeOpcodes, BranchTargetsAreRelativeToTheNextInstruction) {
  const std::vector<uint8_t> code = {0x10, 0xFB, 0xFF, 0xFF, 0xFF};  // Jump -5
  const auto in = decodeInstruction(code, 0);
  ASSERT_TRUE(in);
  EXPECT_EQ(in->a, -5);
  EXPECT_EQ(branchTarget(*in), 0);
  EXPECT_TRUE(isBranch(Opcode::kTryBegin));
  EXPECT_FALSE(isBranch(Opcode::kConstInt));
  EXPECT_TRUE(endsPath(Opcode::kFail));
  EXPECT_FALSE(endsPath(Opcode::kJumpIfTrue));
}

TEST(BytecodeNatives, Table) {
  ASSERT_TRUE(nativeInfo(12));
  EXPECT_EQ(nativeInfo(12)->name, "Join");
  EXPECT_EQ(nativeInfo(12)->arity, 2);
  EXPECT_EQ(nativeInfo(static_cast<uint32_t>(Native::kMoneyFromInt))->arity, 2);
  EXPECT_FALSE(nativeInfo(47));
  EXPECT_FALSE(nativeInfo(0xFFFF));
}

TEST(BytecodeEmit, EveryLayoutRoundTrips) {
  InstructionWriter w;
  w.emit(Opcode::kCallNative, 12, 2);
  w.emit(Opcode::kConstInt, -7);
  w.emit(Opcode::kMakeList, 5, 3);
  w.emit(Opcode::kDecide, 2, 1);
  w.emit(Opcode::kMock, 4, 9, 2);
  w.emit(Opcode::kRunField, 6);
  w.emit(Opcode::kReturn);
  ASSERT_TRUE(w.ok());
  const std::vector<uint8_t>& code = w.code();
  std::vector<Instruction> ins;
  for (uint32_t pc = 0; pc < code.size();) {
    const auto in = decodeInstruction(code, pc);
    ASSERT_TRUE(in);
    ins.push_back(*in);
    pc += in->size;
  }
  ASSERT_EQ(ins.size(), 7u);
  EXPECT_EQ(ins[0].a, 12);
  EXPECT_EQ(ins[0].b, 2);
  EXPECT_EQ(ins[1].a, -7);
  EXPECT_EQ(ins[2].b, 3);
  EXPECT_EQ(ins[3].a, 2);
  EXPECT_EQ(ins[4].c, 2);
  EXPECT_EQ(ins[5].a, 6);
  EXPECT_EQ(ins[6].opcode, Opcode::kReturn);
}

TEST(BytecodeEmit, OperandsThatDoNotFitMakeTheCodeUnusable) {
  const auto fails = [](auto write) {
    InstructionWriter w;
    write(w);
    return !w.ok();
  };
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(Opcode::kLoadLocal, 70'000); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(Opcode::kConst, -1); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(Opcode::kConstInt, int64_t{1} << 31); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(Opcode::kRunField, 256); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(Opcode::kAddInt, 1); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emit(static_cast<Opcode>(0xEE)); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.patchJump(w.emit(Opcode::kConstInt, 0), 0); }));
  EXPECT_TRUE(fails([](InstructionWriter& w) { w.emitJump(Opcode::kConstInt); }));
  EXPECT_FALSE(fails([](InstructionWriter& w) { w.emit(Opcode::kConstInt, -(int64_t{1} << 31)); }));
  EXPECT_FALSE(fails([](InstructionWriter& w) { w.emit(Opcode::kLoadLocal, 65'535); }));
}

TEST(BytecodeEmit, JumpsForwardAndBack) {
  InstructionWriter w;
  const uint32_t head = w.emit(Opcode::kConstTrue);
  const uint32_t forward = w.emitJump(Opcode::kJumpIfFalse);
  w.emitJumpTo(Opcode::kJump, head);
  w.patchJumpHere(forward);
  const uint32_t end = w.emit(Opcode::kConstNone);
  w.emit(Opcode::kReturn);
  ASSERT_TRUE(w.ok());
  const auto f = decodeInstruction(w.code(), forward);
  const auto back = decodeInstruction(w.code(), forward + 5);
  EXPECT_EQ(branchTarget(*f), end);
  EXPECT_EQ(branchTarget(*back), head);
}

TEST(BytecodeEmit, LineTableHasOneEntryPerRunOfALine) {
  InstructionWriter w;
  w.setLine(3);
  w.emit(Opcode::kConstTrue);
  w.emit(Opcode::kPop);
  w.setLine(4);
  w.setLine(5);  // no instruction on line 4
  w.emit(Opcode::kConstNone);
  w.setLine(5);
  w.emit(Opcode::kReturn);
  Function f;
  w.finish(f);
  ASSERT_EQ(f.lines.size(), 2u);
  EXPECT_EQ(f.lines[0].pc, 0u);
  EXPECT_EQ(f.lines[0].line, 3u);
  EXPECT_EQ(f.lines[1].pc, 2u);
  EXPECT_EQ(f.lines[1].line, 5u);
  EXPECT_EQ(f.code.size(), 4u);
}

}  // namespace
}  // namespace rflow::bytecode

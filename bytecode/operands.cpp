// The check that no two opcodes share a value, the natives table from stdlib/functions.def,
// and the bounds-checked instruction decoder.
#include "bytecode/operands.h"

#include <array>

#include "bytecode/natives.h"
#include "stdlib/functions.h"

namespace rflow::bytecode {
namespace {

// Two opcodes with one value would silently shadow each other in the table.
constexpr size_t countOpcodeLines() {
  size_t n = 0;
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) ++n;
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
  return n;
}
constexpr size_t countOpcodeTable() {
  size_t n = 0;
  for (const detail::OpcodeTableEntry& e : detail::kOpcodeTable)
    n += e.valid ? 1 : 0;
  return n;
}
static_assert(countOpcodeLines() == countOpcodeTable(), "two opcodes share a value in opcodes.def");

// Indexed by id; a hole (a retired id) stays nullopt.
constexpr auto kNatives = [] {
  std::array<std::optional<NativeInfo>, stdlib::kNativeCount> natives{};
  for (const stdlib::Overload& o : stdlib::kOverloads) {
    if (o.target == stdlib::Target::kNative)
      natives[o.native] = NativeInfo{o.native_name, static_cast<uint8_t>(stdlib::arity(o))};
  }
  return natives;
}();

uint64_t readLittleEndian(std::span<const uint8_t> code, size_t at, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i)
    v |= static_cast<uint64_t>(code[at + i]) << (8 * i);
  return v;
}

}  // namespace

std::optional<Instruction> decodeInstruction(std::span<const uint8_t> code, uint32_t offset) {
  if (offset >= code.size()) return std::nullopt;
  const std::optional<OpcodeInfo> info = opcodeInfo(code[offset]);
  if (!info) return std::nullopt;
  const size_t operands = operandBytes(info->layout);
  // Written as a subtraction so that it cannot overflow.
  if (code.size() - offset - 1 < operands) return std::nullopt;
  Instruction in{static_cast<Opcode>(code[offset]), offset, static_cast<uint32_t>(1 + operands)};
  const size_t at = size_t{offset} + 1;
  const auto u = [&](size_t rel, size_t bytes) {
    return static_cast<int64_t>(readLittleEndian(code, at + rel, bytes));
  };
  switch (info->layout) {
    case OperandLayout::kNone:
      break;
    case OperandLayout::kU8:
      in.a = u(0, 1);
      break;
    case OperandLayout::kU16:
      in.a = u(0, 2);
      break;
    case OperandLayout::kU32:
      in.a = u(0, 4);
      break;
    case OperandLayout::kI32:
      in.a = static_cast<int32_t>(static_cast<uint32_t>(u(0, 4)));
      break;
    case OperandLayout::kU16U8:
      in.a = u(0, 2);
      in.b = u(2, 1);
      break;
    case OperandLayout::kU32U8:
      in.a = u(0, 4);
      in.b = u(4, 1);
      break;
    case OperandLayout::kU32U32:
      in.a = u(0, 4);
      in.b = u(4, 4);
      break;
    case OperandLayout::kU8U8:
      in.a = u(0, 1);
      in.b = u(1, 1);
      break;
    case OperandLayout::kU32U32U8:
      in.a = u(0, 4);
      in.b = u(4, 4);
      in.c = u(8, 1);
      break;
  }
  return in;
}

bool isBranch(Opcode opcode) {
  switch (opcode) {
    case Opcode::kJump:
    case Opcode::kJumpIfFalse:
    case Opcode::kJumpIfTrue:
    case Opcode::kJumpIfNone:
    case Opcode::kJumpIfNotNone:
    case Opcode::kTryBegin:
    case Opcode::kFork:
      return true;
    default:
      return false;
  }
}

std::optional<int64_t> branchTarget(const Instruction& instruction) {
  if (!isBranch(instruction.opcode)) return std::nullopt;
  return int64_t{instruction.offset} + instruction.size + instruction.a;
}

bool endsPath(Opcode opcode) {
  return opcode == Opcode::kJump || opcode == Opcode::kReturn || opcode == Opcode::kFail ||
         opcode == Opcode::kEndBranch;
}

std::optional<NativeInfo> nativeInfo(uint32_t id) {
  if (id >= kNatives.size()) return std::nullopt;
  return kNatives[id];
}

}  // namespace rflow::bytecode

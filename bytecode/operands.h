// Instruction encoding: the opcode enum and operand layouts generated from opcodes.def,
// and a decoder that never reads past the end of the code.
//
// An instruction is one opcode byte followed by its operands in the layout the .def
// gives, little endian, unaligned. Jump offsets (I32) are relative to the start of the
// next instruction.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rflow::bytecode {

enum class Opcode : uint8_t {
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) k##Name = value,
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
};

enum class OperandLayout : uint8_t {
  kNone,
  kU8,
  kU16,
  kU32,
  kI32,
  kU16U8,
  kU32U8,
  kU32U32,
  kU8U8,
  kU32U32U8,
};

// Stack effect placeholder for opcodes whose effect depends on operands or the module.
inline constexpr int kVar = -1;

struct OpcodeInfo {
  std::string_view name;  // "AddInt"
  OperandLayout layout;
  int pops;    // kVar: see stackEffect() in verify.h
  int pushes;  // kVar: likewise
};

namespace detail {

#define OPERANDS_NONE OperandLayout::kNone
#define OPERANDS_U8 OperandLayout::kU8
#define OPERANDS_U16 OperandLayout::kU16
#define OPERANDS_U32 OperandLayout::kU32
#define OPERANDS_I32 OperandLayout::kI32
#define OPERANDS_U16_U8 OperandLayout::kU16U8
#define OPERANDS_U32_U8 OperandLayout::kU32U8
#define OPERANDS_U32_U32 OperandLayout::kU32U32
#define OPERANDS_U8_U8 OperandLayout::kU8U8
#define OPERANDS_U32_U32_U8 OperandLayout::kU32U32U8

struct OpcodeTableEntry {
  bool valid = false;
  OpcodeInfo info{};
};

// Indexed by the opcode byte; a byte that is no opcode has valid == false. In the header
// so that opcodeInfo() works at compile time (the VM's fused.h reads opcode names).
constexpr std::array<OpcodeTableEntry, 256> makeOpcodeTable() {
  std::array<OpcodeTableEntry, 256> table{};
#define RFLOW_OPCODE(Name, value, operands, pops, pushes) \
  table[value] = OpcodeTableEntry{true, OpcodeInfo{#Name, operands, pops, pushes}};
#include "bytecode/opcodes.def"
#undef RFLOW_OPCODE
  return table;
}

inline constexpr std::array<OpcodeTableEntry, 256> kOpcodeTable = makeOpcodeTable();

#undef OPERANDS_NONE
#undef OPERANDS_U8
#undef OPERANDS_U16
#undef OPERANDS_U32
#undef OPERANDS_I32
#undef OPERANDS_U16_U8
#undef OPERANDS_U32_U8
#undef OPERANDS_U32_U32
#undef OPERANDS_U8_U8
#undef OPERANDS_U32_U32_U8

}  // namespace detail

// Information about an opcode byte, or nullopt for a byte that is no opcode.
constexpr std::optional<OpcodeInfo> opcodeInfo(uint8_t byte) {
  const detail::OpcodeTableEntry& e = detail::kOpcodeTable[byte];
  if (!e.valid) return std::nullopt;
  return e.info;
}

// Size in bytes of the operands of `layout`.
constexpr size_t operandBytes(OperandLayout layout) {
  switch (layout) {
    case OperandLayout::kNone:
      return 0;
    case OperandLayout::kU8:
      return 1;
    case OperandLayout::kU16:
      return 2;
    case OperandLayout::kU32:
      return 4;
    case OperandLayout::kI32:
      return 4;
    case OperandLayout::kU16U8:
      return 3;
    case OperandLayout::kU32U8:
      return 5;
    case OperandLayout::kU32U32:
      return 8;
    case OperandLayout::kU8U8:
      return 2;
    case OperandLayout::kU32U32U8:
      return 9;
  }
  return 0;
}

// One decoded instruction. Operands are widened to 64 bits; unused ones are 0.
struct Instruction {
  Opcode opcode;
  uint32_t offset;  // of the opcode byte within the function's code
  uint32_t size;    // opcode byte + operands
  int64_t a = 0;
  int64_t b = 0;
  int64_t c = 0;
};

// Decodes the instruction at `offset`; nullopt when the byte is no opcode or the
// operands run past the end of `code`.
std::optional<Instruction> decodeInstruction(std::span<const uint8_t> code, uint32_t offset);

// True for the instructions whose I32 operand is a code offset: the jumps and TryBegin.
bool isBranch(Opcode opcode);

// Where a branch goes (offset of the next instruction + the I32 operand); it may lie
// outside the code, which the verifier rejects. nullopt for any other instruction.
std::optional<int64_t> branchTarget(const Instruction& instruction);

// True when execution never continues with the next instruction (Jump, Return, Fail,
// EndBranch).
bool endsPath(Opcode opcode);

}  // namespace rflow::bytecode

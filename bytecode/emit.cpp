#include "bytecode/emit.h"

#include <limits>

namespace rflow::bytecode {
namespace {

// The byte width of each of an instruction's three operands (0: absent).
struct OperandWidths {
  int bytes[3];
  bool is_signed;
};

OperandWidths operandWidths(OperandLayout layout) {
  switch (layout) {
    case OperandLayout::kNone:
      return {{0, 0, 0}, false};
    case OperandLayout::kU8:
      return {{1, 0, 0}, false};
    case OperandLayout::kU16:
      return {{2, 0, 0}, false};
    case OperandLayout::kU32:
      return {{4, 0, 0}, false};
    case OperandLayout::kI32:
      return {{4, 0, 0}, true};
    case OperandLayout::kU16U8:
      return {{2, 1, 0}, false};
    case OperandLayout::kU32U8:
      return {{4, 1, 0}, false};
    case OperandLayout::kU32U32:
      return {{4, 4, 0}, false};
    case OperandLayout::kU8U8:
      return {{1, 1, 0}, false};
    case OperandLayout::kU32U32U8:
      return {{4, 4, 1}, false};
  }
  return {{0, 0, 0}, false};
}

}  // namespace

void InstructionWriter::put(int64_t value, int bytes, bool is_signed) {
  const int bits = 8 * bytes;
  const int64_t lo = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
  const int64_t hi = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
  if (value < lo || value > hi) {
    ok_ = false;
    value = 0;
  }
  const auto bits_of = static_cast<uint64_t>(value);
  for (int i = 0; i < bytes; ++i)
    code_.push_back(static_cast<uint8_t>(bits_of >> (8 * i)));
}

uint32_t InstructionWriter::emit(Opcode opcode, int64_t a, int64_t b, int64_t c) {
  const uint32_t at = offset();
  const std::optional<OpcodeInfo> info = opcodeInfo(static_cast<uint8_t>(opcode));
  if (!info) {
    ok_ = false;
    return at;
  }
  // One line entry per run of instructions on one line.
  if (lines_.empty() || lines_.back().line != line_) lines_.push_back(LineEntry{at, line_});
  const OperandWidths widths = operandWidths(info->layout);
  const int64_t operands[3] = {a, b, c};
  code_.push_back(static_cast<uint8_t>(opcode));
  for (int i = 0; i < 3; ++i) {
    if (widths.bytes[i] == 0) {
      if (operands[i] != 0) ok_ = false;
    } else {
      put(operands[i], widths.bytes[i], widths.is_signed);
    }
  }
  if (code_.size() > kMaxCodeBytes) ok_ = false;
  return at;
}

uint32_t InstructionWriter::emitJump(Opcode opcode) {
  if (!isBranch(opcode)) ok_ = false;
  return emit(opcode, 0);
}

uint32_t InstructionWriter::emitJumpTo(Opcode opcode, uint32_t target) {
  const uint32_t at = emitJump(opcode);
  patchJump(at, target);
  return at;
}

void InstructionWriter::patchJump(uint32_t branch, uint32_t target) {
  const std::optional<Instruction> in = decodeInstruction(code_, branch);
  if (!in || !isBranch(in->opcode)) {
    ok_ = false;
    return;
  }
  const int64_t relative = int64_t{target} - (int64_t{branch} + in->size);
  if (relative < std::numeric_limits<int32_t>::min() ||
      relative > std::numeric_limits<int32_t>::max()) {
    ok_ = false;
    return;
  }
  const auto bits = static_cast<uint32_t>(static_cast<int32_t>(relative));
  for (int i = 0; i < 4; ++i)
    code_[size_t{branch} + 1 + i] = static_cast<uint8_t>(bits >> (8 * i));
}

void InstructionWriter::finish(Function& function) {
  function.code = std::move(code_);
  function.lines = std::move(lines_);
  code_.clear();
  lines_.clear();
}

}  // namespace rflow::bytecode

// The quickening pass (quicken.h): finds the fused sequences in verified code.
#include "vm/quicken.h"

#include "bytecode/operands.h"

namespace rflow::vm::detail {

using bytecode::Opcode;

namespace {

constexpr bool isIntCompare(uint8_t b) {
  return b >= static_cast<uint8_t>(Opcode::kLtInt) && b <= static_cast<uint8_t>(Opcode::kGeInt);
}
constexpr bool isMoneyCompare(uint8_t b) {
  return b >= static_cast<uint8_t>(Opcode::kLtMoney) && b <= static_cast<uint8_t>(Opcode::kGeMoney);
}

// The variant of `lt` (kLtLocalsJump or kLtLocalIntJump) for int compare `cmp`.
uint8_t intCompareVariant(Fused lt, uint8_t cmp) {
  return static_cast<uint8_t>(static_cast<uint8_t>(lt) +
                              (cmp - static_cast<uint8_t>(Opcode::kLtInt)));
}

// The fused instruction starting at `at`, or 0.
uint8_t fusedAt(std::span<const uint8_t> code, size_t at) {
  const size_t left = code.size() - at;
  const auto is = [&](size_t offset, Opcode op) {
    return offset < left && code[at + offset] == static_cast<uint8_t>(op);
  };
  const auto byteAt = [&](size_t offset) -> uint8_t {
    return offset < left ? code[at + offset] : 0;
  };
  const auto f = [](Fused x) { return static_cast<uint8_t>(x); };
  if (is(0, Opcode::kLoadLocal)) {
    if (is(3, Opcode::kLoadLocal)) {
      if (is(6, Opcode::kConstInt) && is(11, Opcode::kRemInt) && is(12, Opcode::kIndexList))
        return f(Fused::kIndexLocalRem);
      if (isIntCompare(byteAt(6)) && is(7, Opcode::kJumpIfFalse))
        return intCompareVariant(Fused::kLtLocalsJump, byteAt(6));
      if (is(6, Opcode::kAddInt) && is(7, Opcode::kStoreLocal)) return f(Fused::kAddLocalsStore);
    }
    if (is(3, Opcode::kConstInt)) {
      if (isIntCompare(byteAt(8)) && is(9, Opcode::kJumpIfFalse))
        return intCompareVariant(Fused::kLtLocalIntJump, byteAt(8));
      if (is(8, Opcode::kAddInt) && is(9, Opcode::kStoreLocal))
        return f(is(12, Opcode::kJump) && fusedAt(code, at + 12) == f(Fused::kJumpIntTest)
                     ? Fused::kAddLocalIntStoreLoop
                     : Fused::kAddLocalIntStore);
      if (is(8, Opcode::kAddInt)) return f(Fused::kAddLocalInt);
      if (is(8, Opcode::kSubInt)) return f(Fused::kSubLocalInt);
      if (is(8, Opcode::kRemInt)) return f(Fused::kRemLocalInt);
    }
    if (is(3, Opcode::kGetField)) {
      // A decision rule's test of a record field against a constant.
      if (is(6, Opcode::kConst) && isMoneyCompare(byteAt(11)) && is(12, Opcode::kJumpIfFalse))
        return static_cast<uint8_t>(f(Fused::kFieldLtMoneyConstJump) + byteAt(11) -
                                    static_cast<uint8_t>(Opcode::kLtMoney));
      if (is(6, Opcode::kConst) && (is(11, Opcode::kEq) || is(11, Opcode::kNe)) &&
          (is(16, Opcode::kJumpIfTrue) || is(16, Opcode::kJumpIfFalse)))
        return f(Fused::kFieldEqConstJump);
      return f(Fused::kLocalField);
    }
    if (is(3, Opcode::kConst) && (is(8, Opcode::kEq) || is(8, Opcode::kNe)) &&
        (is(13, Opcode::kJumpIfTrue) || is(13, Opcode::kJumpIfFalse)))
      return f(Fused::kEqLocalConstJump);
  }
  if (is(0, Opcode::kJump) && left >= 5) {
    const int64_t target =
        static_cast<int64_t>(at) + 5 +
        static_cast<int32_t>(uint32_t{code[at + 1]} | uint32_t{code[at + 2]} << 8 |
                             uint32_t{code[at + 3]} << 16 | uint32_t{code[at + 4]} << 24);
    if (target >= 0 && static_cast<size_t>(target) < code.size()) {
      const auto t = static_cast<size_t>(target);
      if (code[t] == static_cast<uint8_t>(Opcode::kReturn)) return f(Fused::kJumpReturn);
      // A loop's back jump to its test. A verified jump lands on an instruction, which
      // quicken() fuses the same way, so the test's handler can run at once.
      if (code[t] == static_cast<uint8_t>(Opcode::kLoadLocal)) {
        const uint8_t test = fusedAt(code, t);
        if (test >= f(Fused::kLtLocalsJump) && test <= f(Fused::kGeLocalIntJump))
          return f(Fused::kJumpIntTest);
      }
    }
  }
  if (is(0, Opcode::kConst) && isMoneyCompare(byteAt(5)) && is(6, Opcode::kJumpIfFalse))
    return f(Fused::kCmpMoneyConstJump);
  if (is(0, Opcode::kConst) && (is(5, Opcode::kEq) || is(5, Opcode::kNe)))
    return f(Fused::kEqConst);
  if (is(0, Opcode::kConst) && is(5, Opcode::kReturn)) return f(Fused::kConstReturn);
  return 0;
}

}  // namespace

std::vector<uint8_t> quicken(std::span<const uint8_t> code) {
  std::vector<uint8_t> quick(code.begin(), code.end());
  for (uint32_t at = 0; at < code.size();) {
    const std::optional<bytecode::Instruction> in = bytecode::decodeInstruction(code, at);
    if (!in) break;  // unreachable for verified code; the rest stays as it is
    if (const uint8_t fused = fusedAt(code, at)) quick[at] = fused;
    at += in->size;
  }
  return quick;
}

}  // namespace rflow::vm::detail

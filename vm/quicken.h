// Internal to the VM: quickened code. Program::load gives every function a copy of its
// code in which the first byte of some common instruction sequences is replaced by a
// fused instruction (a "superinstruction") that does the whole sequence in one
// dispatch. Only that byte changes: the fused instruction reads its operands from the
// original instructions in place, and every instruction after the first is still there,
// so a jump into the middle of a sequence, a pc in a suspended state and the line table
// all mean what they mean in the module's code. A fused instruction has exactly the
// effect of running its sequence (the same checks, errors and stack); it counts as that
// many instructions against the step's budget.
//
// Fused instructions may overlap (a sequence's second instruction may start another);
// so a fused instruction reads only operand bytes, and opcode bytes of instructions that
// never start a fused sequence (compares, Eq/Ne, the conditional jumps). Two
// exceptions read a first byte to go on without a dispatch, as a dispatch would read it:
// kJumpIntTest its target's (fused exactly when that is one of the int tests), and
// kAddLocalsStore the next instruction's, running a kAddLocalIntStoreLoop at once (a loop
// body's last two statements, as in `sum = sum + i; i = i + 1`) when the budget still
// covers all of it.
//
// The fused bytes are not opcodes: quickened code is never written anywhere (modules and
// states hold the original code and pcs), and the values are checked at compile time to
// be unused by opcodes.def.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace rflow::vm::detail {

// Each: the sequence it replaces, with a, b, c locals, k an inline int or a constant, t a
// jump target. Cmp (kCmpMoneyConstJump) is one of LtMoney LeMoney GtMoney GeMoney.
enum class Fused : uint8_t {
  // One value per int comparison (LtInt LeInt GtInt GeInt, in opcodes.def's order), so
  // that the handler compares without decoding which comparison it is:
  kLtLocalsJump = 0xE0,  // LoadLocal a; LoadLocal b; LtInt; JumpIfFalse t           (12 bytes)
  kLeLocalsJump,         //   … LeInt …
  kGtLocalsJump,         //   … GtInt …
  kGeLocalsJump,         //   … GeInt …
  kLtLocalIntJump,       // LoadLocal a; ConstInt k; LtInt; JumpIfFalse t            (14 bytes)
  kLeLocalIntJump,       //   … LeInt …
  kGtLocalIntJump,       //   … GtInt …
  kGeLocalIntJump,       //   … GeInt …
  kAddLocalsStore,       // LoadLocal a; LoadLocal b; AddInt; StoreLocal c          (10 bytes)
  kAddLocalIntStore,     // LoadLocal a; ConstInt k; AddInt; StoreLocal c           (12 bytes)
  kAddLocalInt,          // LoadLocal a; ConstInt k; AddInt                          (9 bytes)
  kSubLocalInt,          // LoadLocal a; ConstInt k; SubInt                          (9 bytes)
  kRemLocalInt,          // LoadLocal a; ConstInt k; RemInt                          (9 bytes)
  kLocalField,           // LoadLocal a; GetField i                                  (6 bytes)
  kCmpMoneyConstJump,    // Const k; Cmp (money); JumpIfFalse t                     (11 bytes)
  kEqLocalConstJump,     // LoadLocal a; Const k; Eq|Ne T; JumpIfTrue|JumpIfFalse t (18 bytes)
  kJumpReturn,           // Jump t where t is a Return: returns              (5 bytes)
  kIndexLocalRem,        // LoadLocal a; LoadLocal b; ConstInt k; RemInt; IndexList (13 bytes)
  kEqConst,              // Const k; Eq|Ne T                                       (10 bytes)
  // A decision rule's test of a money field, one value per comparison (LtMoney LeMoney
  // GtMoney GeMoney, in opcodes.def's order), like the int tests:
  kFieldLtMoneyConstJump,  // LoadLocal a; GetField i; Const k; LtMoney; JumpIfFalse t (17)
  kFieldLeMoneyConstJump,  //   … LeMoney …
  kFieldGtMoneyConstJump,  //   … GtMoney …
  kFieldGeMoneyConstJump,  //   … GeMoney …
  kFieldEqConstJump,  // LoadLocal a; GetField i; Const k; Eq|Ne T; JumpIfTrue|JumpIfFalse t (21)
  kConstReturn,       // Const k; Return                                          (6 bytes)
  // A loop's back jump straight into its test: Jump t where t starts one of k*LocalsJump
  // or k*LocalIntJump above (5 bytes here, the test's bytes at t).
  kJumpIntTest,
  // kAddLocalIntStore followed by a kJumpIntTest (`i = i + 1` closing a loop): both, and
  // the test, in one dispatch (12 + 5 bytes here, the test's at the Jump's target).
  kAddLocalIntStoreLoop,
  kLast = kAddLocalIntStoreLoop,
};

inline constexpr uint8_t kFirstFused = static_cast<uint8_t>(Fused::kLtLocalsJump);
inline constexpr uint8_t kLastFused = static_cast<uint8_t>(Fused::kLast);
// The most instructions one fused instruction stands for.
inline constexpr uint64_t kMaxFusedInstructions = 9;  // kAddLocalIntStoreLoop

// The quickened copy of `code` (verified code: instructions decode back to back).
std::vector<uint8_t> quicken(std::span<const uint8_t> code);

}  // namespace rflow::vm::detail

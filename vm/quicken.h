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
// The fused instructions are listed in fused.def, with the sequence each stands for, its
// length and its budget; fused.h derives the rest. Their bytes are not opcodes: quickened
// code is never written anywhere (modules and states hold the original code and pcs), and
// the values are checked at compile time to be unused by opcodes.def.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "vm/fused.h"

namespace rflow::vm::detail {

// The quickened copy of `code` (verified code: instructions decode back to back). At each
// instruction it writes the fused instruction (fused.def) whose sequence matches there
// with the most bytes in place, the earlier line on a tie, or leaves the opcode.
std::vector<uint8_t> quicken(std::span<const uint8_t> code);

}  // namespace rflow::vm::detail

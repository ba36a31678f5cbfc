// InstructionWriter: how the code generator writes a function's code and line table.
// It appends an opcode and its operands in the layout opcodes.def gives, returns each
// instruction's offset, patches forward jumps once their target is known, and records a
// line table entry whenever the source line changes.
//
// Invariants: code() always holds whole instructions. An operand that does not fit its
// layout (a 70,000th local for a U16 slot, a jump farther than 2 GiB), code longer than
// kMaxCodeBytes, or a patch of something that is not a branch makes ok() false for good:
// the code generator reports "function too large" instead of writing a broken module.
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/module.h"
#include "bytecode/operands.h"

namespace rflow::bytecode {

class InstructionWriter {
 public:
  // Appends one instruction; operands the layout does not have must be 0. Returns the
  // offset of its opcode byte.
  uint32_t emit(Opcode opcode, int64_t a = 0, int64_t b = 0, int64_t c = 0);

  // A branch (a jump or TryBegin) whose target comes later; point it with patchJump.
  uint32_t emitJump(Opcode opcode);
  // A branch to an instruction already written (a loop's head).
  uint32_t emitJumpTo(Opcode opcode, uint32_t target);
  // Points the branch at offset `branch` to `target`, an instruction start.
  void patchJump(uint32_t branch, uint32_t target);
  // Points the branch at offset `branch` to the next instruction written.
  void patchJumpHere(uint32_t branch) { patchJump(branch, offset()); }

  // The source line of the instructions written from now on.
  void setLine(uint32_t line) { line_ = line; }

  // Where the next instruction goes.
  uint32_t offset() const { return static_cast<uint32_t>(code_.size()); }
  bool ok() const { return ok_; }

  const std::vector<uint8_t>& code() const { return code_; }
  const std::vector<LineEntry>& lines() const { return lines_; }
  // Moves the code and the line table into `function` (which keeps its signature).
  void finish(Function& function);

 private:
  void put(int64_t value, int bytes, bool is_signed);

  std::vector<uint8_t> code_;
  std::vector<LineEntry> lines_;
  uint32_t line_ = 0;
  bool ok_ = true;
};

}  // namespace rflow::bytecode

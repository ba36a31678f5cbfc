// Which local slots of a function are live after an instruction: read on some path from
// there before they are written. The code generator records them at every wait place
// (module.h, WaitPlace::live), because they are what an instance waiting there carries
// into the rest of its run and what a migration to another version must find again.
//
// The analysis is the classic backward data flow over the control-flow graph of the
// decoded code (LoadLocal reads, StoreLocal writes; successors: the next instruction
// unless the instruction ends a path, the branch target of jumps, Fork and TryBegin). An
// error may leave a `try` body from any instruction, so every instruction of a function
// with handlers also flows into every handler: conservative (a superset of the live
// slots), never missing one. Needs code that verifies (checkCode in verify.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "bytecode/module.h"

namespace rflow::bytecode {

class Liveness {
 public:
  explicit Liveness(const Function& function);

  // The slots live when execution continues after the instruction at `pc` (an
  // instruction start), in increasing order.
  std::vector<uint32_t> liveAfter(uint32_t pc) const;

 private:
  struct Node {
    uint32_t pc = 0;
    uint32_t next = 0;  // pc of the following instruction
    std::vector<size_t> successors;
    std::vector<uint64_t> in;  // live-in bit set, one bit per slot
  };
  size_t slots_ = 0;
  std::vector<Node> nodes_;  // in pc order
  std::vector<uint64_t> outOf(const Node& node) const;
  size_t nodeAt(uint32_t pc) const;
};

}  // namespace rflow::bytecode

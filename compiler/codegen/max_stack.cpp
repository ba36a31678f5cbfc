#include "codegen/max_stack.h"

#include <algorithm>
#include <vector>

#include "bytecode/operands.h"
#include "bytecode/verify.h"

namespace rflow::codegen {

std::optional<uint32_t> maxStack(const bytecode::Function& f, const bytecode::Module& module) {
  using bytecode::Opcode;
  const std::vector<uint8_t>& code = f.code;
  std::vector<int64_t> depth(code.size(), -1);
  std::vector<uint32_t> work;
  int64_t deepest = 0;
  const auto reach = [&](int64_t pc, int64_t d) {
    if (pc < 0 || static_cast<size_t>(pc) >= code.size() || depth[pc] >= 0) return;
    depth[pc] = d;
    work.push_back(static_cast<uint32_t>(pc));
  };
  reach(0, 0);
  while (!work.empty()) {
    const uint32_t pc = work.back();
    work.pop_back();
    const auto in = bytecode::decodeInstruction(code, pc);
    if (!in) return std::nullopt;
    const auto effect = bytecode::stackEffect(*in, module);
    if (!effect) return std::nullopt;
    const int64_t after = depth[pc] - effect->pops + effect->pushes;
    deepest = std::max({deepest, depth[pc], after});
    if (in->opcode == Opcode::kTryBegin) {
      deepest = std::max(deepest, depth[pc] + 1);
      reach(*bytecode::branchTarget(*in), depth[pc] + 1);
    } else if (const auto target = bytecode::branchTarget(*in)) {
      reach(*target, after);
    }
    if (!bytecode::endsPath(in->opcode)) reach(pc + in->size, after);
  }
  return static_cast<uint32_t>(deepest);
}

}  // namespace rflow::codegen

// Liveness of local slots (the analysis is described in liveness.h).
#include "bytecode/liveness.h"

#include <algorithm>
#include <optional>

#include "bytecode/operands.h"

namespace rflow::bytecode {

Liveness::Liveness(const Function& function)
    : slots_(function.params.size() + function.locals.size()) {
  const size_t words = (slots_ + 63) / 64;
  struct Use {
    bool reads = false;
    bool writes = false;
    uint32_t slot = 0;
  };
  std::vector<Use> uses;
  std::vector<std::optional<int64_t>> targets;
  std::vector<bool> ends;
  std::vector<size_t> handlers;
  for (uint32_t pc = 0; pc < function.code.size();) {
    const std::optional<Instruction> in = decodeInstruction(function.code, pc);
    if (!in) break;  // verified code decodes whole; stop rather than loop on anything else
    Node node;
    node.pc = pc;
    node.next = pc + in->size;
    node.in.assign(words, 0);
    nodes_.push_back(std::move(node));
    Use use;
    if (in->opcode == Opcode::kLoadLocal || in->opcode == Opcode::kStoreLocal) {
      use.slot = static_cast<uint32_t>(in->a);
      use.reads = in->opcode == Opcode::kLoadLocal;
      use.writes = !use.reads;
    }
    uses.push_back(use);
    targets.push_back(branchTarget(*in));
    ends.push_back(endsPath(in->opcode) || in->opcode == Opcode::kEndBranch);
    if (in->opcode == Opcode::kTryBegin) {
      if (const std::optional<int64_t> h = branchTarget(*in)) handlers.push_back(*h);
    }
    pc = nodes_.back().next;
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& node = nodes_[i];
    if (!ends[i] && i + 1 < nodes_.size()) node.successors.push_back(i + 1);
    if (targets[i] && *targets[i] >= 0) node.successors.push_back(nodeAt(static_cast<uint32_t>(*targets[i])));
    for (size_t h : handlers)
      node.successors.push_back(nodeAt(static_cast<uint32_t>(h)));
    std::erase(node.successors, nodes_.size());
  }
  // Iterate to the fixed point, last instruction first (most flow is forward).
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = nodes_.size(); i-- > 0;) {
      std::vector<uint64_t> in = outOf(nodes_[i]);
      const Use& use = uses[i];
      if (use.slot < slots_ && (use.reads || use.writes)) {
        const uint64_t bit = uint64_t{1} << (use.slot % 64);
        if (use.writes) in[use.slot / 64] &= ~bit;
        if (use.reads) in[use.slot / 64] |= bit;
      }
      if (in != nodes_[i].in) {
        nodes_[i].in = std::move(in);
        changed = true;
      }
    }
  }
}

std::vector<uint64_t> Liveness::outOf(const Node& node) const {
  std::vector<uint64_t> out((slots_ + 63) / 64, 0);
  for (size_t s : node.successors) {
    for (size_t w = 0; w < out.size(); ++w)
      out[w] |= nodes_[s].in[w];
  }
  return out;
}

size_t Liveness::nodeAt(uint32_t pc) const {
  const auto it = std::lower_bound(nodes_.begin(), nodes_.end(), pc,
                                   [](const Node& n, uint32_t p) { return n.pc < p; });
  if (it == nodes_.end() || it->pc != pc) return nodes_.size();
  return static_cast<size_t>(it - nodes_.begin());
}

std::vector<uint32_t> Liveness::liveAfter(uint32_t pc) const {
  const size_t i = nodeAt(pc);
  std::vector<uint32_t> live;
  if (i == nodes_.size()) return live;
  const std::vector<uint64_t> out = outOf(nodes_[i]);
  for (uint32_t slot = 0; slot < slots_; ++slot) {
    if ((out[slot / 64] >> (slot % 64)) & 1) live.push_back(slot);
  }
  return live;
}

}  // namespace rflow::bytecode

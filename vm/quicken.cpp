// The quickening pass (quicken.h): finds the sequences of fused.def in verified code.
#include "vm/quicken.h"

#include <array>
#include <optional>
#include <utility>

#include "bytecode/operands.h"

namespace rflow::vm::detail {

namespace {

// The lines of fused.def whose sequence may start with each byte, by index into kFused,
// longest first and in the .def's order among equals: the first that matches is the one
// to write. Most instructions start none, and are passed over at once.
struct Candidates {
  std::array<uint8_t, kFused.size()> index{};
  uint8_t count = 0;
};
constexpr std::array<Candidates, 256> kCandidates = [] {
  std::array<Candidates, 256> table{};
  for (size_t i = 0; i < kFused.size(); ++i) {
    const FusedStep& first = kFused[i].steps[0];
    for (size_t a = 0; a < first.count; ++a) {
      Candidates& c = table[first.alternatives[a]];
      c.index[c.count++] = static_cast<uint8_t>(i);
    }
  }
  for (Candidates& c : table) {
    // Insertion sort: stable, and constexpr where std::stable_sort is not.
    for (size_t i = 1; i < c.count; ++i)
      for (size_t j = i; j > 0 && kFused[c.index[j - 1]].length < kFused[c.index[j]].length; --j)
        std::swap(c.index[j - 1], c.index[j]);
  }
  return table;
}();

// What quicken() writes at each instruction, found once per pc: a step that names a fused
// instruction (in place, or at a jump's target) asks what is written there.
class Quickener {
 public:
  explicit Quickener(std::span<const uint8_t> code) : code_(code), found_(code.size(), kNotYet) {}

  // The fused instruction written at instruction `pc`, or 0.
  uint8_t at(size_t pc) {
    if (found_[pc] == kFinding) return 0;  // a cycle of jumps: nothing is fused through itself
    if (found_[pc] != kNotYet) return static_cast<uint8_t>(found_[pc]);
    found_[pc] = kFinding;
    uint8_t fused = 0;
    const Candidates& candidates = kCandidates[code_[pc]];
    for (size_t i = 0; i < candidates.count && fused == 0; ++i) {
      const FusedInfo& f = kFused[candidates.index[i]];
      if (matches(f, pc)) fused = f.value;
    }
    found_[pc] = fused;
    return fused;
  }

 private:
  static constexpr uint16_t kNotYet = 0x100;
  static constexpr uint16_t kFinding = 0x101;

  bool matches(const FusedInfo& f, size_t pc) {
    size_t next = pc;  // where the next step in place starts
    size_t last = pc;  // where the last one started (the Jump, for a `>` step)
    for (size_t i = 0; i < f.step_count; ++i) {
      const FusedStep& step = f.steps[i];
      if (step.at_target) {
        const std::optional<size_t> target = jumpTarget(last, f.steps[i - 1].length);
        if (!target || !holds(step, *target)) return false;
      } else {
        if (!holds(step, next)) return false;
        last = next;
        next += step.length;
      }
    }
    return true;
  }

  // Whether an instruction `step` allows starts at `pc`.
  bool holds(const FusedStep& step, size_t pc) {
    if (pc >= code_.size()) return false;
    if (step.fused) return step.has(at(pc));
    return step.has(code_[pc]) && code_.size() - pc >= step.length;
  }

  // Where the Jump of `size` bytes at `pc` lands (its I32 operand is relative to the next
  // instruction), if inside the code (it is, in verified code).
  std::optional<size_t> jumpTarget(size_t pc, uint32_t size) const {
    const uint8_t* p = code_.data() + pc + 1;
    const auto offset = static_cast<int32_t>(uint32_t{p[0]} | uint32_t{p[1]} << 8 |
                                             uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24);
    const int64_t target = static_cast<int64_t>(pc) + size + offset;
    if (target < 0 || static_cast<uint64_t>(target) >= code_.size()) return std::nullopt;
    return static_cast<size_t>(target);
  }

  std::span<const uint8_t> code_;
  std::vector<uint16_t> found_;  // per pc: the fused byte (0 none), kNotYet or kFinding
};

}  // namespace

std::vector<uint8_t> quicken(std::span<const uint8_t> code) {
  std::vector<uint8_t> quick(code.begin(), code.end());
  Quickener quickener(code);
  for (uint32_t at = 0; at < code.size();) {
    const std::optional<bytecode::Instruction> in = bytecode::decodeInstruction(code, at);
    if (!in) break;  // unreachable for verified code; the rest stays as it is
    if (const uint8_t fused = quickener.at(at)) quick[at] = fused;
    at += in->size;
  }
  return quick;
}

}  // namespace rflow::vm::detail

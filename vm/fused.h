// Internal to the VM: the fused instructions of fused.def (quicken.h says what they are),
// as the values everything else derives from them: the `Fused` enum, one `FusedInfo` per
// instruction with its sequence decoded into steps, and the constants the handlers use
// (kFusedLength, kFusedBudget, kFusedStep, kMaxFusedInstructions).
//
// Checked at compile time: every value and name is free in opcodes.def and used once by
// fused.def; every name in a sequence is an opcode or a fused instruction; the
// alternatives of a step have one size and one budget; a `>X` step follows a Jump; a
// sequence starts with opcodes; an opcode a handler must read to tell alternatives apart
// starts no sequence; and each line's length and budget are what its sequence adds up to.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bytecode/operands.h"

namespace rflow::vm::detail {

enum class Fused : uint8_t {
#define RFLOW_FUSED(Name, value, sequence, length, budget) k##Name = value,
#include "vm/fused.def"
#undef RFLOW_FUSED
};

inline constexpr size_t kMaxFusedSteps = 6;
inline constexpr size_t kMaxFusedAlternatives = 8;

// One step of a sequence: one instruction that is any of `alternatives`.
struct FusedStep {
  std::array<uint8_t, kMaxFusedAlternatives> alternatives{};
  uint8_t count = 0;
  bool fused = false;             // alternatives are fused instructions, else opcodes
  bool at_target = false;         // `>X`: at the target of the Jump before it, not in place
  uint32_t offset = 0;            // in place: where it starts, in bytes from the fused byte
  uint32_t length = 0;            // in place: its bytes (at a target: the first alternative's)
  uint64_t budget = 0;            // the instructions it counts
  std::array<uint64_t, 4> set{};  // the alternatives as bits, for has()

  constexpr bool has(uint8_t byte) const { return (set[byte >> 6] >> (byte & 63) & 1) != 0; }
};

struct FusedInfo {
  std::string_view name;      // "LtLocalsJump"
  uint8_t value = 0;          // the fused byte
  std::string_view sequence;  // as fused.def writes it
  uint32_t length = 0;        // bytes in place
  uint64_t budget = 0;        // instructions counted
  std::array<FusedStep, kMaxFusedSteps> steps{};
  size_t step_count = 0;
};

namespace fused_table {

struct Line {
  std::string_view name;
  uint8_t value;
  std::string_view sequence;
  uint32_t length;
  uint64_t budget;
};

inline constexpr Line kLines[] = {
#define RFLOW_FUSED(Name, value, sequence, length, budget) {#Name, value, sequence, length, budget},
#include "vm/fused.def"
#undef RFLOW_FUSED
};

// Errors below are thrown during constant evaluation, which makes them compile errors
// that quote the message.
constexpr const Line& lineNamed(std::string_view name) {
  for (const Line& line : kLines)
    if (line.name == name) return line;
  throw "fused.def: a sequence names neither an opcode nor a fused instruction";
}

constexpr FusedStep decodeStep(std::string_view text) {
  FusedStep step;
  if (!text.empty() && text.front() == '>') {
    step.at_target = true;
    text.remove_prefix(1);
  }
  for (size_t at = 0; at <= text.size();) {
    const size_t bar = std::min(text.find('|', at), text.size());
    const std::string_view name = text.substr(at, bar - at);
    at = bar + 1;
    uint8_t value = 0;
    uint32_t length = 0;
    uint64_t budget = 0;
    bool fused = false;
    bool found = false;
    for (unsigned b = 0; b < 256 && !found; ++b) {
      const auto info = bytecode::opcodeInfo(static_cast<uint8_t>(b));
      if (info && info->name == name) {
        value = static_cast<uint8_t>(b);
        length = static_cast<uint32_t>(1 + bytecode::operandBytes(info->layout));
        budget = 1;
        found = true;
      }
    }
    if (!found) {
      const Line& line = lineNamed(name);
      value = line.value;
      length = line.length;
      budget = line.budget;
      fused = true;
    }
    if (step.count == kMaxFusedAlternatives) throw "fused.def: raise kMaxFusedAlternatives";
    // A step at a jump's target is not in place: its size does not count.
    if (step.count > 0 && (fused != step.fused || budget != step.budget ||
                           (length != step.length && !step.at_target)))
      throw "fused.def: the alternatives of a step differ in kind, size or budget";
    step.alternatives[step.count++] = value;
    step.set[value >> 6] |= uint64_t{1} << (value & 63);
    step.fused = fused;
    step.length = length;
    step.budget = budget;
  }
  return step;
}

constexpr FusedInfo decode(const Line& line) {
  FusedInfo f{line.name, line.value, line.sequence, line.length, line.budget};
  if (bytecode::opcodeInfo(line.value)) throw "fused.def: a value is an opcode's";
  for (unsigned b = 0; b < 256; ++b) {
    const auto info = bytecode::opcodeInfo(static_cast<uint8_t>(b));
    if (info && info->name == line.name) throw "fused.def: a name is an opcode's";
  }
  uint32_t length = 0;
  uint64_t budget = 0;
  std::string_view text = line.sequence;
  while (!text.empty()) {
    const size_t space = std::min(text.find(' '), text.size());
    FusedStep step = decodeStep(text.substr(0, space));
    text.remove_prefix(std::min(space + 1, text.size()));
    if (f.step_count == kMaxFusedSteps) throw "fused.def: raise kMaxFusedSteps";
    if (f.step_count == 0 && (step.fused || step.at_target))
      throw "fused.def: a sequence starts with an opcode in place";
    if (step.at_target) {
      const FusedStep& jump = f.steps[f.step_count - 1];
      if (jump.fused || jump.at_target || jump.count != 1 ||
          jump.alternatives[0] != static_cast<uint8_t>(bytecode::Opcode::kJump))
        throw "fused.def: a `>` step follows a Jump in place";
    } else {
      step.offset = length;
      length += step.length;
    }
    budget += step.budget;
    f.steps[f.step_count++] = step;
  }
  if (length != line.length) throw "fused.def: a length is not its sequence's";
  if (budget != line.budget) throw "fused.def: a budget is not its sequence's";
  return f;
}

constexpr auto decodeAll() {
  std::array<FusedInfo, std::size(kLines)> all{};
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = decode(kLines[i]);
    for (size_t j = 0; j < i; ++j) {
      if (all[j].value == all[i].value) throw "fused.def: two lines share a value";
      if (all[j].name == all[i].name) throw "fused.def: two lines share a name";
    }
  }
  // A handler reads the opcode byte of a step with alternatives to tell which it is; the
  // byte stays that opcode only if no sequence starts with it.
  for (const FusedInfo& f : all)
    for (size_t i = 1; i < f.step_count; ++i)
      for (const FusedInfo& g : all)
        for (size_t a = 0; a < f.steps[i].count; ++a)
          if (f.steps[i].count > 1 && !f.steps[i].fused &&
              g.steps[0].has(f.steps[i].alternatives[a]))
            throw "fused.def: an opcode with alternatives starts a sequence";
  return all;
}

}  // namespace fused_table

// Every fused instruction, in fused.def's order.
inline constexpr auto kFused = fused_table::decodeAll();

// The fused instruction of a byte, or nullptr for a byte that is none.
constexpr const FusedInfo* fusedInfo(uint8_t byte) {
  for (const FusedInfo& f : kFused)
    if (f.value == byte) return &f;
  return nullptr;
}
constexpr const FusedInfo& fusedInfo(Fused f) {
  return *fusedInfo(static_cast<uint8_t>(f));
}

// Constants for the handlers, folded at compile time: F's bytes in place (the pc after it),
// the instructions it counts, and where step `i` of its sequence starts (from the fused
// byte; its operands start one byte later).
template <Fused F>
inline constexpr uint32_t kFusedLength = fusedInfo(F).length;
template <Fused F>
inline constexpr uint64_t kFusedBudget = fusedInfo(F).budget;
template <Fused F, size_t I>
inline constexpr uint32_t kFusedStep = [] {
  const FusedInfo& f = fusedInfo(F);
  if (I >= f.step_count || f.steps[I].at_target) throw "no such step in place";
  return f.steps[I].offset;
}();

// The most instructions one fused instruction counts: quickened code runs only while the
// step's budget covers that many.
inline constexpr uint64_t kMaxFusedInstructions = [] {
  uint64_t most = 0;
  for (const FusedInfo& f : kFused)
    most = std::max(most, f.budget);
  return most;
}();

}  // namespace rflow::vm::detail

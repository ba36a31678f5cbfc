// Internal to the VM: how an effect instruction becomes a Request, and what the host may
// answer it with. The interpreter keeps only the values an effect popped (so does a
// persisted state); the Request is rebuilt from them whenever it is needed, by the same
// code, so a decoded state's requests are checked exactly like fresh ones.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <variant>

#include "bytecode/operands.h"
#include "vm/program.h"
#include "vm/request.h"

namespace rflow::vm::detail {

struct EffectError {
  bool corrupt;  // the values' tags do not fit the instruction: the module is corrupt
  std::string message;
};

// True for the opcodes of the suspending effects, step effects and test statements.
bool isEffect(bytecode::Opcode opcode);

// How many values the effect pops and whether it pushes a result.
uint32_t effectPops(const Program& program, const bytecode::Instruction& in);
bool effectPushes(bytecode::Opcode opcode);

// The request for effect `in` with the values it popped (`args`, in push order).
// Runtime errors (a negative retry, approvers below 1 …) have corrupt == false.
std::variant<Request, EffectError> makeRequest(const Program& program,
                                               const bytecode::Instruction& in,
                                               std::span<const Value> args);

// Why `value` cannot answer effect `in`, or nullopt (request.h lists the expectations).
std::optional<std::string> checkResult(const Program& program, const bytecode::Instruction& in,
                                       const Value& value);

}  // namespace rflow::vm::detail

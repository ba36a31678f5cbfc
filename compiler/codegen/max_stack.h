// The deepest the operand stack gets in a function, found over its control-flow graph
// the way the verifier walks it (bytecode/verify.h). Internal to compiler/codegen.
#pragma once

#include <cstdint>
#include <optional>

#include "bytecode/module.h"

namespace rflow::codegen {

// nullopt when the code does not decode or an effect's operand is out of range (the
// verifier then says exactly what is wrong).
std::optional<uint32_t> maxStack(const bytecode::Function& function,
                                 const bytecode::Module& module);

}  // namespace rflow::codegen

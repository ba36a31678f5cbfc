// The wait places of a module (bytecode section 18, module.h WaitPlace): for every wait
// instruction in a workflow's body, its kind, stage name, ordinal, where it sits (try,
// parallel) and the variables live when it is answered, with their names and defaults.
// A migration of waiting instances (intelligence.md §4) matches places by these.
// Internal to compiler/codegen: run once every function has its code.
#pragma once

#include <vector>

#include "bytecode/module.h"
#include "codegen/function_gen.h"

namespace rflow::codegen {

// Fills module.waits from the workflows' bodies; `facts` is indexed by function.
void addWaitPlaces(bytecode::Module& module, const std::vector<FunctionGen::CodeFacts>& facts);

}  // namespace rflow::codegen

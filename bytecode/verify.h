// The module verifier: everything the VM relies on, checked once when a module is
// loaded so that the interpreter never bounds-checks an operand. loadModule() calls it;
// the code generator's tests call it on the modules they build.
//
// Tables: every index in range (types' element and decl; records' field names, types
// and default constants, a default's type equal to its field's; enum members; roles;
// every name a string); types have known tags, unused fields 0, no cycles except through
// records, and at most kMaxTypeDepth types along a chain of elements; constants fit
// their types (module.h, Constant), refer only to earlier constants and nest at most
// kMaxConstantDepth deep; strings are UTF-8.
//
// References between tables: a workflow's body is a workflow function with the
// workflow's parameter and result types, its key, sla and breach functions have those
// kinds; connectors' op ranges tile the ops in order; a policy's, trigger's and test's
// function has the matching kind (a trigger's takes the trigger's parameters); files in
// range.
//
// Functions: known kind, types in range, params + locals <= kMaxSlots, max_stack <=
// kMaxStack, code neither empty nor longer than kMaxCodeBytes, a line table that starts
// at pc 0 and rises strictly through instruction starts, a file in range. The code
// decodes into whole instructions; every branch (also TryBegin's handler) lands on an
// instruction start; every operand is in range for its meaning; and abstract
// interpretation over the control-flow graph, with stackEffect(), shows the stack depth
// never negative, never above max_stack, equal on every path into an instruction, and
// that no path runs off the end of the code (Return, Fail and Jump end a path; the
// handler of `TryBegin h` starts with the depth at the TryBegin plus one: the Error).
//
// Operands: Const and Expect's text are constants (Expect's a string); LoadLocal and
// StoreLocal slots < params + locals; Call a function; CallNative a native of
// stdlib/functions.def with its arity as argc; ToString, Eq, Ne, InList a type; MakeList a list
// type, MakeMap a map type; MakeRecord, Approval, Task (both) and Await record types;
// CallConnector, Mock, MockFails and ExpectCalled an op, CallConnector's options within
// 0xF; StartChild, Spawn and StartRun a workflow; Mock's function a mock taking
// `captured` + the op's parameters; Await's has_timeout <= 1; RunField <= 6; Decide's
// kind <= 2 and flags <= 3; Expect's flags <= 3. GetField's index is below the largest
// record's field count: the verifier does not track the types of stack values, so the
// VM must still check the index against the record it meets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "bytecode/module.h"
#include "bytecode/operands.h"

namespace rflow::bytecode {

struct VerifyError {
  SectionKind section;
  uint32_t entry;              // the index in that section
  std::optional<uint32_t> pc;  // for a function's code: the instruction's offset
  // A whole message: "section `functions` entry 3 (`retail.x.f`): at 0012 Jump: …"
  std::string message;
};

std::optional<VerifyError> verifyModule(const Module& module);

struct StackEffect {
  int64_t pops;
  int64_t pushes;
};

// The stack effect of `instruction` in `module`, every kVar of opcodes.def resolved from
// the operands: Call pops the callee's parameter count; CallNative its argc operand;
// Interpolate n; MakeList n; MakeMap 2n; MakeRecord the record's field count;
// CallConnector the op's parameter count plus one per option bit; Await has_timeout;
// StartChild, Spawn and StartRun the workflow's parameter count; Mock `captured`;
// Decide 2 + (flags & 1); Expect 1 + 2 (flags & 1) + (flags & 2 ? 1 : 0). nullopt when
// an operand the effect depends on is out of range.
std::optional<StackEffect> stackEffect(const Instruction& instruction, const Module& module);

}  // namespace rflow::bytecode

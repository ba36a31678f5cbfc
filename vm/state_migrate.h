// Moving a waiting instance's state to another version of its module (intelligence.md §4,
// "Migration of waiting instances"). The engine decides whether a wait maps
// (bytecode/wait_map.h) and then asks this file for the new state bytes.
//
// Only an instance waiting on its main line, in its workflow body's frame (no call under
// way, no `try` handler, no `parallel` branch), with nothing on its operand stack but what
// the wait itself took, can move: its frame is re-laid by name (wait_map.h's fills), the
// values it holds are re-pointed at the new module's records, enums and roles, and the
// pc becomes the new place's wait instruction. The result is decoded again on the new
// program before it is handed out, so a moved state is one the VM accepts.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "bytecode/wait_map.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace rflow::vm {

// Where a waiting state stands: its frame's function and the pc of its wait.
struct WaitingPoint {
  uint32_t function = 0;
  uint32_t pc = 0;
};

// Where the state `bytes` (of `program`) waits, or why it cannot move (for a person).
std::variant<WaitingPoint, std::string> waitingPoint(std::shared_ptr<const Program> program,
                                                     std::span<const uint8_t> bytes,
                                                     Options options = {});

struct StateMove {
  uint32_t to_function = 0;
  uint32_t to_pc = 0;
  std::vector<bytecode::SlotFill> fills;
};

// The state `bytes` of `from`, moved to `to` as `move` says; `decls` (wait_map.h) is
// extended with records and enums found by name on the way.
std::variant<std::vector<uint8_t>, std::string> moveState(std::shared_ptr<const Program> from,
                                                          std::shared_ptr<const Program> to,
                                                          std::span<const uint8_t> bytes,
                                                          const StateMove& move,
                                                          bytecode::DeclMap& decls,
                                                          Options options = {});

// `value` of `from` as a value of `to` (records, enums and roles found by name, or in
// `decls`); why not when one has no counterpart.
std::variant<Value, std::string> moveValue(const Value& value, const bytecode::Module& from,
                                           const bytecode::Module& to, bytecode::DeclMap& decls);

}  // namespace rflow::vm

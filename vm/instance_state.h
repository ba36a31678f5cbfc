// Internal to the VM: the complete state of an instance — its branches (fibers), their
// frames, operand stacks, try handlers and pending effects — shared by the interpreter
// (interpreter.cpp, execute.cpp) and the state codec (state_codec.cpp).
//
// Layout of a fiber's values: each frame's locals (parameters first), then its operand
// stack, then the next frame's locals. A callee's locals start where its arguments were
// on the caller's stack. A branch's frame 0 has no locals of its own: it shares the
// locals of the frame that forked it (fiber `shared_owner`, from `shared_locals`), so
// its operand stack starts at 0.
//
// Invariants:
// - values.size() covers the locals and max_stack of every frame; values at or above
//   `top` are none, so nothing outside [0, top) holds a reference;
// - a stopped fiber's top frame has pc at the instruction it stopped at (an effect for
//   kWaiting, Join for kJoining); a caller frame's pc is its Call; a kReady fiber's top
//   frame pc is the next instruction to run (after `raise_first` is raised, if set);
// - the operand depth of a stopped frame is Program::stackDepth at its pc, less the
//   effect's operands (held in effect_args) for kWaiting, less the callee's arguments
//   for a caller;
// - handlers are ordered by frame; a handler's depth is the operand depth at its
//   TryBegin;
// - `forks` lists the branches forked by the top frame and not yet joined, in Fork
//   order; a branch's parent is kJoining (or about to Join) in that frame;
// - fiber ids only grow; a parent's id is below its branches'.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "vm/interpreter.h"
#include "vm/program.h"
#include "vm/value.h"

namespace rflow::vm::detail {

inline constexpr uint32_t kNoFiber = UINT32_MAX;

enum class FiberStatus : uint8_t {
  kReady,    // in the run queue
  kForked,   // registered by Fork, started by Join
  kWaiting,  // stopped at an effect; its request is pending
  kJoining,  // stopped at Join until its branches end
  kEnded,    // a branch that reached EndBranch
  kRaised,   // a branch that ended with an error nobody caught
};

struct Frame {
  uint32_t function;
  uint32_t pc;
  uint32_t locals;      // slot 0, in the values of the fiber that owns them
  uint32_t stack_base;  // the operand stack, in this fiber's values
};

struct Handler {
  uint32_t frame;  // index into Fiber::frames
  uint32_t pc;     // the handler's code
  uint32_t depth;  // operand depth to cut back to before pushing the Error
};

// A catchable error on its way to a handler (or out of a branch).
struct RaisedError {
  std::string kind;
  std::string message;
  uint32_t function;  // where it was raised
  uint32_t pc;
};

struct Fiber {
  uint32_t id = 0;
  uint32_t parent = kNoFiber;
  FiberStatus status = FiberStatus::kReady;
  uint32_t shared_owner = 0;
  uint32_t shared_locals = 0;
  uint32_t depth_base = 0;  // frames of the fibers it was forked from, below its frame 0
  std::vector<Value> values;
  uint32_t top = 0;
  std::vector<Frame> frames;
  std::vector<Handler> handlers;
  std::vector<uint32_t> forks;
  // kWaiting: the request's id and the values the effect instruction popped (first
  // popped last, i.e. in push order).
  uint64_t request_id = 0;
  std::vector<Value> effect_args;
  // kRaised: the error it ended with. kReady: an error to raise before running on.
  std::optional<RaisedError> error;
};

struct InstanceState {
  std::map<uint32_t, Fiber> fibers;
  std::deque<uint32_t> ready;
  uint64_t next_request = 0;
  uint32_t next_fiber = 1;
  // The sum of every fiber's values.size(), at most kMaxStackSlots.
  size_t slots = 0;
  // Set once the instance completed or failed.
  std::optional<std::variant<Completed, Failure>> finished;
  // The instance's own copies of the Program's heap constants (strings, lists …), by
  // ConstantId, made when a Const first pushes one (none until then; empty until the first).
  // A Program's objects are counted atomically because every thread may copy them; copies
  // of these are counted with plain increments. A cache: never encoded, and a decoded or
  // copied state simply makes its own again.
  std::vector<Value> constants;
};

// The state codec's and the state mover's (state_migrate.cpp) way into an Instance.
struct StateAccess {
  static const InstanceState& state(const Instance& instance) { return *instance.state_; }
  static Instance make(std::shared_ptr<const Program> program, Options options,
                       InstanceState state) {
    Instance instance(std::move(program), options);
    *instance.state_ = std::move(state);
    return instance;
  }
};

}  // namespace rflow::vm::detail

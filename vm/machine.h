// Internal to the VM: Machine, the interpreter proper. One Machine lives for one run():
// it schedules the ready branches (machine.cpp) and executes instructions
// (execute.cpp); everything it changes is the InstanceState it was given.
#pragma once

#include <cstdint>
#include <string>

#include "bytecode/operands.h"
#include "vm/instance_state.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace rflow::vm::detail {

// Why execute() returned.
enum class Stop : uint8_t {
  kContinue,   // (internal to execute: the fiber goes on)
  kStopped,    // the fiber waits, joins, ended or raised; see its status
  kCompleted,  // the main line returned: state.finished holds the result
  kFailed,     // the instance failed: state.finished holds why
};

class Machine {
 public:
  Machine(const Program& program, const Options& options, InstanceState& state)
      : p_(program),
        m_(program.module()),
        o_(options),
        s_(state),
        budget_(options.max_instructions) {}

  // Runs the ready queue empty; returns the outcome.
  Outcome runReady();

  // Pending requests of every waiting fiber, by branch id; those with id >= fresh_from
  // are marked fresh.
  std::vector<PendingRequest> pending(uint64_t fresh_from) const;

 private:
  // execute.cpp: runs `f` until it stops.
  Stop execute(Fiber& f);

  // machine.cpp: the parts of execution that change frames or fibers. Each expects the
  // fiber's top and top frame's pc to be saved.
  Stop call(Fiber& f, uint32_t callee);
  Stop ret(Fiber& f);
  Stop raise(Fiber& f, RaisedError error);
  Stop fork(Fiber& f, uint32_t target);
  Stop join(Fiber& f);
  Stop endBranch(Fiber& f);
  Stop effect(Fiber& f, const bytecode::Instruction& in);
  void branchDone(Fiber& f);

  // A runtime error at (function, pc): the instance fails.
  Stop fail(uint32_t function, uint32_t pc, std::string message);
  Stop corrupt(uint32_t function, uint32_t pc, std::string_view what);
  Stop failAt(const Fiber& f, std::string message);

  // What Const k pushes: the Program's constant when it is a scalar, else the instance's
  // own copy of it (InstanceState::constants), made on first use.
  const Value& constantFor(uint32_t k) {
    const Value& c = p_.constant(k);
    if (!c.isHeap()) return c;
    if (s_.constants.size() <= k) [[unlikely]]
      s_.constants.resize(m_.constants.size());
    Value& own = s_.constants[k];
    if (own.isNone()) [[unlikely]]
      own = c.unsharedCopy();
    return own;
  }
  Value* localsOf(Fiber& f, size_t frame);
  // Makes f.values hold at least `need` slots within the instance's kMaxStackSlots.
  bool grow(Fiber& f, size_t need);
  // Frees all of f's values (a branch that ended).
  void freeValues(Fiber& f);
  // Releases values [from, top) and sets top = from.
  static void cut(Fiber& f, uint32_t from);

  const Program& p_;
  const bytecode::Module& m_;
  const Options& o_;
  InstanceState& s_;
  uint64_t budget_;
};

}  // namespace rflow::vm::detail

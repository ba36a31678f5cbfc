// The interpreter: an Instance runs one function of a Program (a workflow's body, a
// test, a key or SLA function, a policy, a mock …) until it completes, fails or waits
// for its host. It is pure and deterministic: no I/O, no clock, no threads; everything
// from outside comes in through start()'s arguments and resume()'s results.
//
// Life of an instance:
//
//   auto started = Instance::start(program, function, args);    // checks the arguments
//   Outcome o = instance.run();      // Completed, Failure or Waiting
//   while Waiting: answer (some of) o's requests, then
//     instance.resume({{branch, value-or-error}, …});   // checks, changes nothing on error
//     o = instance.run();
//
// Between run()s a waiting instance can be encoded (state_codec.h) and decoded later,
// in another process, against the same module version.
//
// Waiting and branches. Every effect instruction (request.h) stops the branch that runs
// it; `parallel` (Fork/Join) runs several branches, each with its own operand stack,
// sharing the locals of the frame that forked them. Join runs the forked branches in Fork
// order, each until it ends or stops; run() returns Waiting when no branch can go on,
// listing every pending request, one per stopped branch, each with its branch id (0 is
// the main line; branches get 1, 2, … in Fork order over the instance's life). resume()
// may answer any subset of them in any order; run() then continues the answered branches
// in the order given. When the last branch of a Join ends, the forking branch continues
// after the Join, raising the first error in Fork order if any branch raised.
//
// Errors (language.md §5, prelude's Error). `fail "text"` raises kind "fail"; a host
// answers an effect with an error of its kind ("connector", "timeout", "child" …); these
// are caught by `try`/`catch` (TryBegin/TryEnd), which receives an rflow.Error record,
// and otherwise fail the instance. Everything the VM itself detects — int overflow,
// division by zero, a decimal past 34 digits, an index out of range, a currency
// mismatch, a bad native argument, a limit of limits.h, a corrupt module — is a runtime
// error: kind "runtime", never caught, failing the instance at once (language.md §3: they
// "fail the instance with a message naming the source line"; §5: `catch` catches
// "connector failures, timeouts and `fail`").
//
// What the code generator must respect beyond opcodes.def (checked, a corrupt module
// otherwise): a Return drops the try handlers of its frame (so `return` inside `try`
// needs no TryEnd); between the first Fork and its Join a branch runs only Forks and
// plain instructions (no Call, effect, Return, EndBranch or raise); a forked branch ends
// with EndBranch in the frame it started in; the operand the opcode takes first is the
// deeper one (money before its factor, time before its duration).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "vm/limits.h"
#include "vm/program.h"
#include "vm/request.h"
#include "vm/value.h"

namespace rflow::vm {

// The host's limits for one instance (not persisted: give them again to decodeState).
struct Options {
  uint64_t max_instructions = kDefaultMaxInstructions;  // per run()
  uint32_t max_call_depth = kDefaultMaxCallDepth;
};

// An error the host raises at an effect instruction, e.g. {"connector", "wms.allocate:
// HTTP 503 …"} or {"timeout", …}. Caught by `try`.
struct HostError {
  std::string kind;
  std::string message;
};

// The answer to one pending request.
struct Resumption {
  uint32_t branch;
  std::variant<Value, HostError> result;
};

struct Completed {
  Value result;  // none for a function without a result type
};

// Why the instance failed, and where.
struct Failure {
  std::string kind;  // "runtime" (not catchable), or the kind of an uncaught error
  std::string message;
  std::string file;  // the path of the function's file
  uint32_t line = 0;
  std::string function;  // the qualified name of the function it failed in

  // language.md §5: "{kind}: {message} ({file}:{line})".
  std::string text() const;
};

struct Waiting {
  std::vector<PendingRequest> requests;  // by branch id
};

using Outcome = std::variant<Completed, Failure, Waiting>;

namespace detail {
struct InstanceState;
struct StateAccess;
}  // namespace detail

class Instance {
 public:
  // An instance of `function` with `args` (one per parameter, each checked against its
  // type), ready to run. On a problem: why.
  static std::variant<Instance, std::string> start(std::shared_ptr<const Program> program,
                                                   bytecode::FunctionId function,
                                                   std::vector<Value> args, Options options = {});
  // The same for the body of workflow `workflow` (index into Module::workflows).
  static std::variant<Instance, std::string> startWorkflow(std::shared_ptr<const Program> program,
                                                           uint32_t workflow,
                                                           std::vector<Value> args,
                                                           Options options = {});

  Instance(Instance&&) noexcept;
  Instance& operator=(Instance&&) noexcept;
  Instance(const Instance&);  // a deep copy of the state (values are shared, immutably)
  Instance& operator=(const Instance&);
  ~Instance();

  // Runs until nothing can go on. After Completed or Failure the instance is finished:
  // further run()s return the same outcome and resume() refuses.
  Outcome run();

  // Hands results to waiting branches; they continue at the next run(). Refuses the whole
  // batch (returning why, changing nothing) when a branch is not waiting or is named
  // twice, when a value does not fit the request (request.h) or is not well formed, or
  // when an error's kind is empty or "runtime".
  std::optional<std::string> resume(std::vector<Resumption> results);

  // The requests of every waiting branch, by branch id (none are fresh).
  std::vector<PendingRequest> pending() const;
  bool finished() const;
  const Program& program() const { return *program_; }
  const std::shared_ptr<const Program>& sharedProgram() const { return program_; }
  const Options& options() const { return options_; }

 private:
  friend struct detail::StateAccess;
  Instance(std::shared_ptr<const Program> program, Options options);

  std::shared_ptr<const Program> program_;
  Options options_;
  std::unique_ptr<detail::InstanceState> state_;
};

}  // namespace rflow::vm

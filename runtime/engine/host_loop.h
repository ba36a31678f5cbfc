// The one loop that runs the VM for the engine and answers its requests, under an effect
// policy that says what the running code may do:
//
//   role            may                                 anything else
//   kStep           every suspending and step effect    a test statement: `fail`
//   kBreachHandler  note, notify, now                   `fail` ("cannot wait")
//   kTrigger        spawn (`start` in a trigger)        `fail` ("a trigger only starts")
//   kPureCall       nothing (a key, an sla)             the run stops: Refused
//   kPolicyCheck    nothing (a policy's body)           the run stops: Refused
//
// A Host answers what the role allows: a value or an error at once, or "the branch
// waits" (only a step's branches wait; the loop then returns Suspended), or a failed read
// that abandons the run (Aborted: nothing of it may be committed).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "store/status.h"
#include "vm/interpreter.h"

namespace rflow::engine {

enum class HostRole : uint8_t { kStep, kBreachHandler, kTrigger, kPureCall, kPolicyCheck };

// The request's branch waits for an answer that comes in a later step.
struct Waits {};
using Answer = std::variant<vm::Value, vm::HostError, Waits, store::Status>;

class Host {
 public:
  virtual ~Host() = default;
  // Called only for requests the role allows, each once, when it is first made.
  virtual Answer answer(const vm::PendingRequest& pending) = 0;
};

// Every branch waits: the ids of the pending requests, in the VM's order.
struct Suspended {
  std::vector<uint64_t> requests;
};
// A kPureCall or kPolicyCheck run made an effect.
struct Refused {};
// The host could not read the store.
struct Aborted {
  store::Status status;
};
// The VM refused an answer (a corrupt module, a host bug): the run cannot go on.
struct Rejected {
  std::string problem;
};
using HostOutcome = std::variant<vm::Completed, vm::Failure, Suspended, Refused, Aborted, Rejected>;

// Runs `vm` (after handing it `answers`, if any) until it completes, fails, or every
// branch waits, answering what it asks through `host` as `role` allows.
HostOutcome runHosted(vm::Instance& vm, HostRole role, Host& host,
                      std::vector<vm::Resumption> answers = {});

// A host for roles that may do nothing (kPureCall, kPolicyCheck).
class NoEffects final : public Host {
 public:
  Answer answer(const vm::PendingRequest&) override { return Waits{}; }
};

}  // namespace rflow::engine

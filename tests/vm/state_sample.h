// The sample suspended instance of the state codec's tests, committed sample files
// (tests/vm/v<N>/) and fuzz target. Built by hand (no compiler) and without GoogleTest,
// so the libFuzzer binary can link it.
//
// The module holds the prelude records the VM uses and one workflow,
//
//   workflow sample.Replenish(store: string, qty: int) -> string {      // line 10
//     let xs = [qty, 2, 3]; let m = map{"b": 2, "a": qty}
//     let price = 12.50 USD * 3; let rate = 0.075
//     try {                                                              // line 12
//       parallel {
//         a = sample.fetch(store)          // a fn that calls wms.availability(store)
//         b = approval "Reorder {store}" { assign Planner; approvers 2; data { xs, m } }
//         c = fail "no stock at {store}"   // raises at once
//       }
//       return "{a} {b.approved}"
//     } catch err {                                                      // line 20
//       note err.message
//       return "{err.kind}: {err.message} ({price}, {rate}, {xs}, {m})"
//     }
//   }
//
// Started with ("S1", 5) and run, it waits with: the main line joining at the Join
// inside the try (one handler), branch 1 waiting in sample.fetch (two frames: the shared
// one at its Call, fetch at its CallConnector), branch 2 waiting at the Approval (a
// request record with a role, a list, optionals, and the data record with a list and a
// map), branch 3 raised ("fail", "no stock at S1"). Locals of the main frame hold
// strings, ints, a list, a map, money and a decimal. Resumed with 7 for branch 1 and an
// approval for branch 2, the Join raises branch 3's error, the handler notes it, and
// (once the note is answered) the instance completes with
//   "fail: no stock at S1 (37.50 USD, 0.075, [5, 2, 3], {"a": 5, "b": 2})".
#pragma once

#include <memory>

#include "bytecode/module.h"
#include "vm/interpreter.h"
#include "vm/program.h"

namespace rflow::vm::testing {

struct StateSample {
  bytecode::Module module;    // written once, so its content hash is filled in
  bytecode::FunctionId body;  // the workflow's body
  uint32_t approval_record;   // rflow.Approval
  uint32_t approval_outcome;  // the rflow.ApprovalOutcome enum
};

StateSample stateSample();

// The sample's program, and its instance started with ("S1", 5) and run until it waits.
std::shared_ptr<const Program> stateSampleProgram();
Instance stateSampleInstance(const std::shared_ptr<const Program>& program);

// Answers the sample's requests as the header says and runs it to its end; returns the
// completed result's text, or a description of what went wrong.
std::string finishStateSample(Instance& instance);

}  // namespace rflow::vm::testing

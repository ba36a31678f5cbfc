// Connector calls (runtime.md §6): a call is committed with the step that makes it and
// sent once that step is durable; its answer is a step of its own (the result handed to
// the waiting branch, a retry after a backoff, or a connector error); after a crash,
// recovery sends every pending call again with the same Idempotency-Key.
#pragma once

#include <atomic>
#include <string>

#include "engine/engine.h"
#include "engine/step.h"
#include "engine/work_queue.h"

namespace rflow::engine {

class Calls {
 public:
  explicit Calls(EngineParts& parts) : parts_(parts) {}

  // A connector request of `step`: the pending call is written, and sent once committed.
  Wait record(Step& step, const vm::PendingRequest& pending, const vm::effect::Connector& call);
  void dispatch(const CallRecord& call, const InstanceRecord& instance);
  // A connector's answer, from any thread.
  void finished(CallResult result);
  size_t inFlight() const { return in_flight_.load(); }

  // Steps: an answer (Work::Kind::kCallDone); a retry timer's.
  store::Status answered(Step& step, const CallResult& result);
  store::Status retry(Step& step, const TimerRecord& timer);
  // Sends a pending call again (recovery, Work::Kind::kResend).
  void resend(QueuedWork item);

 private:
  store::Status retryLater(Step& step, CallRecord call, const CallResult& result,
                           const std::string& op_name);

  EngineParts& parts_;
  std::atomic<size_t> in_flight_{0};
};

// "conn.op" for an op of the module.
std::string opName(const bytecode::Module& module, uint32_t op);

}  // namespace rflow::engine

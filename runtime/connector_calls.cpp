// Connector attempts on a thread pool (the contract is in connector_calls.h).
#include "runtime/connector_calls.h"

#include <fmt/format.h>

#include "engine/record_codec.h"
#include "vm/print.h"

namespace rflow::runtime {

ConnectorCalls::ConnectorCalls(const ConnectorSet& connectors, size_t threads,
                               BreakerOptions breakers, std::function<int64_t()> monotonic_ms)
    : connectors_(connectors), breakers_(breakers, std::move(monotonic_ms)) {
  if (threads == 0) threads = 1;
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i)
    threads_.emplace_back([this] { work(); });
}

ConnectorCalls::~ConnectorCalls() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (std::thread& t : threads_)
    t.join();
}

void ConnectorCalls::dispatch(engine::CallRequest request,
                              std::function<void(engine::CallResult)> done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back({std::move(request), std::move(done)});
  }
  wake_.notify_one();
}

void ConnectorCalls::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    job.done(attempt(job.request));
  }
}

engine::CallResult ConnectorCalls::attempt(const engine::CallRequest& request) {
  engine::CallResult result;
  result.instance = request.instance;
  result.request = request.request;
  result.attempt = request.attempt;
  auto permanent = [&](std::string reason) {
    result.kind = engine::CallResult::Kind::kPermanent;
    result.reason = std::move(reason);
    return result;
  };
  if (!request.program) return permanent("the call has no program (an internal error)");
  const bytecode::Module& module = request.program->module();
  if (request.op >= module.ops.size())
    return permanent(fmt::format("operation #{} is not in the module", request.op));

  const std::optional<vm::Value> args = engine::decodeValue(request.args, module);
  if (!args || args->tag() != vm::Tag::kList)
    return permanent("the call's stored arguments cannot be read (the data directory is damaged)");
  const auto items = args->listItems();
  CallRequest call =
      makeCallRequest(module, request.op, {items.data(), items.size()}, request.instance,
                      request.workflow, request.idempotency_key, request.timeout);

  const std::string breaker(vm::declaredName(call.connector));
  if (auto refused = breakers_.admit(breaker)) {
    result.kind = engine::CallResult::Kind::kRetryable;
    result.reason = std::move(*refused);
    return result;
  }
  const runtime::CallResult answer = connectors_.call(call);
  breakers_.record(breaker,
                   std::holds_alternative<CallRetryable>(answer)   ? AttemptOutcome::kRetryable
                   : std::holds_alternative<CallPermanent>(answer) ? AttemptOutcome::kPermanent
                                                                   : AttemptOutcome::kSuccess);
  if (const auto* ok = std::get_if<CallSuccess>(&answer)) {
    auto decoded = decodeCallResult(ok->body, request.op, module);
    if (auto* message = std::get_if<std::string>(&decoded)) {
      // decodeCallResult's message starts with the call's name; the engine adds it again.
      const std::string prefix = "`" + opDisplayName(module, request.op) + "`: ";
      if (message->rfind(prefix, 0) == 0) return permanent(message->substr(prefix.size()));
      return permanent(std::move(*message));
    }
    result.kind = engine::CallResult::Kind::kOk;
    result.value = engine::encodeValue(std::get<vm::Value>(decoded));
    return result;
  }
  if (const auto* failed = std::get_if<CallPermanent>(&answer)) return permanent(failed->reason);
  const auto& retry = std::get<CallRetryable>(answer);
  result.kind = engine::CallResult::Kind::kRetryable;
  result.reason = retry.reason;
  return result;
}

}  // namespace rflow::runtime

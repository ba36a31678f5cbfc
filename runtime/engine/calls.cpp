// Connector calls: recorded in the step that makes them, sent once it is durable, their
// answers and retries as steps of their own.
#include "engine/calls.h"

#include <fmt/format.h>

#include "base/decimal.h"
#include "engine/effect_results.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

namespace {

// Retry delays are capped at a day: a runaway factor must not push a retry past any
// sensible wait.
constexpr int64_t kMaxRetryDelay = 24LL * 3600 * 1000;

// The delay after `delay` with the backoff factor (exact decimal, rounded down to ms).
int64_t nextDelay(int64_t delay, const std::string& backoff) {
  const auto factor = base::Decimal::parse(backoff);
  if (!factor) return delay;
  const auto next = multiply(base::Decimal::fromInt(delay), *factor);
  if (!next) return kMaxRetryDelay;
  const std::string text = next->toString();
  int64_t ms = 0;
  for (char c : text.substr(0, text.find('.'))) {
    if (c < '0' || c > '9') continue;
    ms = ms * 10 + (c - '0');
    if (ms > kMaxRetryDelay) break;
  }
  return std::min(ms, kMaxRetryDelay);
}

}  // namespace

std::string opName(const bytecode::Module& m, uint32_t op) {
  std::string name(m.strings[m.ops[op].name]);
  for (const bytecode::Connector& c : m.connectors) {
    if (op >= c.first_op && op < c.first_op + c.op_count)
      return fmt::format("{}.{}", vm::declaredName(m.strings[c.name]), name);
  }
  return name;
}

Wait Calls::record(Step& step, const vm::PendingRequest& pending, const vm::effect::Connector& r) {
  CallRecord call;
  call.instance = step.rec.id;
  call.request = pending.id;
  call.op = r.op;
  call.args = detail::encodeList(r.args);
  call.retries = r.retry.value_or(0);
  call.every = r.every.value_or(0);
  call.backoff = r.backoff ? r.backoff->toString() : "1";
  call.timeout = r.timeout;
  call.next_delay = call.every;
  call.started_at = step.now;
  step.batch.put(store::Column::kCalls, keys::perInstance(step.rec.id, pending.id), call.encode());
  step.send.push_back(std::move(call));
  Wait wait;
  wait.request = pending.id;
  wait.branch = pending.branch;
  wait.since = step.now;
  wait.kind = WaitKind::kConnector;
  wait.detail = opName(step.program->module(), r.op);
  step.audit(AuditKind::kCalled, wait.detail, {}, std::to_string(pending.id));
  return wait;
}

void Calls::dispatch(const CallRecord& call, const InstanceRecord& instance) {
  CallRequest request;
  request.instance = call.instance;
  request.workflow = instance.workflow_name;
  request.request = call.request;
  auto program = parts_.programs.get(instance.version);
  if (program) request.program = *program;
  request.op = call.op;
  request.args = call.args;
  request.timeout = call.timeout;
  request.idempotency_key = fmt::format("{}/{}", call.instance, call.request);
  request.attempt = call.attempt;
  in_flight_.fetch_add(1);
  parts_.dispatcher.dispatch(std::move(request),
                             [this](CallResult result) { finished(std::move(result)); });
}

void Calls::finished(CallResult result) {
  std::string instance = result.instance;
  parts_.queue.push(Work{Work::Kind::kCallDone, std::move(instance), std::move(result), 0, {}, {}});
  in_flight_.fetch_sub(1);
  parts_.queue.notify();
}

store::Status Calls::answered(Step& step, const CallResult& result) {
  const std::string call_key = keys::perInstance(result.instance, result.request);
  auto bytes = parts_.store.get(store::Column::kCalls, call_key);
  if (!bytes.ok()) return bytes.status();
  // Already answered, or the instance ended: nothing to do.
  if (!bytes.value() || !step.program) return {};
  auto call = CallRecord::decode(*bytes.value());
  if (!call || call->attempt != result.attempt) return {};
  const bytecode::Module& m = step.program->module();
  const std::string op_name = opName(m, call->op);
  CallResult::Kind kind = result.kind;
  std::string reason = result.reason;
  std::optional<vm::Value> value;
  if (kind == CallResult::Kind::kOk) {
    value = decodeValue(result.value, m);
    if (!value) {
      kind = CallResult::Kind::kPermanent;
      reason = "its answer could not be read";
    } else if (auto problem = vm::checkValue(*value, m, m.ops[call->op].result)) {
      kind = CallResult::Kind::kPermanent;
      reason = "its answer does not fit the declared result: " + *problem;
    }
  }
  if (kind == CallResult::Kind::kRetryable && static_cast<int64_t>(call->attempt) <= call->retries)
    return retryLater(step, std::move(*call), result, op_name);
  step.batch.remove(store::Column::kCalls, call_key);
  // The final answer stays with the instance for replays (`rflow whatif`).
  EffectResult kept;
  kept.kind = EffectKind::kCall;
  kept.name = op_name;
  kept.digest = effectDigest(call->args);
  kept.ok = kind == CallResult::Kind::kOk;
  if (kept.ok) {
    kept.value = result.value;
  } else {
    kept.reason = reason;
  }
  step.batch.put(store::Column::kMeta, effectResultKey(step.rec.id, result.request),
                 kept.encode());
  if (kind == CallResult::Kind::kOk) {
    step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kOk, step.now,
                      step.now - call->started_at);
    step.audit(AuditKind::kAnswered, op_name, {}, std::to_string(result.request));
    return parts_.steps.resume(step, result.request, std::move(*value));
  }
  const std::string message = fmt::format("{}: {}", op_name, reason);
  step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kFailed, step.now,
                    step.now - call->started_at);
  step.audit(AuditKind::kCallFailed, message, {}, std::to_string(result.request));
  return parts_.steps.resume(step, result.request, vm::HostError{"connector", message});
}

store::Status Calls::retryLater(Step& step, CallRecord call, const CallResult& result,
                                const std::string& op_name) {
  const int64_t delay = call.next_delay;
  ++call.attempt;
  call.next_delay = nextDelay(delay, call.backoff);
  step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kRetried, step.now,
                    std::nullopt);
  step.audit(AuditKind::kRetry,
             fmt::format("{}: {}; attempt {} of {} in {}", op_name, result.reason, call.attempt,
                         call.retries + 1, durationText(delay)),
             {}, std::to_string(result.request));
  if (parts_.options.immediate_retries || delay <= 0) {
    step.send.push_back(call);
  } else {
    call.retry_scheduled = true;
    parts_.timers.add(step, step.now + delay,
                      {TimerKind::kCallRetry, result.instance, result.request, {}, 0});
  }
  step.batch.put(store::Column::kCalls, keys::perInstance(result.instance, result.request),
                 call.encode());
  return {};
}

store::Status Calls::retry(Step& step, const TimerRecord& timer) {
  const std::string call_key = keys::perInstance(timer.instance, timer.request);
  auto bytes = parts_.store.get(store::Column::kCalls, call_key);
  if (!bytes.ok()) return bytes.status();
  if (!bytes.value()) return {};
  auto call = CallRecord::decode(*bytes.value());
  if (!call) return {};
  call->retry_scheduled = false;
  step.batch.put(store::Column::kCalls, call_key, call->encode());
  step.send.push_back(*call);
  step.instance_changed = false;
  return {};
}

void Calls::resend(QueuedWork item) {
  auto lease = parts_.leaseFor(item);
  if (!lease) return;  // parked: it comes back with the lease
  const Work& work = item.work;
  auto bytes =
      parts_.store.get(store::Column::kCalls, keys::perInstance(work.instance, work.request));
  auto rec = parts_.queries.loadInstance(work.instance);
  if (!bytes.ok() || !rec.ok()) {
    parts_.queue.stall(std::move(item.work));
    return;
  }
  if (!bytes.value() || !rec.value()) return;
  if (auto call = CallRecord::decode(*bytes.value())) dispatch(*call, *rec.value());
}

}  // namespace rflow::engine

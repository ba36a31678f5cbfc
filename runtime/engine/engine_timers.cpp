// Timers (sleeps, await timeouts, escalations, due dates, SLA breaches, call retries),
// connector answers and retries, results handed over through the inbox, and breach
// handlers.
#include <fmt/format.h>

#include "base/decimal.h"
#include "engine/engine_internal.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

void Engine::addTimer(store::Batch& batch, int64_t due, TimerRecord timer) {
  batch.put(store::Column::kTimers, timerKey(due, next_timer_.fetch_add(1), timer.instance),
            timer.encode());
}

std::optional<int64_t> Engine::nextTimer() const {
  std::optional<int64_t> due;
  (void)store_.scanFrom(store::Column::kTimers, "", [&](std::string_view key, std::string_view) {
    due = timerDue(key);
    return false;
  });
  return due;
}

size_t Engine::fireTimers(int64_t up_to, size_t limit) {
  // The timer tick also retries work a failed commit stalled (see retryStalled).
  retryStalled();
  size_t fired = 0;
  while (fired < limit) {
    std::optional<std::pair<std::string, TimerRecord>> next;
    bool corrupt = false;
    (void)store_.scanFrom(store::Column::kTimers, "",
                          [&](std::string_view key, std::string_view bytes) {
                            const auto due = timerDue(key);
                            if (!due || *due > up_to) return false;
                            if (auto timer = TimerRecord::decode(bytes)) {
                              next.emplace(std::string(key), std::move(*timer));
                            } else {
                              corrupt = true;
                              next.emplace(std::string(key), TimerRecord{});
                            }
                            return false;
                          });
    if (!next) break;
    if (corrupt) {
      // An unreadable timer cannot be acted on; drop it rather than loop on it.
      store::Batch batch;
      batch.remove(store::Column::kTimers, next->first);
      if (!store_.commit(batch).empty()) break;
      continue;
    }
    if (fireTimer(next->first, next->second)) break;  // the store failed: try again later
    ++fired;
  }
  return fired;
}

std::optional<EngineError> Engine::fireTimer(const std::string& key, const TimerRecord& timer) {
  std::lock_guard lock(lockFor(timer.instance));
  const auto removeTimer = [&](Step& step) { step.batch.remove(store::Column::kTimers, key); };
  // A step that only records what the timer did (no VM run).
  const auto plainStep = [&](const std::function<void(Step&)>& body) -> std::optional<EngineError> {
    auto rec = loadInstance(timer.instance);
    Step step;
    step.now = clock_.now();
    removeTimer(step);
    if (!rec) {
      step.instance_changed = false;
      step.rec.id = timer.instance;
      return commit(step);
    }
    step.rec = std::move(*rec);
    step.loaded_status = step.rec.status;
    step.program = program(step.rec.version);
    body(step);
    return commit(step);
  };

  switch (timer.kind) {
    case TimerKind::kWake:
      return resumeWait(timer.instance, timer.request, vm::Value(), [&](Step& step) {
        removeTimer(step);
        for (const Wait& w : step.rec.waits) {
          if (w.request == timer.request && w.kind == WaitKind::kSignal)
            audit(step, "timed out", fmt::format("no {} arrived", w.detail));
        }
      });
    case TimerKind::kEscalation:
      return plainStep([&](Step& step) {
        auto task = loadTask(timer.task);
        if (!task || task->status != TaskStatus::kOpen || timer.index >= task->escalations.size() ||
            task->escalations[timer.index].fired)
          return;
        step.batch.remove(store::Column::kTaskIndex,
                          task->assignee.is_role ? roleIndexKey(task->assignee.name, task->id)
                                                 : userIndexKey(task->assignee.name, task->id));
        Escalation& e = task->escalations[timer.index];
        e.fired = true;
        const Assignee from = task->assignee;
        task->assignee = e.to;
        ++task->escalated;
        step.metrics.escalated(step.rec.workflow_name, step.now);
        step.batch.put(store::Column::kTasks, task->id, task->encode());
        step.batch.put(store::Column::kTaskIndex,
                       task->assignee.is_role ? roleIndexKey(task->assignee.name, task->id)
                                              : userIndexKey(task->assignee.name, task->id),
                       "");
        audit(step, "escalated",
              fmt::format("{} from {} to {}", task->title, from.name, task->assignee.name), {},
              task->id);
      });
    case TimerKind::kTaskDue: {
      auto task = loadTask(timer.task);
      if (task && task->status == TaskStatus::kOpen && task->approval) {
        task->status = TaskStatus::kExpired;
        task->decided_at = clock_.now();
        const auto program = this->program(task->version);
        vm::Value result = program ? approvalResult(*program, *task) : vm::Value();
        return resumeWait(timer.instance, timer.request, std::move(result), [&](Step& step) {
          removeTimer(step);
          closeTask(step, *task);
          audit(step, "expired", task->title, {}, task->id);
        });
      }
      return plainStep([&](Step& step) {
        if (!task || task->status != TaskStatus::kOpen) return;
        task->overdue = true;
        step.batch.put(store::Column::kTasks, task->id, task->encode());
        audit(step, "overdue", task->title, {}, task->id);
      });
    }
    case TimerKind::kSlaBreach:
      return plainStep([&](Step& step) {
        if (!isLive(step.rec.status) || step.rec.breached) return;
        step.rec.breached = true;
        step.metrics.slaBreached(step.rec.workflow_name, step.now);
        audit(step, "sla breached",
              fmt::format("{} is still running {} after it started", step.rec.workflow_name,
                          durationText(step.now - step.rec.created_at)));
        runBreachHandler(step);
      });
    case TimerKind::kCallRetry:
      return plainStep([&](Step& step) {
        const std::string call_key = perInstanceKey(timer.instance, timer.request);
        auto bytes = store_.get(store::Column::kCalls, call_key);
        if (!bytes) return;
        auto call = CallRecord::decode(*bytes);
        if (!call) return;
        call->retry_scheduled = false;
        step.batch.put(store::Column::kCalls, call_key, call->encode());
        step.send.push_back(*call);
        step.instance_changed = false;
      });
  }
  return std::nullopt;
}

void Engine::runBreachHandler(Step& step) {
  if (!step.program) return;
  const bytecode::Module& m = step.program->module();
  const bytecode::Workflow& w = m.workflows[step.rec.workflow];
  if (!w.breach) return;
  auto args = detail::decodeList(step.rec.args, m);
  auto started = vm::Instance::start(step.program, *w.breach,
                                     args.value_or(std::vector<vm::Value>{}), options_.vm);
  if (auto* problem = std::get_if<std::string>(&started)) {
    audit(step, "breach handler failed", *problem);
    return;
  }
  vm::Instance& handler = std::get<vm::Instance>(started);
  for (;;) {
    vm::Outcome o = handler.run();
    if (std::holds_alternative<vm::Completed>(o)) return;
    if (auto* failed = std::get_if<vm::Failure>(&o)) {
      audit(step, "breach handler failed", failed->text());
      return;
    }
    std::vector<vm::Resumption> answers;
    for (const vm::PendingRequest& pending : std::get<vm::Waiting>(o).requests) {
      if (const auto* note = std::get_if<vm::effect::Note>(&pending.request)) {
        audit(step, "note", note->text);
        answers.push_back({pending.branch, vm::Value()});
      } else if (const auto* notify = std::get_if<vm::effect::Notify>(&pending.request)) {
        const Assignee to = detail::assigneeOf(*step.program, notify->target);
        audit(step, "notify", notify->text, {}, (to.is_role ? "role " : "user ") + to.name);
        answers.push_back({pending.branch, vm::Value()});
      } else if (std::holds_alternative<vm::effect::Now>(pending.request)) {
        answers.push_back({pending.branch, vm::Value::integer(step.now)});
      } else {
        answers.push_back(
            {pending.branch, vm::HostError{"fail", "an `on breach` handler cannot wait"}});
      }
    }
    if (auto problem = handler.resume(std::move(answers))) {
      audit(step, "breach handler failed", *problem);
      return;
    }
  }
}

void Engine::dispatchCall(const CallRecord& call, const InstanceRecord& instance) {
  CallRequest request;
  request.instance = call.instance;
  request.workflow = instance.workflow_name;
  request.request = call.request;
  request.program = program(instance.version);
  request.op = call.op;
  request.args = call.args;
  request.timeout = call.timeout;
  request.idempotency_key = fmt::format("{}/{}", call.instance, call.request);
  request.attempt = call.attempt;
  inflight_.fetch_add(1);
  calls_.dispatch(std::move(request),
                  [this](CallResult result) { callFinished(std::move(result)); });
}

void Engine::callFinished(CallResult result) {
  enqueue({Work::Kind::kCallDone, result.instance, std::move(result), 0});
  inflight_.fetch_sub(1);
}

void Engine::processCallResult(const CallResult& result) {
  std::lock_guard lock(lockFor(result.instance));
  const std::string call_key = perInstanceKey(result.instance, result.request);
  auto bytes = store_.get(store::Column::kCalls, call_key);
  if (!bytes) return;  // already answered, or the instance ended
  auto call = CallRecord::decode(*bytes);
  auto rec = loadInstance(result.instance);
  if (!call || !rec || call->attempt != result.attempt) return;
  const auto program = this->program(rec->version);
  if (!program) return;
  const bytecode::Module& m = program->module();
  std::string op_name(m.strings[m.ops[call->op].name]);
  for (const bytecode::Connector& c : m.connectors) {
    if (call->op >= c.first_op && call->op < c.first_op + c.op_count)
      op_name = fmt::format("{}.{}", vm::declaredName(m.strings[c.name]), op_name);
  }
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
  if (kind == CallResult::Kind::kOk) {
    (void)resumeWait(result.instance, result.request, std::move(*value), [&](Step& step) {
      step.batch.remove(store::Column::kCalls, call_key);
      step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kOk, step.now,
                        step.now - call->started_at);
      audit(step, "answered", op_name, {}, std::to_string(result.request));
    });
    return;
  }
  if (kind == CallResult::Kind::kRetryable &&
      static_cast<int64_t>(call->attempt) <= call->retries) {
    Step step;
    step.rec = std::move(*rec);
    step.loaded_status = step.rec.status;
    step.program = program;
    step.now = clock_.now();
    const int64_t delay = call->next_delay;
    ++call->attempt;
    // The next delay grows by the backoff factor (exact decimal, rounded down to ms).
    // Capped at a day: a runaway factor must not push a retry past any sensible wait.
    constexpr int64_t kMaxRetryDelay = 24LL * 3600 * 1000;
    if (auto factor = base::Decimal::parse(call->backoff)) {
      if (const auto next = multiply(base::Decimal::fromInt(delay), *factor)) {
        const std::string whole = next->toString().substr(0, next->toString().find('.'));
        int64_t ms = 0;
        for (char c : whole) {
          if (c < '0' || c > '9') continue;
          ms = ms * 10 + (c - '0');
          if (ms > kMaxRetryDelay) break;
        }
        call->next_delay = std::min(ms, kMaxRetryDelay);
      } else {
        call->next_delay = kMaxRetryDelay;
      }
    }
    step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kRetried,
                      step.now, std::nullopt);
    audit(step, "retry",
          fmt::format("{}: {}; attempt {} of {} in {}", op_name, reason, call->attempt,
                      call->retries + 1, durationText(delay)),
          {}, std::to_string(result.request));
    if (options_.immediate_retries || delay <= 0) {
      step.send.push_back(*call);
    } else {
      call->retry_scheduled = true;
      addTimer(step.batch, step.now + delay,
               {TimerKind::kCallRetry, result.instance, result.request, {}, 0});
    }
    step.batch.put(store::Column::kCalls, call_key, call->encode());
    (void)commit(step);
    return;
  }
  const std::string message = fmt::format("{}: {}", op_name, reason);
  (void)resumeWait(
      result.instance, result.request, vm::HostError{"connector", message}, [&](Step& step) {
        step.batch.remove(store::Column::kCalls, call_key);
        step.metrics.call(step.rec.workflow_name, op_name, MetricsDelta::CallOutcome::kFailed,
                          step.now, step.now - call->started_at);
        audit(step, "call failed", message, {}, std::to_string(result.request));
      });
}

void Engine::processInbox(const std::string& instance) {
  std::lock_guard lock(lockFor(instance));
  std::vector<std::pair<std::string, InboxRecord>> entries;
  (void)store_.scan(store::Column::kInbox, perInstancePrefix(instance),
                    [&](std::string_view key, std::string_view bytes) {
                      if (auto entry = InboxRecord::decode(bytes))
                        entries.emplace_back(std::string(key), std::move(*entry));
                      return true;
                    });
  for (auto& item : entries) {
    // Not a structured binding: clang 14 cannot capture one in the lambda below.
    const auto& key = item.first;
    auto& entry = item.second;
    auto rec = loadInstance(instance);
    const auto program = rec ? this->program(rec->version) : nullptr;
    std::variant<vm::Value, vm::HostError> result = vm::Value();
    if (entry.ok) {
      if (program) result = decodeValue(entry.value, program->module()).value_or(vm::Value());
    } else {
      result = vm::HostError{entry.error_kind, entry.error_message};
    }
    (void)resumeWait(instance, entry.request, std::move(result),
                     [&](Step& step) { step.batch.remove(store::Column::kInbox, key); });
  }
}

}  // namespace rflow::engine

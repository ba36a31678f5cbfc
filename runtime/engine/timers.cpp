// Timers: set in a step, queued as work when due, acted on in a step of their instance
// that also removes them.
#include "engine/timers.h"

#include <fmt/format.h>

#include "engine/host_loop.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "engine/step_effects.h"

namespace rflow::engine {

void Timers::add(Step& step, int64_t due, TimerRecord timer) {
  step.batch.put(store::Column::kTimers, keys::timer(due, parts_.ids.timer(), timer.instance),
                 timer.encode());
}

std::optional<int64_t> Timers::next() const {
  std::optional<int64_t> due;
  std::lock_guard lock(mutex_);
  (void)parts_.store.scanFrom(store::Column::kTimers, "",
                              [&](std::string_view key, std::string_view) {
                                if (in_flight_.count(std::string(key))) return true;
                                due = keys::timerDue(key);
                                return false;
                              });
  return due;
}

size_t Timers::fire(int64_t up_to, size_t limit) {
  std::vector<Work> due;
  std::vector<std::string> corrupt;
  {
    std::lock_guard lock(mutex_);
    (void)parts_.store.scanFrom(
        store::Column::kTimers, "", [&](std::string_view key, std::string_view bytes) {
          const auto at = keys::timerDue(key);
          if (!at || *at > up_to || due.size() >= limit) return false;
          std::string k(key);
          if (!in_flight_.insert(k).second) return true;
          auto timer = TimerRecord::decode(bytes);
          if (!timer) {
            corrupt.push_back(std::move(k));
            return true;
          }
          due.push_back(Work{Work::Kind::kTimer, timer->instance, {}, 0, std::move(k), *timer});
          return true;
        });
  }
  if (!corrupt.empty()) {
    // An unreadable timer cannot be acted on; it is dropped rather than looped on (through
    // the pipeline, so that with a partition log the drop is in the log too).
    store::Batch batch;
    for (const std::string& key : corrupt)
      batch.remove(store::Column::kTimers, key);
    (void)parts_.pipeline.commitAndWait(std::move(batch));
    for (const std::string& key : corrupt)
      landed(key);
  }
  for (Work& work : due)
    parts_.queue.push(std::move(work));
  return due.size();
}

void Timers::landed(const std::string& key) {
  std::lock_guard lock(mutex_);
  in_flight_.erase(key);
}

void Timers::process(QueuedWork item) {
  auto lease = parts_.leaseFor(item);
  if (!lease) return;  // parked: it comes back with the lease
  const Work& work = item.work;
  auto opened = parts_.steps.open(work.instance, *lease);
  std::unique_ptr<Step> step;
  if (!opened) {
    const EngineError* error = &opened.error();
    if (error->code == EngineError::Code::kStorage) {
      parts_.queue.stall(std::move(item.work));
      return;
    }
    // The instance is gone: only the timer goes.
    step = parts_.steps.detached(work.instance, std::move(*lease));
  } else {
    step = std::move(*opened);
    if (store::Status acted = act(*step, work); !acted.ok()) {
      parts_.queue.stall(std::move(item.work));
      return;
    }
  }
  step->batch.remove(store::Column::kTimers, work.timer_key);
  parts_.steps.submit(std::move(step), [this, work = item.work](const store::Status& status) {
    if (status.ok()) {
      landed(work.timer_key);
    } else {
      parts_.queue.stall(work);
    }
  });
}

store::Status Timers::act(Step& step, const Work& work) {
  const TimerRecord& timer = work.timer;
  switch (timer.kind) {
    case TimerKind::kWake:
      return wake(step, timer);
    case TimerKind::kEscalation:
      return parts_.tasks.escalate(step, timer);
    case TimerKind::kTaskDue:
      return parts_.tasks.due(step, timer);
    case TimerKind::kSlaBreach:
      return breach(step);
    case TimerKind::kCallRetry:
      return parts_.calls.retry(step, timer);
  }
  return {};
}

store::Status Timers::wake(Step& step, const TimerRecord& timer) {
  for (const Wait& w : step.rec.waits) {
    if (w.request == timer.request && w.kind == WaitKind::kSignal)
      step.audit(AuditKind::kTimedOut, fmt::format("no {} arrived", w.detail));
  }
  return parts_.steps.resume(step, timer.request, vm::Value());
}

namespace {

// An `on breach` handler may note, notify and read the time, in the breach's step.
class BreachHost final : public Host {
 public:
  explicit BreachHost(Step& step) : step_(step) {}
  Answer answer(const vm::PendingRequest& pending) override {
    return answerStepEffect(step_, pending.request).value_or(vm::Value());
  }

 private:
  Step& step_;
};

}  // namespace

store::Status Timers::breach(Step& step) {
  if (!isLive(step.rec.status) || step.rec.breached) return {};
  step.rec.breached = true;
  step.metrics.slaBreached(step.rec.workflow_name, step.now);
  step.audit(AuditKind::kSlaBreached,
             fmt::format("{} is still running {} after it started", step.rec.workflow_name,
                         durationText(step.now - step.rec.created_at)));
  if (!step.program) return {};
  const bytecode::Module& m = step.program->module();
  const bytecode::Workflow& w = m.workflows[step.rec.workflow];
  if (!w.breach) return {};
  auto args = detail::decodeList(step.rec.args, m);
  auto started = vm::Instance::start(step.program, *w.breach,
                                     args.value_or(std::vector<vm::Value>{}), parts_.options.vm);
  if (auto* problem = std::get_if<std::string>(&started)) {
    step.audit(AuditKind::kBreachHandlerFailed, *problem);
    return {};
  }
  BreachHost host(step);
  HostOutcome o = runHosted(std::get<vm::Instance>(started), HostRole::kBreachHandler, host);
  if (auto* failed = std::get_if<vm::Failure>(&o))
    step.audit(AuditKind::kBreachHandlerFailed, failed->text());
  if (auto* rejected = std::get_if<Rejected>(&o))
    step.audit(AuditKind::kBreachHandlerFailed, rejected->problem);
  return {};
}

}  // namespace rflow::engine

// What a step's code may ask (host_loop.h, role kStep): the step effects answered at once
// (now, note, notify, spawn), and the suspending ones turned into waits (a connector call,
// an approval or task, an await, a sleep, a child) — and running the VM for a step.
#include <fmt/format.h>

#include "engine/business_ages.h"
#include "engine/classify.h"
#include "engine/figures.h"
#include "engine/host_loop.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "engine/stages.h"
#include "engine/step_effects.h"
#include "vm/print.h"
#include "vm/state_codec.h"

namespace rflow::engine {

std::optional<Answer> answerStepEffect(Step& step, const vm::Request& request) {
  if (std::holds_alternative<vm::effect::Now>(request)) return vm::Value::integer(step.now);
  if (const auto* note = std::get_if<vm::effect::Note>(&request)) {
    step.audit(AuditKind::kNote, note->text);
    return vm::Value();
  }
  if (const auto* notify = std::get_if<vm::effect::Notify>(&request)) {
    const Assignee to =
        step.program ? detail::assigneeOf(*step.program, notify->target) : Assignee{};
    step.audit(AuditKind::kNotify, notify->text, {}, (to.is_role ? "role " : "user ") + to.name);
    return vm::Value();
  }
  return std::nullopt;
}

namespace {

class StepHost final : public Host {
 public:
  StepHost(EngineParts& parts, Step& step) : parts_(parts), step_(step) {}
  // The waits this run made, by request.
  std::vector<Wait> made;

  Answer answer(const vm::PendingRequest& pending) override {
    if (auto now = answerStepEffect(step_, pending.request)) return std::move(*now);
    if (const auto* c = std::get_if<vm::effect::Classify>(&pending.request))
      return classify(parts_, step_, pending.id, *c);
    if (const auto* l = std::get_if<vm::effect::Learn>(&pending.request))
      return learn(parts_, step_, pending.id, *l);
    if (const auto* measure = std::get_if<vm::effect::Measure>(&pending.request)) {
      // A measure that cannot be kept is an error of kind "measure" at the statement:
      // uncaught, it fails the instance with the reason.
      if (auto problem = setMeasure(parts_, step_, *measure))
        return vm::HostError{"measure", std::move(*problem)};
      return vm::Value();
    }
    Wait wait;
    wait.request = pending.id;
    wait.branch = pending.branch;
    wait.since = step_.now;
    Answer out =
        std::visit([&](const auto& r) { return effect(pending, r, wait); }, pending.request);
    if (std::holds_alternative<Waits>(out)) {
      step_.stages[wait.request] = stageOf(*step_.program, pending.request, wait);
      wait.calendar = declaredCalendar(step_.program->module(), step_.rec.workflow, pending);
      made.push_back(std::move(wait));
    }
    return out;
  }

 private:
  Answer effect(const vm::PendingRequest&, const vm::effect::Spawn& r, Wait&) {
    return child(r.workflow, r.args, true, 0, nullptr);
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::StartChild& r, Wait& wait) {
    return child(r.workflow, r.args, false, pending.id, &wait);
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::Connector& r, Wait& wait) {
    wait = parts_.calls.record(step_, pending, r);
    return Waits{};
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::Approval&, Wait& wait) {
    wait.kind = WaitKind::kApproval;
    wait.detail = parts_.tasks.create(step_, pending, true);
    return Waits{};
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::Task&, Wait& wait) {
    wait.kind = WaitKind::kTask;
    wait.detail = parts_.tasks.create(step_, pending, false);
    return Waits{};
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::Await& r, Wait& wait);
  Answer effect(const vm::PendingRequest& pending, const vm::effect::Sleep& r, Wait& wait) {
    return sleep(pending, step_.now + r.duration, wait);
  }
  Answer effect(const vm::PendingRequest& pending, const vm::effect::SleepUntil& r, Wait& wait) {
    return sleep(pending, r.time, wait);
  }
  template <typename R>
  Answer effect(const vm::PendingRequest&, const R&, Wait&) {
    // Answered by answerStepEffect, or refused by the effect policy before the host.
    return vm::HostError{"fail", "a test statement cannot run outside a test"};
  }

  Answer sleep(const vm::PendingRequest& pending, int64_t until, Wait& wait) {
    if (until <= step_.now) return vm::Value();
    wait.kind = WaitKind::kSleep;
    wait.until = until;
    parts_.timers.add(step_, until, {TimerKind::kWake, step_.rec.id, pending.id, {}, 0});
    return Waits{};
  }

  Answer child(uint32_t workflow, const std::vector<vm::Value>& args, bool spawn, uint64_t request,
               Wait* wait) {
    auto place = remotePlace(parts_, step_.program, workflow, args);
    if (auto* error = std::get_if<EngineError>(&place))
      return vm::HostError{"child", error->message};
    if (auto* remote = std::get_if<RemotePlace>(&place))
      return remoteChild(*remote, args, spawn, request, wait);
    auto created = parts_.instances.create(step_, step_.program, workflow, args, spawn);
    if (!created) {
      if (created.error().code == EngineError::Code::kStorage)
        return store::Status::failure(created.error().message);
      return vm::HostError{"child", created.error().message};
    }
    InstanceRecord& c = *created;
    if (spawn) {
      c.spawned_by = step_.rec.id;
    } else {
      c.parent = step_.rec.id;
      c.parent_request = request;
    }
    step_.batch.put(store::Column::kInstances, c.id, c.encode());
    step_.batch.put(store::Column::kMeta, keys::beginMarker(c.id), "");
    step_.begin.push_back(c.id);
    step_.audit(spawn ? AuditKind::kSpawned : AuditKind::kChildStarted,
                fmt::format("{} {}", c.workflow_name, c.id), {}, c.id);
    if (spawn) return vm::Value::string(c.id);
    wait->kind = WaitKind::kChild;
    wait->detail = c.id;
    return Waits{};
  }

  // A keyed child that belongs on another partition: begun there through the outbox, with
  // the id its message mints (outbox.h). Its parent waits for it as for a local one.
  Answer remoteChild(const RemotePlace& place, const std::vector<vm::Value>& args, bool spawn,
                     uint64_t request, Wait* wait) {
    OutboxMessage m;
    m.kind = OutboxMessage::Kind::kStart;
    m.target = place.target;
    m.version = step_.rec.version;
    m.workflow = place.workflow;
    m.args = detail::encodeList(args);
    m.spawn = spawn;
    if (spawn) {
      m.spawned_by = step_.rec.id;
    } else {
      m.parent = step_.rec.id;
      m.parent_request = request;
    }
    if (store::Status added = parts_.outbox.add(step_, m); !added.ok()) return added;
    step_.audit(spawn ? AuditKind::kSpawned : AuditKind::kChildStarted,
                fmt::format("{} {}", m.workflow, m.instance), {}, m.instance);
    if (spawn) return vm::Value::string(m.instance);
    wait->kind = WaitKind::kChild;
    wait->detail = m.instance;
    return Waits{};
  }

  EngineParts& parts_;
  Step& step_;
};

Answer StepHost::effect(const vm::PendingRequest& pending, const vm::effect::Await& r, Wait& wait) {
  // A queued signal of this type is taken first-in first-out.
  const bytecode::Module& m = step_.program->module();
  std::optional<std::pair<std::string, SignalRecord>> queued;
  store::Status scanned =
      parts_.store.scan(store::Column::kSignals, keys::perInstancePrefix(step_.rec.id),
                        [&](std::string_view key, std::string_view bytes) {
                          if (step_.signals_taken.count(std::string(key))) return true;
                          auto s = SignalRecord::decode(bytes);
                          if (s && s->type == r.signal_type) {
                            queued.emplace(std::string(key), std::move(*s));
                            return false;
                          }
                          return true;
                        });
  if (!scanned.ok()) return scanned;
  if (queued) {
    step_.batch.remove(store::Column::kSignals, queued->first);
    step_.signals_taken.insert(queued->first);
    if (auto value = decodeValue(queued->second.value, m)) return std::move(*value);
  }
  wait.kind = WaitKind::kSignal;
  wait.signal_type = r.signal_type;
  const bytecode::Type& t = m.types[r.signal_type];
  wait.detail = std::string(vm::declaredName(m.strings[m.records[t.decl].name]));
  if (r.timeout) {
    wait.until = step_.now + *r.timeout;
    parts_.timers.add(step_, *wait.until, {TimerKind::kWake, step_.rec.id, pending.id, {}, 0});
  }
  return Waits{};
}

}  // namespace

store::Status Steps::run(Step& step, vm::Instance& vm, std::vector<vm::Resumption> answers) {
  ++step.rec.steps;
  StepHost host(parts_, step);
  HostOutcome outcome = runHosted(vm, HostRole::kStep, host, std::move(answers));
  if (auto* aborted = std::get_if<Aborted>(&outcome)) return aborted->status;
  if (auto* rejected = std::get_if<Rejected>(&outcome))
    return fail(step, "runtime", "the engine's answer was refused: " + rejected->problem);
  if (auto* done = std::get_if<vm::Completed>(&outcome)) {
    const bytecode::Module& m = step.program->module();
    step.rec.status = Status::kCompleted;
    step.rec.result = encodeValue(done->result);
    const bytecode::TypeId result_type = m.workflows[step.rec.workflow].result;
    std::string printed = vm::printed(done->result, m, result_type);
    // An enum result is the instance's outcome, counted per tracked value.
    if (m.types[result_type].tag == bytecode::TypeTag::kEnum && step.metrics.hasDimensions())
      step.metrics.outcome(step.rec.workflow_name, printed, step.now);
    step.audit(AuditKind::kCompleted, printed);
    return finish(step);
  }
  if (auto* failed = std::get_if<vm::Failure>(&outcome)) {
    step.rec.status = Status::kFailed;
    step.rec.error_kind = failed->kind;
    step.rec.error = failed->text();
    step.audit(AuditKind::kFailed, *step.rec.error);
    return finish(step);
  }
  return suspend(step, vm, std::get<Suspended>(outcome).requests, std::move(host.made));
}

store::Status Steps::suspend(Step& step, vm::Instance& vm, const std::vector<uint64_t>& pending,
                             std::vector<Wait> made) {
  // Each pending request's wait: made in this run, or kept from an earlier step.
  std::vector<Wait> waits;
  for (uint64_t request : pending) {
    const auto find = [&](std::vector<Wait>& in) {
      return std::find_if(in.begin(), in.end(),
                          [&](const Wait& w) { return w.request == request; });
    };
    if (auto it = find(made); it != made.end()) {
      waits.push_back(std::move(*it));
    } else if (auto old = find(step.rec.waits); old != step.rec.waits.end()) {
      waits.push_back(std::move(*old));
    }
  }
  step.rec.waits = std::move(waits);
  auto encoded = vm::encodeState(vm);
  if (auto* problem = std::get_if<std::string>(&encoded))
    return fail(step, "runtime", "its state could not be saved: " + *problem);
  const auto& bytes = std::get<std::vector<uint8_t>>(encoded);
  step.rec.state.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  step.rec.status = Status::kWaiting;
  return {};
}

}  // namespace rflow::engine

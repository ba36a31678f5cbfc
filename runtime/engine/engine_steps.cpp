// Steps: running an instance on the VM between two waits, answering step effects,
// turning suspending effects into waits, and committing the step as one batch.
#include <fmt/format.h>

#include "bytecode/hash.h"
#include "engine/engine_internal.h"
#include "vm/print.h"
#include "vm/state_codec.h"
#include "vm/value_check.h"

namespace rflow::engine {

using detail::moduleOf;

void Engine::audit(Step& step, std::string kind, std::string text, std::string by,
                   std::string extra) {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.svarint(step.now);
  w.text(kind);
  w.text(text);
  w.text(by);
  w.text(extra);
  std::string entry = w.take();
  const uint64_t seq = ++step.rec.audit_seq;
  step.rec.audit_chain = auditChain(step.rec.audit_chain, step.rec.id, seq, entry);
  RecordWriter chain;
  chain.text(step.rec.audit_chain);
  entry += chain.take();
  step.batch.put(store::Column::kAudit, perInstanceKey(step.rec.id, seq), entry);
  step.audited = true;
}

std::optional<EngineError> Engine::commit(Step& step) {
  step.rec.updated_at = step.now;
  if (step.instance_changed || step.audited)
    step.batch.put(store::Column::kInstances, step.rec.id, step.rec.encode());
  if (step.instance_changed && step.loaded_status && *step.loaded_status != step.rec.status)
    step.metrics.statusChanged(step.rec.workflow_name, *step.loaded_status, step.rec.status,
                               step.now, step.rec.created_at, step.rec.error_kind.value_or(""));
  if (std::string problem = metrics_.commit(store_, step.batch, step.rec.id, step.metrics);
      !problem.empty()) {
    failed_commits_.fetch_add(1);
    return EngineError{EngineError::Code::kStorage,
                       "the step could not be committed: " + problem};
  }
  for (const CallRecord& call : step.send)
    dispatchCall(call, step.rec);
  for (const std::string& child : step.begin)
    enqueue({Work::Kind::kBegin, child, {}, 0});
  for (const std::string& parent : step.inboxes)
    enqueue({Work::Kind::kInbox, parent, {}, 0});
  return std::nullopt;
}

void Engine::finish(Step& step) {
  // Whatever the instance still waited for is over: its open tasks are cancelled and its
  // pending calls forgotten (a late answer finds no call and no wait).
  for (const Wait& wait : step.rec.waits) {
    if (wait.kind == WaitKind::kConnector) {
      step.batch.remove(store::Column::kCalls, perInstanceKey(step.rec.id, wait.request));
    }
    if (wait.kind != WaitKind::kApproval && wait.kind != WaitKind::kTask) continue;
    auto task = loadTask(wait.detail);
    if (!task || task->status != TaskStatus::kOpen) continue;
    task->status = TaskStatus::kCancelled;
    closeTask(step, *task);
  }
  step.rec.waits.clear();
  step.rec.state.clear();
  step.rec.ended_at = step.now;
  if (step.rec.key) {
    const std::string key = businessKey(step.rec.workflow_name, *step.rec.key);
    std::string error;
    if (store_.get(store::Column::kKeys, key, &error) == step.rec.id)
      step.batch.remove(store::Column::kKeys, key);
  }
  if (!step.rec.parent) return;
  InboxRecord inbox;
  inbox.request = step.rec.parent_request;
  if (step.rec.status == Status::kCompleted) {
    inbox.ok = true;
    inbox.value = step.rec.result;
  } else {
    inbox.ok = false;
    inbox.error_kind = "child";
    inbox.error_message =
        step.rec.status == Status::kCancelled
            ? fmt::format("{} was cancelled", step.rec.id)
            : fmt::format("{} failed: {}", step.rec.id, step.rec.error.value_or("unknown error"));
  }
  step.batch.put(store::Column::kInbox, perInstanceKey(*step.rec.parent, step.rec.parent_request),
                 inbox.encode());
  step.inboxes.push_back(*step.rec.parent);
}

std::optional<EngineError> Engine::runStep(Step& step, vm::Instance& vm,
                                           std::vector<vm::Resumption> answers) {
  const vm::Program& program = *step.program;
  const bytecode::Module& m = moduleOf(program);
  ++step.rec.steps;
  const auto failInstance = [&](std::string kind, std::string message) {
    step.rec.status = Status::kFailed;
    step.rec.error_kind = kind;
    step.rec.error = fmt::format("{}: {}", kind, message);
    audit(step, "failed", *step.rec.error);
    finish(step);
  };
  if (!answers.empty()) {
    if (auto problem = vm.resume(std::move(answers))) {
      failInstance("runtime", "the engine's answer was refused: " + *problem);
      return std::nullopt;
    }
  }
  for (;;) {
    vm::Outcome outcome = vm.run();
    if (auto* done = std::get_if<vm::Completed>(&outcome)) {
      step.rec.status = Status::kCompleted;
      step.rec.result = encodeValue(done->result);
      audit(step, "completed", vm::printed(done->result, m, m.workflows[step.rec.workflow].result));
      finish(step);
      return std::nullopt;
    }
    if (auto* failed = std::get_if<vm::Failure>(&outcome)) {
      step.rec.status = Status::kFailed;
      step.rec.error_kind = failed->kind;
      step.rec.error = failed->text();
      audit(step, "failed", *step.rec.error);
      finish(step);
      return std::nullopt;
    }
    const auto& waiting = std::get<vm::Waiting>(outcome);
    std::vector<vm::Resumption> now_answers;
    std::vector<Wait> waits;
    for (const vm::PendingRequest& pending : waiting.requests) {
      if (!pending.fresh) {
        for (const Wait& w : step.rec.waits) {
          if (w.request == pending.id) waits.push_back(w);
        }
        continue;
      }
      Wait wait;
      wait.request = pending.id;
      wait.branch = pending.branch;
      wait.since = step.now;
      const auto answer = [&](vm::Value value) {
        now_answers.push_back({pending.branch, std::move(value)});
      };
      bool waits_here = true;
      std::visit(
          [&](const auto& r) {
            using R = std::decay_t<decltype(r)>;
            if constexpr (std::is_same_v<R, vm::effect::Now>) {
              answer(vm::Value::integer(step.now));
              waits_here = false;
            } else if constexpr (std::is_same_v<R, vm::effect::Note>) {
              audit(step, "note", r.text);
              answer({});
              waits_here = false;
            } else if constexpr (std::is_same_v<R, vm::effect::Notify>) {
              const Assignee to = detail::assigneeOf(program, r.target);
              audit(step, "notify", r.text, {}, (to.is_role ? "role " : "user ") + to.name);
              answer({});
              waits_here = false;
            } else if constexpr (std::is_same_v<R, vm::effect::Spawn> ||
                                 std::is_same_v<R, vm::effect::StartChild>) {
              constexpr bool spawn = std::is_same_v<R, vm::effect::Spawn>;
              auto child = createInstance(spawn ? nullptr : &step, step.program, r.workflow, r.args,
                                          spawn, step.batch, step.metrics, step.now);
              if (auto* error = std::get_if<EngineError>(&child)) {
                now_answers.push_back({pending.branch, vm::HostError{"child", error->message}});
                waits_here = false;
                return;
              }
              InstanceRecord& c = std::get<InstanceRecord>(child);
              if (!spawn) {
                c.parent = step.rec.id;
                c.parent_request = pending.id;
              }
              step.batch.put(store::Column::kInstances, c.id, c.encode());
              step.begin.push_back(c.id);
              audit(step, spawn ? "spawned" : "child started",
                    fmt::format("{} {}", c.workflow_name, c.id), {}, c.id);
              if (spawn) {
                answer(vm::Value::string(c.id));
                waits_here = false;
              } else {
                wait.kind = WaitKind::kChild;
                wait.detail = c.id;
              }
            } else if constexpr (std::is_same_v<R, vm::effect::Connector>) {
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
              step.batch.put(store::Column::kCalls, perInstanceKey(step.rec.id, pending.id),
                             call.encode());
              step.send.push_back(call);
              wait.kind = WaitKind::kConnector;
              wait.detail = std::string(m.strings[m.ops[r.op].name]);
              for (const bytecode::Connector& c : m.connectors) {
                if (r.op >= c.first_op && r.op < c.first_op + c.op_count)
                  wait.detail = fmt::format("{}.{}", vm::declaredName(m.strings[c.name]),
                                            m.strings[m.ops[r.op].name]);
              }
              audit(step, "called", wait.detail, {}, std::to_string(pending.id));
            } else if constexpr (std::is_same_v<R, vm::effect::Approval> ||
                                 std::is_same_v<R, vm::effect::Task>) {
              constexpr bool approval = std::is_same_v<R, vm::effect::Approval>;
              wait.kind = approval ? WaitKind::kApproval : WaitKind::kTask;
              wait.detail = createTask(step, pending, approval);
            } else if constexpr (std::is_same_v<R, vm::effect::Await>) {
              // A queued signal of this type is taken first-in first-out.
              std::optional<std::pair<std::string, SignalRecord>> queued;
              (void)store_.scan(store::Column::kSignals, perInstancePrefix(step.rec.id),
                                [&](std::string_view key, std::string_view bytes) {
                                  if (step.signals_taken.count(std::string(key))) return true;
                                  auto s = SignalRecord::decode(bytes);
                                  if (s && s->type == r.signal_type) {
                                    queued.emplace(std::string(key), std::move(*s));
                                    return false;
                                  }
                                  return true;
                                });
              if (queued) {
                step.batch.remove(store::Column::kSignals, queued->first);
                step.signals_taken.insert(queued->first);
                if (auto value = decodeValue(queued->second.value, m)) {
                  answer(std::move(*value));
                  waits_here = false;
                  return;
                }
              }
              wait.kind = WaitKind::kSignal;
              wait.signal_type = r.signal_type;
              const bytecode::Type& t = m.types[r.signal_type];
              wait.detail = std::string(vm::declaredName(m.strings[m.records[t.decl].name]));
              if (r.timeout) {
                wait.until = step.now + *r.timeout;
                addTimer(step.batch, *wait.until,
                         {TimerKind::kWake, step.rec.id, pending.id, {}, 0});
              }
            } else if constexpr (std::is_same_v<R, vm::effect::Sleep> ||
                                 std::is_same_v<R, vm::effect::SleepUntil>) {
              int64_t until = 0;
              if constexpr (std::is_same_v<R, vm::effect::Sleep>) {
                until = step.now + r.duration;
              } else {
                until = r.time;
              }
              if (until <= step.now) {
                answer({});
                waits_here = false;
                return;
              }
              wait.kind = WaitKind::kSleep;
              wait.until = until;
              addTimer(step.batch, until, {TimerKind::kWake, step.rec.id, pending.id, {}, 0});
            } else {
              // Test statements reach the engine only from a corrupt module.
              now_answers.push_back(
                  {pending.branch,
                   vm::HostError{"fail", "a test statement cannot run outside a test"}});
              waits_here = false;
            }
          },
          pending.request);
      if (waits_here) waits.push_back(std::move(wait));
    }
    if (!now_answers.empty()) {
      // The step goes on: remember the waits made so far for the next round.
      step.rec.waits = std::move(waits);
      if (auto problem = vm.resume(std::move(now_answers))) {
        failInstance("runtime", "the engine's answer was refused: " + *problem);
        return std::nullopt;
      }
      continue;
    }
    step.rec.waits = std::move(waits);
    auto encoded = vm::encodeState(vm);
    if (auto* problem = std::get_if<std::string>(&encoded)) {
      failInstance("runtime", "its state could not be saved: " + *problem);
      return std::nullopt;
    }
    const auto& bytes = std::get<std::vector<uint8_t>>(encoded);
    step.rec.state.assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    step.rec.status = Status::kWaiting;
    return std::nullopt;
  }
}

std::variant<InstanceRecord, EngineError> Engine::createInstance(
    Step* parent, const std::shared_ptr<const vm::Program>& program, uint32_t workflow,
    std::vector<vm::Value> args, bool spawn, store::Batch& batch, MetricsDelta& metrics,
    int64_t now) {
  const bytecode::Module& m = program->module();
  if (workflow >= m.workflows.size())
    return EngineError{EngineError::Code::kNotFound, "no such workflow"};
  const bytecode::Workflow& w = m.workflows[workflow];
  InstanceRecord rec;
  rec.id = instanceIdFor(next_instance_.fetch_add(1));
  rec.version = detail::hexOf(m.content_hash);
  rec.workflow = workflow;
  rec.workflow_name = m.strings[w.name];
  rec.status = Status::kRunning;
  rec.created_at = now;
  rec.updated_at = now;
  if (args.size() != w.params.size()) {
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("`{}` takes {} arguments, not {}", rec.workflow_name,
                                   w.params.size(), args.size())};
  }
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto problem = vm::checkValue(args[i], m, w.params[i].type)) {
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("argument `{}` of `{}`: {}", m.strings[w.params[i].name],
                                     rec.workflow_name, *problem)};
    }
  }
  // The business key and the SLA are computed from the arguments once, at the start.
  const auto runPure = [&](bytecode::FunctionId f,
                           const char* what) -> std::variant<vm::Value, EngineError> {
    auto started = vm::Instance::start(program, f, args, options_.vm);
    if (auto* problem = std::get_if<std::string>(&started))
      return EngineError{EngineError::Code::kBadInput, fmt::format("its {}: {}", what, *problem)};
    vm::Outcome o = std::get<vm::Instance>(started).run();
    if (auto* done = std::get_if<vm::Completed>(&o)) return std::move(done->result);
    if (auto* failed = std::get_if<vm::Failure>(&o))
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("its {} failed: {}", what, failed->text())};
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("its {} waits for something, which it cannot", what)};
  };
  if (w.key) {
    auto key = runPure(*w.key, "key");
    if (auto* error = std::get_if<EngineError>(&key)) return std::move(*error);
    rec.key = std::string(std::get<vm::Value>(key).asString());
    const std::string index = businessKey(rec.workflow_name, *rec.key);
    std::string read_error;
    if (auto holder = store_.get(store::Column::kKeys, index, &read_error)) {
      auto other = loadInstance(*holder);
      if (other && isLive(other->status) && !spawn) {
        return EngineError{EngineError::Code::kConflict,
                           fmt::format("{} with key \"{}\" is already running as {}",
                                       rec.workflow_name, *rec.key, other->id)};
      }
    }
    if (!read_error.empty()) return EngineError{EngineError::Code::kStorage, read_error};
    batch.put(store::Column::kKeys, index, rec.id);
  }
  if (w.sla) {
    auto sla = runPure(*w.sla, "sla");
    if (auto* error = std::get_if<EngineError>(&sla)) return std::move(*error);
    rec.sla_due = now + std::get<vm::Value>(sla).asInt();
    addTimer(batch, *rec.sla_due, {TimerKind::kSlaBreach, rec.id, 0, {}, 0});
  }
  rec.args = detail::encodeList(args);
  batch.put(store::Column::kMeta, beginMarkerKey(rec.id), "");
  metrics.instanceStarted(rec.workflow_name, now);
  (void)parent;
  return rec;
}

void Engine::begin(const std::string& id) {
  std::lock_guard lock(lockFor(id));
  auto rec = loadInstance(id);
  if (!rec || rec->status != Status::kRunning || !rec->state.empty() || rec->steps > 0) return;
  Step step;
  step.rec = std::move(*rec);
  step.loaded_status = step.rec.status;
  step.program = program(step.rec.version);
  step.now = clock_.now();
  if (!step.program) return;
  step.batch.remove(store::Column::kMeta, beginMarkerKey(id));
  auto args = detail::decodeList(step.rec.args, step.program->module());
  auto started = vm::Instance::startWorkflow(step.program, step.rec.workflow,
                                             args.value_or(std::vector<vm::Value>{}), options_.vm);
  audit(step, "started", step.rec.workflow_name);
  if (auto* problem = std::get_if<std::string>(&started)) {
    step.rec.status = Status::kFailed;
    step.rec.error_kind = "runtime";
    step.rec.error = "runtime: " + *problem;
    audit(step, "failed", *step.rec.error);
    finish(step);
  } else {
    (void)runStep(step, std::get<vm::Instance>(started), {});
  }
  (void)commit(step);
}

std::optional<EngineError> Engine::resumeWait(std::string_view id, uint64_t request,
                                              std::variant<vm::Value, vm::HostError> result,
                                              const std::function<void(Step&)>& also) {
  auto rec = loadInstance(id);
  if (!rec) return EngineError{EngineError::Code::kNotFound, fmt::format("no instance {}", id)};
  Step step;
  step.rec = std::move(*rec);
  step.loaded_status = step.rec.status;
  step.now = clock_.now();
  step.program = program(step.rec.version);
  if (also) also(step);
  const auto it = std::find_if(step.rec.waits.begin(), step.rec.waits.end(),
                               [&](const Wait& w) { return w.request == request; });
  if (step.rec.status != Status::kWaiting || it == step.rec.waits.end() || !step.program) {
    // Nothing waits for it any more (a timer after the answer came, a stale result): only
    // what `also` did is kept.
    step.instance_changed = false;
    return commit(step);
  }
  const uint32_t branch = it->branch;
  // The wait is over: if the instance ends in this step, finish() must not treat it as
  // still open (it would cancel the task just decided, and count it closed twice).
  step.rec.waits.erase(it);
  auto decoded = vm::decodeState(
      step.program,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(step.rec.state.data()),
                               step.rec.state.size()),
      options_.vm);
  if (auto* problem = std::get_if<vm::StateError>(&decoded)) {
    step.rec.status = Status::kFailed;
    step.rec.error_kind = "runtime";
    step.rec.error = "runtime: its saved state cannot be read: " + problem->message;
    audit(step, "failed", *step.rec.error);
    finish(step);
    return commit(step);
  }
  vm::Instance vm = std::move(std::get<vm::Instance>(decoded));
  (void)runStep(step, vm, {{branch, std::move(result)}});
  return commit(step);
}

}  // namespace rflow::engine

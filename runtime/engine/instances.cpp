// Instances: creation, starts in a step of their own, the first step of a child,
// signals and cancellation.
#include "engine/instances.h"

#include <fmt/format.h>

#include "calendar/business_time.h"
#include "calendar/calendar.h"
#include "engine/figures.h"
#include "engine/host_loop.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

// Runs a workflow's key or sla function on its arguments: they may compute, never act.
std::variant<vm::Value, EngineError> runPure(const std::shared_ptr<const vm::Program>& program,
                                             bytecode::FunctionId function,
                                             const std::vector<vm::Value>& args,
                                             const vm::Options& options, std::string_view what,
                                             std::string_view name) {
  // The words are put together only for an error: tracked values run on every start.
  const auto bad = [&](std::string_view tail) {
    const std::string subject =
        name.empty() ? std::string(what) : fmt::format("{} `{}`", what, name);
    return EngineError{EngineError::Code::kBadInput, fmt::format("its {}{}", subject, tail)};
  };
  auto started = vm::Instance::start(program, function, args, options);
  if (auto* problem = std::get_if<std::string>(&started)) return bad(": " + *problem);
  NoEffects none;
  HostOutcome o = runHosted(std::get<vm::Instance>(started), HostRole::kPureCall, none);
  if (auto* done = std::get_if<vm::Completed>(&o)) return std::move(done->result);
  if (auto* failed = std::get_if<vm::Failure>(&o)) return bad(" failed: " + failed->text());
  return bad(" waits for something, which it cannot");
}

std::optional<EngineError> checkArguments(const bytecode::Module& m, const bytecode::Workflow& w,
                                          const std::string& name,
                                          const std::vector<vm::Value>& args) {
  if (args.size() != w.params.size())
    return EngineError{
        EngineError::Code::kBadInput,
        fmt::format("`{}` takes {} arguments, not {}", name, w.params.size(), args.size())};
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto problem = vm::checkValue(args[i], m, w.params[i].type))
      return EngineError{
          EngineError::Code::kBadInput,
          fmt::format("argument `{}` of `{}`: {}", m.strings[w.params[i].name], name, *problem)};
  }
  return std::nullopt;
}

Found<InstanceRecord> Instances::create(Step& step,
                                        const std::shared_ptr<const vm::Program>& program,
                                        uint32_t workflow, std::vector<vm::Value> args, bool spawn,
                                        std::string id, InstanceFigures* figures) {
  const bytecode::Module& m = program->module();
  if (workflow >= m.workflows.size())
    return EngineError{EngineError::Code::kNotFound, "no such workflow"};
  const bytecode::Workflow& w = m.workflows[workflow];
  InstanceRecord rec;
  rec.id = id.empty() ? keys::instanceId(parts_.ids.instance(), parts_.options.partition)
                      : std::move(id);
  rec.version = versionOf(*program);
  rec.workflow = workflow;
  rec.workflow_name = m.strings[w.name];
  rec.status = Status::kRunning;
  rec.created_at = rec.updated_at = step.now;
  if (auto problem = checkArguments(m, w, rec.workflow_name, args)) return std::move(*problem);
  // The business key and the SLA are computed from the arguments once, at the start.
  if (w.key) {
    auto key = runPure(program, *w.key, args, parts_.options.vm, "key");
    if (auto* error = std::get_if<EngineError>(&key)) return std::move(*error);
    rec.key = std::string(std::get<vm::Value>(key).asString());
    if (auto refused = claimKey(step, rec, spawn)) return std::move(*refused);
  }
  if (w.sla) {
    auto sla = runPure(program, *w.sla, args, parts_.options.vm, "sla");
    if (auto* error = std::get_if<EngineError>(&sla)) return std::move(*error);
    const int64_t duration = std::get<vm::Value>(sla).asInt();
    rec.sla_due = step.now + duration;
    if (w.sla_calendar) {
      // `sla d in C`: due when d of C's open time has passed since the start, computed
      // once here and stored like any sla (intelligence.md §3).
      const auto calendar = calendar::decode(m.strings[*w.sla_calendar]);
      if (!calendar)
        return EngineError{EngineError::Code::kBadInput, "its sla calendar is not a calendar"};
      auto due = calendar::businessAdd(step.now, duration, *calendar);
      if (auto* error = std::get_if<std::string>(&due))
        return EngineError{EngineError::Code::kBadInput, "its sla: " + *error};
      rec.sla_due = std::get<int64_t>(due);
    }
    parts_.timers.add(step, *rec.sla_due, {TimerKind::kSlaBreach, rec.id, 0, {}, 0});
  }
  InstanceFigures started;
  if (auto problem = startFigures(program, workflow, args, parts_.options.vm, started))
    return std::move(*problem);
  if (bytecode::figuresOf(m, workflow) != nullptr) rec.figures = started.encode();
  rec.args = detail::encodeList(args);
  step.metrics.instanceStarted(rec.workflow_name, step.now,
                               dimensionLabels(parts_, rec.workflow_name, started));
  if (figures) *figures = std::move(started);
  return rec;
}

std::optional<EngineError> Instances::claimKey(Step& step, const InstanceRecord& rec, bool spawn) {
  const std::string index = keys::business(rec.workflow_name, *rec.key);
  const auto conflict = [&](const std::string& holder) {
    return EngineError{EngineError::Code::kConflict,
                       fmt::format("{} with key \"{}\" is already running as {}", rec.workflow_name,
                                   *rec.key, holder)};
  };
  // The same step creating a second instance with the key: it already holds the claim.
  if (auto mine = step.keys_claimed.find(index); mine != step.keys_claimed.end()) {
    if (!spawn) return conflict(mine->second);
  } else {
    // Held until this step's commit is reported, so a concurrent start with the key reads
    // the key only once this one's is durable.
    step.leases.push_back(parts_.claims.lock(store::joinKey("key", index)));
    auto holder = parts_.store.get(store::Column::kKeys, index);
    if (!holder.ok()) return storageError(holder.status());
    if (holder.value() && !spawn) {
      auto other = parts_.queries.loadInstance(*holder.value());
      if (!other.ok()) return storageError(other.status());
      if (other.value() && isLive(other.value()->status)) return conflict(other.value()->id);
    }
  }
  step.keys_claimed[index] = rec.id;
  step.batch.put(store::Column::kKeys, index, rec.id);
  return std::nullopt;
}

Found<InstanceRecord> Instances::startOwn(const std::shared_ptr<const vm::Program>& program,
                                          uint32_t workflow, std::vector<vm::Value> args,
                                          bool spawn, const std::function<void(Step&)>& also,
                                          const std::shared_ptr<CommitTicket>& ticket) {
  if (store::Status ids = parts_.ids.ready(); !ids.ok()) return storageError(ids);
  const std::string id = keys::instanceId(parts_.ids.instance(), parts_.options.partition);
  auto step = std::make_unique<Step>(parts_, parts_.instance_gate.lock(id));
  step->now = parts_.clock.now();
  step->program = program;
  InstanceFigures figures;
  auto created = create(*step, program, workflow, std::move(args), spawn, id, &figures);
  if (!created) return std::move(created).error();
  step->rec = std::move(*created);
  step->metrics.setDimensions(dimensionLabels(parts_, step->rec.workflow_name, figures),
                              step->rec.workflow_name, step->now);
  step->figures = std::move(figures);
  step->loaded_status = Status::kRunning;
  step->creates_instance = true;
  if (also) also(*step);
  if (store::Status ran = parts_.steps.runFirst(*step); !ran.ok()) return storageError(ran);
  return parts_.steps.commitAnswering(std::move(step), ticket);
}

std::variant<InstanceView, EngineError> Instances::start(
    std::string_view workflow, std::vector<vm::Value> args, const StartOptions& options,
    const std::shared_ptr<CommitTicket>& ticket) {
  const auto program = parts_.programs.current();
  if (!program)
    return EngineError{EngineError::Code::kNotFound,
                       "nothing is deployed yet; deploy a project first"};
  auto found = findWorkflow(program->module(), workflow);
  if (auto* error = std::get_if<EngineError>(&found)) return std::move(*error);
  const uint32_t index = std::get<uint32_t>(found);
  const std::string& name = program->module().strings[program->module().workflows[index].name];
  // A start with a request id holds that id's claim from the lookup to the commit, so two
  // concurrent starts with one id create one instance.
  std::optional<KeyedGate::Lease> claim;
  std::string request_key;
  if (!options.request_id.empty()) {
    if (options.request_id.size() > kMaxStartRequestIdBytes)
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("the request id is {} bytes long; at most {} are allowed",
                                     options.request_id.size(), kMaxStartRequestIdBytes)};
    request_key = keys::startRequest(options.request_id);
    claim = parts_.claims.lock(store::joinKey("request", request_key));
    std::variant<InstanceView, EngineError> earlier = EngineError{};
    if (repeatedStart(request_key, name, options.request_id, earlier)) return earlier;
  }
  auto started = startOwn(
      program, index, std::move(args), options.spawn,
      [&](Step& step) {
        if (request_key.empty()) return;
        step.batch.put(store::Column::kMeta, request_key, step.rec.id);
        step.leases.push_back(std::move(*claim));
      },
      ticket);
  if (!started) {
    // A start refused because its business key is taken may be this very request's
    // instance: a batch whose sync failed comes back from the log when the store reopens,
    // which can happen between the look-up above and the key's. The request id is the
    // client's word, so it is asked again before the conflict is answered.
    std::variant<InstanceView, EngineError> earlier = EngineError{};
    if (started.error().code == EngineError::Code::kConflict && !request_key.empty() &&
        repeatedStart(request_key, name, options.request_id, earlier))
      return earlier;
    return std::move(started).error();
  }
  return parts_.queries.view(std::move(*started));
}

bool Instances::repeatedStart(const std::string& request_key, const std::string& workflow,
                              const std::string& request_id,
                              std::variant<InstanceView, EngineError>& out) {
  auto earlier = parts_.store.get(store::Column::kMeta, request_key);
  if (!earlier.ok()) {
    out = storageError(earlier.status());
    return true;
  }
  if (!earlier.value()) return false;
  auto view = parts_.queries.instance(*earlier.value());
  if (!view) {
    out = EngineError{EngineError::Code::kStorage,
                      fmt::format("request {} started {}, which cannot be read: {}", request_id,
                                  *earlier.value(), view.error().message)};
  } else if (view->workflow != workflow) {
    out = EngineError{EngineError::Code::kConflict,
                      fmt::format("request id {} already started {} of `{}`; use a new request "
                                  "id for another start",
                                  request_id, *earlier.value(), view->workflow)};
  } else {
    out = std::move(*view);
  }
  return true;
}

void Instances::begin(QueuedWork item) {
  auto lease = parts_.leaseFor(item);
  if (!lease) return;  // parked: it comes back with the lease
  auto opened = parts_.steps.open(item.work.instance, std::move(*lease));
  if (!opened) {
    const EngineError* error = &opened.error();
    if (error->code == EngineError::Code::kStorage) parts_.queue.stall(std::move(item.work));
    return;
  }
  auto step = std::move(*opened);
  step->batch.remove(store::Column::kMeta, keys::beginMarker(step->rec.id));
  const InstanceRecord& rec = step->rec;
  if (rec.status != Status::kRunning || !rec.state.empty() || rec.steps > 0) {
    step->instance_changed = false;  // begun already (a repeated begin): only the marker goes
  } else if (store::Status ran = parts_.steps.runFirst(*step); !ran.ok()) {
    parts_.queue.stall(std::move(item.work));
    return;
  }
  parts_.steps.submit(std::move(step), [this, work = item.work](const store::Status& status) {
    if (!status.ok()) parts_.queue.stall(work);
  });
}

void Instances::inbox(QueuedWork item) {
  auto lease = parts_.leaseFor(item);
  if (!lease) return;  // parked: it comes back with the lease
  auto opened = parts_.steps.open(item.work.instance, *lease);
  if (!opened) {
    const EngineError* error = &opened.error();
    if (error->code == EngineError::Code::kStorage) parts_.queue.stall(std::move(item.work));
    return;
  }
  auto step = std::move(*opened);
  std::vector<std::pair<std::string, InboxRecord>> entries;
  store::Status scanned =
      parts_.store.scan(store::Column::kInbox, keys::perInstancePrefix(step->rec.id),
                        [&](std::string_view key, std::string_view bytes) {
                          if (auto entry = InboxRecord::decode(bytes))
                            entries.emplace_back(std::string(key), *entry);
                          return true;
                        });
  for (size_t i = 0; scanned.ok() && i < entries.size(); ++i) {
    auto& [key, entry] = entries[i];
    step->batch.remove(store::Column::kInbox, key);
    std::variant<vm::Value, vm::HostError> result = vm::Value();
    if (!entry.ok) {
      result = vm::HostError{entry.error_kind, entry.error_message};
    } else if (step->program) {
      result = decodeValue(entry.value, step->program->module()).value_or(vm::Value());
    }
    scanned = parts_.steps.resume(*step, entry.request, std::move(result));
  }
  if (!scanned.ok()) {
    parts_.queue.stall(std::move(item.work));
    return;
  }
  parts_.steps.submit(std::move(step), [this, work = item.work](const store::Status& status) {
    if (!status.ok()) parts_.queue.stall(work);
  });
}

std::optional<EngineError> Instances::cancel(std::string_view id, std::string_view by) {
  auto opened = parts_.steps.open(id, parts_.instance_gate.lock(id));
  if (!opened) return std::move(opened).error();
  auto step = std::move(*opened);
  if (!isLive(step->rec.status))
    return EngineError{EngineError::Code::kConflict,
                       fmt::format("{} is already {}", id, statusName(step->rec.status))};
  step->rec.status = Status::kCancelled;
  step->audit(AuditKind::kCancelled, {}, by);
  if (store::Status finished = parts_.steps.finish(*step); !finished.ok())
    return storageError(finished);
  return parts_.steps.commit(std::move(step));
}

}  // namespace rflow::engine

namespace rflow::engine {

std::variant<std::monostate, RemotePlace, EngineError> remotePlace(
    EngineParts& parts, const std::shared_ptr<const vm::Program>& program, uint32_t workflow,
    const std::vector<vm::Value>& args) {
  if (!parts.options.partition || !parts.options.partition_of) return std::monostate{};
  const bytecode::Module& m = program->module();
  if (workflow >= m.workflows.size() || !m.workflows[workflow].key) return std::monostate{};
  const bytecode::Workflow& w = m.workflows[workflow];
  const std::string name = m.strings[w.name];
  if (auto problem = checkArguments(m, w, name, args)) return std::move(*problem);
  auto key = runPure(program, *w.key, args, parts.options.vm, "key");
  if (auto* error = std::get_if<EngineError>(&key)) return std::move(*error);
  auto target = parts.outbox.remoteTarget(name, std::get<vm::Value>(key).asString());
  if (!target) return std::monostate{};
  return RemotePlace{name, *target};
}

}  // namespace rflow::engine

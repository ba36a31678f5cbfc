// The engine's front: deployments, starting instances, signals, cancellation, events,
// the work queue and its workers, recovery after a restart, and queries.
#include "engine/engine.h"

#include <fmt/format.h>

#include <chrono>

#include "base/time_text.h"
#include "bytecode/read.h"
#include "engine/engine_internal.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

namespace {

constexpr std::string_view kCurrentVersionKey = "current";

}  // namespace

int64_t SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string durationText(int64_t millis) {
  return base::formatDuration(millis);
}

Engine::Engine(store::Store& store, const Clock& clock, CallDispatcher& calls,
               EngineOptions options)
    : store_(store), clock_(clock), calls_(calls), options_(options) {
  if (auto last = store_.lastKey(store::Column::kInstances))
    next_instance_ = idNumber(*last).value_or(0) + 1;
  if (auto last = store_.lastKey(store::Column::kTasks))
    next_task_ = idNumber(*last).value_or(0) + 1;
  uint64_t max_seq = 0;
  (void)store_.scanFrom(store::Column::kTimers, "", [&](std::string_view key, std::string_view) {
    if (auto seq = store::readU64(key.substr(8))) max_seq = std::max(max_seq, *seq);
    return true;
  });
  next_timer_ = max_seq + 1;
  metrics_.load(store_);
  write_recoveries_seen_ = store_.writeRecoveries();
}

Engine::~Engine() {
  stopWorkers();
}

std::mutex& Engine::lockFor(std::string_view instance) const {
  return stripes_[std::hash<std::string_view>{}(instance) % stripes_.size()];
}

// ---- Work queue -------------------------------------------------------------------------

void Engine::enqueue(Work work) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(work));
  }
  queue_cv_.notify_one();
}

void Engine::process(const Work& work) {
  switch (work.kind) {
    case Work::Kind::kBegin:
      begin(work.instance);
      break;
    case Work::Kind::kCallDone:
      processCallResult(work.call);
      break;
    case Work::Kind::kInbox:
      processInbox(work.instance);
      break;
    case Work::Kind::kResend: {
      std::lock_guard lock(lockFor(work.instance));
      auto bytes = store_.get(store::Column::kCalls, perInstanceKey(work.instance, work.request));
      auto rec = loadInstance(work.instance);
      if (!bytes || !rec) break;
      if (auto call = CallRecord::decode(*bytes)) dispatchCall(*call, *rec);
      break;
    }
  }
}

bool Engine::runOne() {
  Work work;
  {
    std::lock_guard lock(queue_mutex_);
    if (queue_.empty()) return false;
    work = std::move(queue_.front());
    queue_.pop_front();
    ++busy_;
  }
  const uint64_t failures_before = failed_commits_.load();
  process(work);
  // A failed commit left the step undone: keep the work for retryStalled(). (A failure on
  // another thread at the same moment stalls this work too; processing it again is
  // harmless, as every kind of work checks the stored state first.)
  if (failed_commits_.load() != failures_before) {
    std::lock_guard lock(stalled_mutex_);
    stalled_.push_back(std::move(work));
  }
  {
    std::lock_guard lock(queue_mutex_);
    --busy_;
  }
  queue_cv_.notify_all();
  return true;
}

size_t Engine::retryStalled() {
  if (store_.writeFailing()) (void)store_.resumeWrites();
  const uint64_t recoveries = store_.writeRecoveries();
  if (write_recoveries_seen_.exchange(recoveries) != recoveries) {
    metrics_.load(store_);
    recover();
  }
  std::vector<Work> again;
  {
    std::lock_guard lock(stalled_mutex_);
    again.swap(stalled_);
  }
  for (Work& work : again)
    enqueue(std::move(work));
  return again.size();
}

size_t Engine::stalledWork() const {
  std::lock_guard lock(stalled_mutex_);
  return stalled_.size();
}

void Engine::runUntilIdle(bool wait_for_calls) {
  for (;;) {
    if (runOne()) continue;
    if (!wait_for_calls || inflight_.load() == 0) {
      std::lock_guard lock(queue_mutex_);
      if (queue_.empty()) return;
      continue;
    }
    std::unique_lock lock(queue_mutex_);
    queue_cv_.wait_for(lock, std::chrono::milliseconds(50),
                       [&] { return !queue_.empty() || inflight_.load() == 0; });
  }
}

void Engine::startWorkers(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    workers_.emplace_back([this] {
      for (;;) {
        Work work;
        {
          std::unique_lock lock(queue_mutex_);
          queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
          if (stopping_ && queue_.empty()) return;
          work = std::move(queue_.front());
          queue_.pop_front();
          ++busy_;
        }
        process(work);
        {
          std::lock_guard lock(queue_mutex_);
          --busy_;
        }
        queue_cv_.notify_all();
      }
    });
  }
}

void Engine::stopWorkers() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  for (std::thread& t : workers_)
    t.join();
  workers_.clear();
  std::lock_guard lock(queue_mutex_);
  stopping_ = false;
}

// ---- Deployments --------------------------------------------------------------------------

std::variant<std::string, EngineError> Engine::deploy(std::vector<uint8_t> bytes) {
  bytecode::LoadResult loaded = bytecode::loadModule(bytes);
  if (!loaded.ok()) {
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("the module cannot be loaded: {} (at byte {})",
                                   loaded.error().message, loaded.error().offset)};
  }
  auto prepared = vm::Program::load(std::move(loaded).module());
  if (auto* problem = std::get_if<std::string>(&prepared))
    return EngineError{EngineError::Code::kBadInput, *problem};
  auto program = std::get<std::shared_ptr<const vm::Program>>(prepared);
  const std::string version = detail::hexOf(program->module().content_hash);
  store::Batch batch;
  batch.put(store::Column::kModules, version,
            std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  batch.put(store::Column::kMeta, kCurrentVersionKey, version);
  if (std::string problem = store_.commit(batch); !problem.empty())
    return EngineError{EngineError::Code::kStorage, problem};
  std::lock_guard lock(programs_mutex_);
  programs_[version] = std::move(program);
  return version;
}

std::optional<std::string> Engine::currentVersion() const {
  return store_.get(store::Column::kMeta, kCurrentVersionKey);
}

std::shared_ptr<const vm::Program> Engine::program(const std::string& version) const {
  {
    std::lock_guard lock(programs_mutex_);
    if (auto it = programs_.find(version); it != programs_.end()) return it->second;
  }
  auto bytes = store_.get(store::Column::kModules, version);
  if (!bytes) return nullptr;
  bytecode::LoadResult loaded = bytecode::loadModule(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()));
  if (!loaded.ok()) return nullptr;
  auto prepared = vm::Program::load(std::move(loaded).module());
  if (!std::holds_alternative<std::shared_ptr<const vm::Program>>(prepared)) return nullptr;
  std::lock_guard lock(programs_mutex_);
  auto& slot = programs_[version];
  if (!slot) slot = std::get<std::shared_ptr<const vm::Program>>(prepared);
  return slot;
}

std::shared_ptr<const vm::Program> Engine::currentProgram() const {
  auto version = currentVersion();
  return version ? program(*version) : nullptr;
}

// ---- Instances ----------------------------------------------------------------------------

std::variant<uint32_t, EngineError> findWorkflow(const bytecode::Module& m, std::string_view name) {
  std::vector<uint32_t> matches;
  for (uint32_t i = 0; i < m.workflows.size(); ++i) {
    const std::string& full = m.strings[m.workflows[i].name];
    if (full == name) return i;
    if (vm::declaredName(full) == name) matches.push_back(i);
  }
  if (matches.size() == 1) return matches[0];
  std::string names;
  for (const bytecode::Workflow& w : m.workflows)
    names += (names.empty() ? "" : ", ") + m.strings[w.name];
  if (matches.empty())
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("there is no workflow `{}`; deployed: {}", name,
                                   names.empty() ? "none" : names)};
  return EngineError{
      EngineError::Code::kBadInput,
      fmt::format("`{}` names several workflows; use the qualified name ({})", name, names)};
}

std::variant<InstanceView, EngineError> Engine::start(std::string_view workflow,
                                                      std::vector<vm::Value> args,
                                                      const StartOptions& options) {
  const auto program = currentProgram();
  if (!program)
    return EngineError{EngineError::Code::kNotFound,
                       "nothing is deployed yet; deploy a project first"};
  auto found = findWorkflow(program->module(), workflow);
  if (auto* error = std::get_if<EngineError>(&found)) return std::move(*error);

  // A start with a request id holds that id's lock from the lookup to the commit, so two
  // concurrent starts with one id create one instance.
  std::unique_lock<std::mutex> request_lock;
  std::string request_key;
  if (!options.request_id.empty()) {
    if (options.request_id.size() > kMaxStartRequestIdBytes)
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("the request id is {} bytes long; at most {} are allowed",
                                     options.request_id.size(), kMaxStartRequestIdBytes)};
    request_key = startRequestKey(options.request_id);
    request_lock = std::unique_lock(lockFor(request_key));
    std::string read_error;
    if (auto earlier = store_.get(store::Column::kMeta, request_key, &read_error)) {
      request_lock.unlock();
      auto view = instance(*earlier);
      if (!view)
        return EngineError{EngineError::Code::kStorage,
                           fmt::format("request {} started {}, which cannot be read",
                                       options.request_id, *earlier)};
      if (view->workflow !=
          program->module().strings[program->module().workflows[std::get<uint32_t>(found)].name])
        return EngineError{EngineError::Code::kConflict,
                           fmt::format("request id {} already started {} of `{}`; use a new "
                                       "request id for another start",
                                       options.request_id, view->id, view->workflow)};
      return std::move(*view);
    }
    if (!read_error.empty()) return EngineError{EngineError::Code::kStorage, read_error};
  }

  store::Batch batch;
  MetricsDelta metrics;
  auto created = createInstance(nullptr, program, std::get<uint32_t>(found), std::move(args),
                                options.spawn, batch, metrics, clock_.now());
  if (auto* error = std::get_if<EngineError>(&created)) return std::move(*error);
  const InstanceRecord& rec = std::get<InstanceRecord>(created);
  batch.put(store::Column::kInstances, rec.id, rec.encode());
  if (!request_key.empty()) batch.put(store::Column::kMeta, request_key, rec.id);
  if (std::string problem = metrics_.commit(store_, batch, rec.id, metrics); !problem.empty())
    return EngineError{EngineError::Code::kStorage, problem};
  // Released before begin(), which takes the instance's lock (the same stripe, maybe).
  if (request_lock.owns_lock()) request_lock.unlock();
  begin(rec.id);
  auto view = instance(rec.id);
  if (!view)
    return EngineError{EngineError::Code::kStorage, "the new instance cannot be read back"};
  return std::move(*view);
}

std::optional<EngineError> Engine::signal(std::string_view id, std::string_view name,
                                          vm::Value value, std::string_view request_id) {
  if (request_id.size() > kMaxStartRequestIdBytes)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("the request id is {} bytes long; at most {} are allowed",
                                   request_id.size(), kMaxStartRequestIdBytes)};
  // The instance's lock is held from the request id's lookup to the commit that records
  // it, so two deliveries with one id make one.
  std::lock_guard lock(lockFor(id));
  auto rec = loadInstance(id);
  if (!rec)
    return EngineError{EngineError::Code::kNotFound, fmt::format("there is no instance {}", id)};
  const auto program = this->program(rec->version);
  if (!program) return EngineError{EngineError::Code::kStorage, "the instance's module is missing"};
  const bytecode::Module& m = program->module();
  const std::optional<uint32_t> record = signalRecord(m, name);
  if (!record)
    return EngineError{EngineError::Code::kNotFound, fmt::format("there is no signal `{}`", name)};
  const std::string declared(vm::declaredName(m.strings[m.records[*record].name]));
  // A request id seen before: the signal was delivered (the client lost the answer), so
  // this one succeeds without delivering it again, whatever the instance did since.
  const std::string request_key = request_id.empty() ? "" : signalRequestKey(id, request_id);
  if (!request_key.empty()) {
    std::string read_error;
    if (auto earlier = store_.get(store::Column::kMeta, request_key, &read_error)) {
      if (*earlier == declared) return std::nullopt;
      return EngineError{EngineError::Code::kConflict,
                         fmt::format("request id {} already delivered `{}` to {}; use a new "
                                     "request id for another signal",
                                     request_id, *earlier, id)};
    }
    if (!read_error.empty()) return EngineError{EngineError::Code::kStorage, read_error};
  }
  if (!isLive(rec->status))
    return EngineError{
        EngineError::Code::kConflict,
        fmt::format("{} is {}: it takes no more signals", id, statusName(rec->status))};
  const auto remember = [&](Step& step) {
    if (request_key.empty()) return;
    step.batch.put(store::Column::kMeta, request_key, declared);
    if (rec->key)
      step.batch.put(store::Column::kMeta,
                     keySignalRequestKey(rec->workflow_name, *rec->key, request_id), id);
  };
  const auto type = program->recordType(*record);
  if (!type)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("no workflow of this version waits for `{}`", name)};
  if (auto problem = vm::checkValue(value, m, *type))
    return EngineError{EngineError::Code::kBadInput, fmt::format("`{}`: {}", name, *problem)};
  for (const Wait& w : rec->waits) {
    if (w.kind == WaitKind::kSignal && w.signal_type == *type) {
      return resumeWait(id, w.request, std::move(value), [&](Step& step) {
        audit(step, "signal", declared);
        remember(step);
      });
    }
  }
  Step step;
  step.rec = std::move(*rec);
  step.loaded_status = step.rec.status;
  step.now = clock_.now();
  step.program = program;
  SignalRecord queued{*type, encodeValue(value), step.now};
  step.batch.put(store::Column::kSignals, perInstanceKey(step.rec.id, ++step.rec.signal_seq),
                 queued.encode());
  audit(step, "signal queued", declared);
  remember(step);
  return commit(step);
}

std::optional<EngineError> Engine::signalByKey(std::string_view workflow, std::string_view key,
                                               std::string_view signal, vm::Value value,
                                               std::string_view request_id) {
  auto id = instanceForKey(workflow, key, request_id);
  if (!id)
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("no live instance of `{}` has key \"{}\"", workflow, key)};
  return this->signal(*id, signal, std::move(value), request_id);
}

std::optional<EngineError> Engine::cancel(std::string_view id, std::string_view by) {
  std::lock_guard lock(lockFor(id));
  auto rec = loadInstance(id);
  if (!rec)
    return EngineError{EngineError::Code::kNotFound, fmt::format("there is no instance {}", id)};
  if (!isLive(rec->status))
    return EngineError{EngineError::Code::kConflict,
                       fmt::format("{} is already {}", id, statusName(rec->status))};
  Step step;
  step.rec = std::move(*rec);
  step.loaded_status = step.rec.status;
  step.now = clock_.now();
  step.program = program(step.rec.version);
  step.rec.status = Status::kCancelled;
  audit(step, "cancelled", {}, std::string(by));
  finish(step);
  return commit(step);
}

Engine::TriggerRun Engine::runTrigger(const std::shared_ptr<const vm::Program>& program,
                                      uint32_t function, std::vector<vm::Value> args,
                                      const std::function<void(store::Batch&)>& first) {
  TriggerRun out;
  auto run = vm::Instance::start(program, function, std::move(args), options_.vm);
  if (auto* problem = std::get_if<std::string>(&run)) {
    out.failed = EngineError{EngineError::Code::kBadInput, *problem};
    return out;
  }
  vm::Instance& vm = std::get<vm::Instance>(run);
  for (;;) {
    vm::Outcome o = vm.run();
    if (auto* failed = std::get_if<vm::Failure>(&o)) {
      out.failed = EngineError{EngineError::Code::kConflict, failed->text()};
      return out;
    }
    if (!std::holds_alternative<vm::Waiting>(o)) return out;
    std::vector<vm::Resumption> answers;
    for (const vm::PendingRequest& pending : std::get<vm::Waiting>(o).requests) {
      const auto* spawn = std::get_if<vm::effect::Spawn>(&pending.request);
      if (spawn == nullptr) {
        answers.push_back({pending.branch, vm::HostError{"fail", "a trigger only starts"}});
        continue;
      }
      store::Batch batch;
      MetricsDelta metrics;
      auto created = createInstance(nullptr, program, spawn->workflow, spawn->args, false, batch,
                                    metrics, clock_.now());
      if (auto* error = std::get_if<EngineError>(&created)) {
        out.refused.push_back(error->message);
        answers.push_back({pending.branch, vm::HostError{"child", error->message}});
        continue;
      }
      const InstanceRecord& rec = std::get<InstanceRecord>(created);
      batch.put(store::Column::kInstances, rec.id, rec.encode());
      if (out.started.empty() && first) first(batch);
      if (std::string problem = metrics_.commit(store_, batch, rec.id, metrics); !problem.empty()) {
        out.failed = EngineError{EngineError::Code::kStorage, problem};
        return out;
      }
      out.started.push_back(rec.id);
      enqueue({Work::Kind::kBegin, rec.id, {}, 0});
      answers.push_back({pending.branch, vm::Value::string(rec.id)});
    }
    if (vm.resume(std::move(answers))) return out;
  }
}

std::variant<std::vector<std::string>, EngineError> Engine::event(std::string_view name,
                                                                  std::vector<vm::Value> args) {
  const auto program = currentProgram();
  if (!program)
    return EngineError{EngineError::Code::kNotFound,
                       "nothing is deployed yet; deploy a project first"};
  const bytecode::Module& m = program->module();
  std::vector<std::string> started;
  bool bound = false;
  std::string problems;
  for (const bytecode::Trigger& trigger : m.triggers) {
    if (trigger.kind != bytecode::TriggerKind::kEvent || m.strings[trigger.source] != name)
      continue;
    bound = true;
    if (args.size() != trigger.params.size())
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("event `{}` takes {} values, not {}", name,
                                     trigger.params.size(), args.size())};
    for (size_t i = 0; i < args.size(); ++i) {
      if (auto problem = vm::checkValue(args[i], m, trigger.params[i].type))
        return EngineError{EngineError::Code::kBadInput,
                           fmt::format("`{}`: {}", m.strings[trigger.params[i].name], *problem)};
    }
    // The trigger's function computes the workflow's arguments and spawns it.
    TriggerRun run = runTrigger(program, trigger.function, args);
    if (run.failed && run.failed->code == EngineError::Code::kStorage) return *run.failed;
    for (const std::string& refusal : run.refused)
      problems += refusal + "; ";
    if (run.failed) problems += run.failed->message + "; ";
    started.insert(started.end(), std::make_move_iterator(run.started.begin()),
                   std::make_move_iterator(run.started.end()));
  }
  if (!bound)
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("no workflow starts on event `{}`", name)};
  if (started.empty() && !problems.empty())
    return EngineError{EngineError::Code::kConflict, problems.substr(0, problems.size() - 2)};
  return started;
}

size_t Engine::recover() {
  size_t queued = 0;
  std::vector<std::string> begins;
  (void)store_.scan(store::Column::kMeta, kBeginMarkerPrefix,
                    [&](std::string_view key, std::string_view) {
                      begins.emplace_back(key.substr(kBeginMarkerPrefix.size()));
                      return true;
                    });
  for (std::string& id : begins) {
    enqueue({Work::Kind::kBegin, std::move(id), {}, 0});
    ++queued;
  }
  (void)store_.scanFrom(store::Column::kCalls, "",
                        [&](std::string_view key, std::string_view bytes) {
                          auto call = CallRecord::decode(bytes);
                          if (call && !call->retry_scheduled) {
                            enqueue({Work::Kind::kResend, call->instance, {}, call->request});
                            ++queued;
                          }
                          (void)key;
                          return true;
                        });
  std::string last;
  (void)store_.scanFrom(store::Column::kInbox, "", [&](std::string_view key, std::string_view) {
    const std::string instance(key.substr(0, key.find('\0')));
    if (instance != last) {
      enqueue({Work::Kind::kInbox, instance, {}, 0});
      ++queued;
      last = instance;
    }
    return true;
  });
  return queued;
}

// ---- Queries ------------------------------------------------------------------------------

std::optional<InstanceRecord> Engine::loadInstance(std::string_view id) const {
  auto bytes = store_.get(store::Column::kInstances, id);
  if (!bytes) return std::nullopt;
  return InstanceRecord::decode(*bytes);
}

std::optional<TaskRecord> Engine::loadTask(std::string_view id) const {
  auto bytes = store_.get(store::Column::kTasks, id);
  if (!bytes) return std::nullopt;
  return TaskRecord::decode(*bytes);
}

namespace {

InstanceView viewOf(InstanceRecord rec, std::shared_ptr<const vm::Program> program) {
  InstanceView v;
  v.id = rec.id;
  v.workflow = rec.workflow_name;
  v.version = rec.version;
  v.status = rec.status;
  v.key = rec.key;
  v.parent = rec.parent;
  v.created_at = rec.created_at;
  v.updated_at = rec.updated_at;
  v.ended_at = rec.ended_at;
  v.breached = rec.breached;
  v.waits = rec.waits;
  v.workflow_index = rec.workflow;
  v.error = rec.error;
  v.error_kind = rec.error_kind;
  if (program) {
    const bytecode::Module& m = program->module();
    if (rec.status == Status::kCompleted) v.result = decodeValue(rec.result, m);
    v.args = detail::decodeList(rec.args, m).value_or(std::vector<vm::Value>{});
  }
  v.program = std::move(program);
  return v;
}

}  // namespace

std::optional<InstanceView> Engine::instance(std::string_view id) const {
  auto rec = loadInstance(id);
  if (!rec) return std::nullopt;
  auto program = this->program(rec->version);
  return viewOf(std::move(*rec), std::move(program));
}

std::vector<InstanceView> Engine::instances(const InstanceFilter& filter) const {
  std::vector<InstanceView> out;
  const std::string from = filter.after.empty() ? std::string() : filter.after + '\0';
  (void)store_.scanFrom(store::Column::kInstances, from,
                        [&](std::string_view, std::string_view bytes) {
                          auto rec = InstanceRecord::decode(bytes);
                          if (!rec) return true;
                          if (filter.status && rec->status != *filter.status) return true;
                          if (filter.key && rec->key != *filter.key) return true;
                          if (filter.workflow && rec->workflow_name != *filter.workflow &&
                              vm::declaredName(rec->workflow_name) != *filter.workflow)
                            return true;
                          auto program = this->program(rec->version);
                          out.push_back(viewOf(std::move(*rec), std::move(program)));
                          return out.size() < filter.limit;
                        });
  return out;
}

std::vector<AuditEntry> Engine::history(std::string_view id) const {
  std::vector<AuditEntry> out;
  (void)store_.scan(store::Column::kAudit, perInstancePrefix(id),
                    [&](std::string_view key, std::string_view bytes) {
                      RecordReader r(bytes, nullptr);
                      AuditEntry e;
                      e.seq = store::readU64(key.substr(key.size() - 8)).value_or(0);
                      if (r.u8() != kRecordFormat) return true;
                      e.at = r.svarint();
                      e.kind = r.text();
                      e.text = r.text();
                      e.by = r.text();
                      e.extra = r.text();
                      if (r.ok()) out.push_back(std::move(e));
                      return out.size() < options_.max_audit_entries_shown;
                    });
  return out;
}

std::optional<TaskView> Engine::task(std::string_view id) const {
  auto rec = loadTask(id);
  if (!rec) return std::nullopt;
  TaskView view;
  view.program = program(rec->version);
  if (view.program) {
    const bytecode::Module& m = view.program->module();
    if (!rec->amount.empty()) view.amount = decodeValue(rec->amount, m);
    view.data = decodeValue(rec->data, m).value_or(vm::Value());
  }
  view.record = std::move(*rec);
  return view;
}

std::vector<TaskView> Engine::tasks(const TaskFilter& filter) const {
  std::vector<std::string> ids;
  const auto collect = [&](std::string_view prefix) {
    (void)store_.scan(store::Column::kTaskIndex, prefix,
                      [&](std::string_view key, std::string_view) {
                        const std::string id(key.substr(prefix.size()));
                        if (id > filter.after) ids.push_back(id);
                        return true;
                      });
  };
  if (filter.role) collect(roleIndexKey(*filter.role, ""));
  if (filter.assignee) collect(userIndexKey(*filter.assignee, ""));
  if (!filter.role && !filter.assignee) {
    (void)store_.scanFrom(store::Column::kTasks, filter.after.empty() ? "" : filter.after + '\0',
                          [&](std::string_view key, std::string_view) {
                            ids.emplace_back(key);
                            return true;
                          });
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<TaskView> out;
  for (const std::string& id : ids) {
    auto view = task(id);
    if (!view) continue;
    if (filter.open_only && view->record.status != TaskStatus::kOpen) continue;
    if (filter.instance && view->record.instance != *filter.instance) continue;
    out.push_back(std::move(*view));
    if (out.size() >= filter.limit) break;
  }
  return out;
}

}  // namespace rflow::engine

// The engine's front: wiring the parts, queued work to the service that handles it, and
// the public members that only pass through.
#include "engine/engine.h"

#include <fmt/format.h>

#include <chrono>

#include "base/time_text.h"
#include "engine/classify.h"
#include "engine/figures.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "vm/print.h"

namespace rflow::engine {

int64_t SystemClock::now() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string durationText(int64_t millis) {
  return base::formatDuration(millis);
}

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

// ---- The parts --------------------------------------------------------------------------

EngineParts::EngineParts(store::Store& store_, const Clock& clock_, CallDispatcher& dispatcher_,
                         EngineOptions options_)
    : store(store_),
      clock(clock_),
      dispatcher(dispatcher_),
      options(options_),
      programs(store_),
      ids(store_),
      instance_cache(options_.instance_cache),
      queue([this](QueuedWork item) { process(std::move(item)); }),
      queries(store_, programs, instance_cache, options),
      steps(*this),
      instances(*this),
      tasks(*this),
      timers(*this),
      calls(*this),
      outbox(*this),
      pipeline(store_, options_.commits, options_.log, options_.on_log_stopped,
               options_.keep_redo) {
  (void)metrics.load(store);  // a failed read starts from zero; retryStalled() reloads
  write_recoveries_seen = store.writeRecoveries();
  pipeline.onReports([this] { queue.holdWakeups(); }, [this] { queue.releaseWakeups(); });
}

std::optional<KeyedGate::Lease> EngineParts::leaseFor(QueuedWork& item) {
  if (item.lease) return std::move(item.lease);
  // Busy: the gate hands the work back with the lease once the instance's step in
  // progress is committed.
  return instance_gate.tryLock(item.work.instance,
                               [this, work = item.work](KeyedGate::Lease lease) {
                                 queue.push(QueuedWork{work, std::move(lease)});
                               });
}

void EngineParts::process(QueuedWork item) {
  switch (item.work.kind) {
    case Work::Kind::kBegin:
      return instances.begin(std::move(item));
    case Work::Kind::kInbox:
      return instances.inbox(std::move(item));
    case Work::Kind::kResend:
      return calls.resend(std::move(item));
    case Work::Kind::kTimer:
      return timers.process(std::move(item));
    case Work::Kind::kCallDone:
      break;
  }
  auto lease = leaseFor(item);
  if (!lease) return;  // parked: it comes back with the lease
  auto opened = steps.open(item.work.instance, *lease);
  if (!opened) {
    const EngineError* error = &opened.error();
    if (error->code == EngineError::Code::kStorage) queue.stall(std::move(item.work));
    return;
  }
  auto step = std::move(*opened);
  if (store::Status answered = calls.answered(*step, item.work.call); !answered.ok()) {
    queue.stall(std::move(item.work));
    return;
  }
  steps.submit(std::move(step), [this, work = item.work](const store::Status& status) {
    if (!status.ok()) queue.stall(work);
  });
}

// ---- The front ----------------------------------------------------------------------------

Engine::Engine(store::Store& store, const Clock& clock, CallDispatcher& calls,
               EngineOptions options)
    : parts_(std::make_unique<EngineParts>(store, clock, calls, options)) {}

Engine::~Engine() {
  stopWorkers();
}

std::variant<std::string, EngineError> Engine::deploy(std::vector<uint8_t> module_bytes) {
  return parts_->programs.deploy(std::move(module_bytes), [this](store::Batch batch) {
    return parts_->pipeline.commitAndWait(std::move(batch));
  });
}

std::variant<std::string, EngineError> Engine::deployFromLog(std::vector<uint8_t> module_bytes,
                                                             uint64_t log_seq) {
  return parts_->programs.deploy(
      std::move(module_bytes),
      [this](store::Batch batch) { return parts_->pipeline.commitAndWait(std::move(batch)); },
      log_seq);
}

std::variant<uint64_t, EngineError> Engine::deploymentSeq() const {
  auto stored = parts_->store.get(store::Column::kMeta, keys::kDeploymentSeq);
  if (!stored.ok()) return EngineError{EngineError::Code::kStorage, stored.status().message()};
  if (!stored.value()) return uint64_t{0};
  const auto seq = store::readU64(*stored.value());
  if (!seq)
    return EngineError{EngineError::Code::kStorage,
                       "kMeta deployment-seq is not 8 bytes: the store is damaged"};
  return *seq;
}

std::optional<std::string> Engine::currentVersion() const {
  return parts_->programs.currentVersion();
}

std::shared_ptr<const vm::Program> Engine::program(const std::string& version) const {
  auto found = parts_->programs.get(version);
  return found ? *found : nullptr;
}

std::shared_ptr<const vm::Program> Engine::currentProgram() const {
  return parts_->programs.current();
}

std::variant<InstanceView, EngineError> Engine::start(std::string_view workflow,
                                                      std::vector<vm::Value> args,
                                                      const StartOptions& options,
                                                      const std::shared_ptr<CommitTicket>& ticket) {
  return parts_->instances.start(workflow, std::move(args), options, ticket);
}

std::variant<Engine::Placement, EngineError> Engine::businessKey(
    std::string_view workflow, const std::vector<vm::Value>& args) const {
  const auto program = parts_->programs.current();
  if (!program) return EngineError{EngineError::Code::kNotFound, "nothing is deployed yet"};
  const bytecode::Module& m = program->module();
  auto found = findWorkflow(m, workflow);
  if (auto* error = std::get_if<EngineError>(&found)) return std::move(*error);
  const bytecode::Workflow& w = m.workflows[std::get<uint32_t>(found)];
  Placement placement{std::string(m.strings[w.name]), std::nullopt};
  if (!w.key) return placement;
  if (args.size() != w.params.size())
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("`{}` takes {} arguments, not {}", placement.workflow,
                                   w.params.size(), args.size())};
  auto key = runPure(program, *w.key, args, parts_->options.vm, "key");
  if (auto* error = std::get_if<EngineError>(&key)) return std::move(*error);
  placement.key = std::string(std::get<vm::Value>(key).asString());
  return placement;
}

std::optional<EngineError> Engine::signal(std::string_view instance, std::string_view signal,
                                          vm::Value value, std::string_view request_id) {
  return parts_->instances.signal(instance, signal, std::move(value), request_id);
}

std::optional<EngineError> Engine::signalByKey(std::string_view workflow, std::string_view key,
                                               std::string_view signal, vm::Value value,
                                               std::string_view request_id) {
  auto id = instanceForKey(workflow, key, request_id);
  if (!id) return std::move(id).error();
  return this->signal(*id, signal, std::move(value), request_id);
}

std::optional<EngineError> Engine::decide(const Decision& decision, Decided* after) {
  return parts_->tasks.decide(decision, after);
}

std::optional<EngineError> Engine::cancel(std::string_view instance, std::string_view by) {
  return parts_->instances.cancel(instance, by);
}

void Engine::callFinished(CallResult result) {
  parts_->calls.finished(std::move(result));
}

std::optional<int64_t> Engine::nextTimer() const {
  return parts_->timers.next();
}

size_t Engine::fireTimers(int64_t up_to, size_t limit) {
  // The timer tick also retries work a failed commit stalled (see retryStalled).
  retryStalled();
  return parts_->timers.fire(up_to, limit);
}

bool Engine::runOne() {
  return parts_->queue.runOne();
}

void Engine::runUntilIdle(bool wait_for_calls) {
  parts_->queue.runUntilIdle([&] {
    return parts_->pipeline.inFlight() == 0 && (!wait_for_calls || parts_->calls.inFlight() == 0);
  });
}

size_t Engine::callsInFlight() const {
  return parts_->calls.inFlight();
}

size_t Engine::retryStalled() {
  EngineParts& p = *parts_;
  if (p.store.writeFailing()) (void)p.store.resumeWrites();
  const uint64_t recoveries = p.store.writeRecoveries();
  if (p.write_recoveries_seen.load() != recoveries) {
    // A refused batch may have landed after all: nothing in memory is trusted.
    p.instance_cache.clear();
    // Only once both reads worked is the recovery done; otherwise the next tick tries it.
    if (p.metrics.load(p.store).ok() && recover().ok()) p.write_recoveries_seen = recoveries;
  }
  std::vector<Work> again = p.queue.takeStalled();
  for (Work& work : again)
    p.queue.push(std::move(work));
  return again.size();
}

size_t Engine::queuedWork() const {
  return parts_->queue.queued();
}

size_t Engine::stalledWork() const {
  return parts_->queue.stalled();
}

void Engine::startWorkers(size_t count) {
  parts_->queue.startWorkers(count);
}

void Engine::stopWorkers() {
  parts_->queue.stopWorkers();
}

void Engine::interruptLog() {
  parts_->pipeline.interruptLog();
}

void Engine::closeLog(const std::string& why) {
  parts_->pipeline.closeLog(store::Status::failure("this node no longer serves the partition (" +
                                                   why + "); send the request again"));
}

Found<InstanceView> Engine::instance(std::string_view id) const {
  return parts_->queries.instance(id);
}

Found<std::vector<InstanceView>> Engine::instances(const InstanceFilter& filter) const {
  return parts_->queries.instances(filter);
}

Found<InstanceFigures> Engine::figures(std::string_view id) const {
  auto rec = parts_->queries.loadInstance(id);
  if (!rec.ok()) return storageError(rec.status());
  if (!rec.value()) return InstanceFigures{};
  return loadFigures(parts_->store, *rec.value());
}

Found<InstanceFigures> Engine::figures(const InstanceView& view) const {
  // Only a workflow that declares figures ever kept them under a key of their own: for the
  // others, every start's and decision's answer would read a key that cannot exist.
  if (view.figures.empty() && view.program &&
      bytecode::figuresOf(view.program->module(), view.workflow_index) == nullptr)
    return InstanceFigures{};
  return loadFigures(parts_->store, view.id, view.figures);
}

Found<std::vector<AuditEntry>> Engine::history(std::string_view id) const {
  return parts_->queries.history(id);
}

Found<TaskView> Engine::task(std::string_view id) const {
  return parts_->queries.task(id);
}

Found<TaskRecord> Engine::taskRecord(std::string_view id) const {
  return parts_->queries.taskRecord(id);
}

Found<std::vector<TaskView>> Engine::tasks(const TaskFilter& filter) const {
  return parts_->queries.tasks(filter);
}

Found<std::string> Engine::instanceForKey(std::string_view workflow, std::string_view key,
                                          std::string_view signal_request) const {
  std::string qualified(workflow);
  if (const auto program = parts_->programs.current()) {
    auto found = findWorkflow(program->module(), workflow);
    if (auto* index = std::get_if<uint32_t>(&found))
      qualified = program->module().strings[program->module().workflows[*index].name];
  }
  auto id = parts_->queries.instanceForKey(qualified, key, signal_request);
  if (id.notFound())
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("no live instance of `{}` has the key \"{}\"", workflow, key)};
  return id;
}

Insights Engine::insights(const InsightsQuery& query) const {
  return parts_->metrics.insights(query);
}

store::Result<std::vector<StageInsight>> Engine::stages(
    const std::optional<std::string>& workflow, const std::optional<StageFilter>& filter) const {
  return stageInsights(parts_->store, parts_->metrics, workflow, parts_->clock.now(), filter);
}

DimensionInsights Engine::byDimension(const DimensionQuery& query) const {
  return dimensionInsights(parts_->metrics, query);
}

store::Result<std::vector<AtRiskInstance>> Engine::atRisk(
    const std::optional<std::string>& workflow) const {
  return engine::atRisk(parts_->store, parts_->metrics, workflow, parts_->clock.now());
}

std::vector<StageFigures> Engine::stageFigures(const std::optional<std::string>& workflow) const {
  return parts_->metrics.stages(workflow);
}

store::Result<StageParts> Engine::stageParts(const std::optional<std::string>& workflow,
                                             const std::optional<StageFilter>& filter) const {
  return engine::stageParts(parts_->store, parts_->metrics, workflow, filter);
}

DimensionParts Engine::dimensionParts(const DimensionQuery& query) const {
  return engine::dimensionParts(parts_->metrics, query);
}

store::Result<std::vector<AtRiskInstance>> Engine::atRisk(const Forecast& forecast) const {
  return atRiskWith(parts_->store, forecast, parts_->clock.now());
}

std::vector<ClassifierQuality> Engine::classifierQuality() const {
  return parts_->metrics.classifierQuality();
}

Found<std::vector<LearnedExample>> Engine::examples(std::string_view classifier) const {
  return learnedExamples(parts_->store, classifier);
}

uint64_t Engine::commitGroups() const {
  return parts_->pipeline.groups();
}

uint64_t Engine::committedSteps() const {
  return parts_->pipeline.steps();
}

const std::string& Engine::commitPriorityProblem() const {
  return parts_->pipeline.priorityProblem();
}

const Clock& Engine::clock() const {
  return parts_->clock;
}

store::Store& Engine::store() const {
  return parts_->store;
}

}  // namespace rflow::engine

namespace rflow::engine {

store::Result<std::vector<PendingMessage>> Engine::pendingOutbox(size_t limit) const {
  return parts_->outbox.pending(limit);
}

store::Status Engine::forgetOutbox(const std::vector<uint64_t>& seqs) {
  return parts_->outbox.forget(seqs);
}

Found<bool> Engine::applyInbound(std::string_view message) {
  return parts_->outbox.apply(message);
}

}  // namespace rflow::engine

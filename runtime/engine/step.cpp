// The step context: opening a step, sealing and committing it, and what happens once its
// batch is durable; failing and finishing an instance.
#include "engine/step.h"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>

#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_codec.h"
#include "engine/record_values.h"
#include "engine/stages.h"
#include "vm/state_codec.h"

namespace rflow::engine {

EngineError committedError(const store::Status& status) {
  return EngineError{EngineError::Code::kStorage,
                     "the step could not be committed: " + status.message()};
}

EngineError storageError(const store::Status& status) {
  return EngineError{EngineError::Code::kStorage, status.message()};
}

void Step::audit(AuditKind kind, std::string_view text, std::string_view by,
                 std::string_view extra) {
  audit_.add(rec.id, rec.audit_seq, rec.audit_chain, now, kind, text, by, extra);
}

void Step::seal() {
  audit_.write(batch, rec.id);
  // An audit entry moves the record's audit_seq and audit_chain: the record is written
  // back even when nothing else about the instance changed, or the next entry would
  // reuse the seq.
  if (instance_changed || audited()) {
    rec.updated_at = now;
    batch.put(store::Column::kInstances, rec.id, rec.encode());
  }
  if (instance_changed && loaded_status && *loaded_status != rec.status)
    metrics.statusChanged(rec.workflow_name, *loaded_status, rec.status, now, rec.created_at,
                          rec.error_kind.value_or(""));
  Metrics::write(batch, metrics);
}

Step::~Step() {
  // Committed or not, its outbox sequences no longer hold the relay back.
  parts_.outbox.released(outbox);
}

void Step::committed(const store::Status& status) {
  // What the store now holds, for the instance's next step (not a detached step's).
  const bool keep = status.ok() && loaded_status && isLive(rec.status);
  CachedInstance cached;
  if (keep && figures && metrics.hasDimensions()) {
    cached.figures = std::move(figures);
    cached.labels = metrics.dimensions();
  }
  if (status.ok()) {
    parts_.metrics.committed(std::move(metrics));
    for (const CallRecord& call : send)
      parts_.calls.dispatch(call, rec);
    for (std::string& child : begin)
      parts_.queue.push(Work{Work::Kind::kBegin, std::move(child), {}, 0, {}, {}});
    for (std::string& parent : inboxes)
      parts_.queue.push(Work{Work::Kind::kInbox, std::move(parent), {}, 0, {}, {}});
  }
  if (then) then(status);
  if (keep) {
    cached.rec = std::move(rec);
    parts_.instance_cache.put(std::move(cached));
  }
  if (answer) {
    leases.clear();
    answer(status);
  }
}

Found<std::unique_ptr<Step>> Steps::open(std::string_view id, KeyedGate::Lease& lease) {
  if (store::Status ids = parts_.ids.ready(); !ids.ok()) return storageError(ids);
  std::optional<CachedInstance> cached = parts_.instance_cache.take(id);
  if (!cached) {
    auto loaded = parts_.queries.loadInstance(id);
    if (!loaded.ok()) return storageError(loaded.status());
    if (!loaded.value()) return parts_.queries.missing(id);
    cached.emplace(CachedInstance{std::move(*loaded.value()), std::nullopt, {}});
  }
  auto program = parts_.programs.get(cached->rec.version);
  if (!program && !program.notFound()) return std::move(program).error();
  auto step = std::make_unique<Step>(parts_, std::move(lease));
  step->rec = std::move(cached->rec);
  step->loaded_status = step->rec.status;
  step->loaded_waits = step->rec.waits;
  step->now = parts_.clock.now();
  if (program) step->program = std::move(*program);
  if (auto unreadable =
          openFigures(parts_, *step, std::move(cached->figures), std::move(cached->labels)))
    return std::move(*unreadable);
  return step;
}

std::unique_ptr<Step> Steps::detached(std::string id, KeyedGate::Lease lease) {
  auto step = std::make_unique<Step>(parts_, std::move(lease));
  step->rec.id = std::move(id);
  step->instance_changed = false;
  step->now = parts_.clock.now();
  return step;
}

void Steps::submit(std::unique_ptr<Step> step, std::function<void(const store::Status&)> then) {
  step->then = std::move(then);
  // A step whose stage bookkeeping cannot be read is reported like a failed commit:
  // nothing of it is written, and its work waits for the store.
  if (store::Status stages = recordStages(parts_, *step); !stages.ok()) {
    step->committed(stages);
    return;
  }
  step->seal();
  parts_.pipeline.submit(std::move(step));
}

std::optional<EngineError> Steps::commit(std::unique_ptr<Step> step) {
  auto ticket = std::make_shared<CommitTicket>();
  hand(std::move(step), ticket);
  const store::Status status = ticket->wait();
  // The committer only queued the step's counters: this thread adds what is queued.
  parts_.metrics.settle();
  if (status.ok()) return std::nullopt;
  return committedError(status);
}

void Steps::hand(std::unique_ptr<Step> step, const std::shared_ptr<CommitTicket>& ticket) {
  ticket->arm();
  step->answer = [ticket](const store::Status& status) { ticket->report(status); };
  submit(std::move(step));
}

Found<InstanceRecord> Steps::commitAnswering(std::unique_ptr<Step> step,
                                             const std::shared_ptr<CommitTicket>& ticket) {
  InstanceRecord committed = step->rec;
  committed.updated_at = step->now;  // what Step::seal stamps on the stored record
  if (ticket) {
    // The caller learns of the commit from the ticket; what the committers queued so far
    // is added here, as a waiting caller would.
    parts_.metrics.settle();
    hand(std::move(step), ticket);
    return committed;
  }
  if (auto error = commit(std::move(step))) return std::move(*error);
  return committed;
}

store::Status Steps::fail(Step& step, std::string_view kind, std::string_view message) {
  step.rec.status = Status::kFailed;
  step.rec.error_kind = std::string(kind);
  step.rec.error = fmt::format("{}: {}", kind, message);
  step.audit(AuditKind::kFailed, *step.rec.error);
  return finish(step);
}

namespace {

// What a child tells its parent when it ends.
InboxRecord inboxFor(const InstanceRecord& rec) {
  InboxRecord inbox;
  inbox.request = rec.parent_request;
  if (rec.status == Status::kCompleted) {
    inbox.ok = true;
    inbox.value = rec.result;
    return inbox;
  }
  inbox.ok = false;
  inbox.error_kind = "child";
  inbox.error_message =
      rec.status == Status::kCancelled
          ? fmt::format("{} was cancelled", rec.id)
          : fmt::format("{} failed: {}", rec.id, rec.error.value_or("unknown error"));
  return inbox;
}

}  // namespace

store::Status Steps::finish(Step& step) {
  // Whatever the instance still waited for is over: its open tasks are cancelled and its
  // pending calls forgotten (a late answer finds no call and no wait).
  for (const Wait& wait : step.rec.waits) {
    if (wait.kind == WaitKind::kConnector)
      step.batch.remove(store::Column::kCalls, keys::perInstance(step.rec.id, wait.request));
    if (wait.kind != WaitKind::kApproval && wait.kind != WaitKind::kTask) continue;
    auto task = parts_.queries.loadTask(wait.detail);
    if (!task.ok()) return task.status();
    if (!task.value() || task.value()->status != TaskStatus::kOpen) continue;
    task.value()->status = TaskStatus::kCancelled;
    parts_.tasks.close(step, *task.value());
  }
  step.rec.waits.clear();
  step.rec.state.clear();
  step.rec.ended_at = step.now;
  countMeasuresAtEnd(step);
  if (step.rec.key) {
    const std::string key = keys::business(step.rec.workflow_name, *step.rec.key);
    auto holder = parts_.store.get(store::Column::kKeys, key);
    if (!holder.ok()) return holder.status();
    if (holder.value() == step.rec.id) step.batch.remove(store::Column::kKeys, key);
  }
  if (!step.rec.parent) return {};
  return tellParent(parts_, step, *step.rec.parent, inboxFor(step.rec));
}

store::Status Steps::runFirst(Step& step) {
  step.audit(AuditKind::kStarted, step.rec.workflow_name);
  if (!step.program) return fail(step, "runtime", "its module version cannot be loaded");
  auto args = detail::decodeList(step.rec.args, step.program->module());
  auto started = vm::Instance::startWorkflow(
      step.program, step.rec.workflow, args.value_or(std::vector<vm::Value>{}), parts_.options.vm);
  if (auto* problem = std::get_if<std::string>(&started)) return fail(step, "runtime", *problem);
  return run(step, std::get<vm::Instance>(started), {});
}

store::Status Steps::resume(Step& step, uint64_t request,
                            std::variant<vm::Value, vm::HostError> result) {
  const auto it = std::find_if(step.rec.waits.begin(), step.rec.waits.end(),
                               [&](const Wait& w) { return w.request == request; });
  // Nothing waits for it any more (a timer after the answer came, a stale result): only
  // what the step recorded beside it is kept.
  if (step.rec.status != Status::kWaiting || it == step.rec.waits.end() || !step.program) return {};
  const uint32_t branch = it->branch;
  // The wait is over: if the instance ends in this step, finish() must not treat it as
  // still open (it would cancel the task just decided, and count it closed twice).
  step.rec.waits.erase(it);
  auto decoded = vm::decodeState(
      step.program,
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(step.rec.state.data()),
                               step.rec.state.size()),
      parts_.options.vm);
  if (auto* problem = std::get_if<vm::StateError>(&decoded))
    return fail(step, "runtime", "its saved state cannot be read: " + problem->message);
  return run(step, std::get<vm::Instance>(decoded), {{branch, std::move(result)}});
}

}  // namespace rflow::engine

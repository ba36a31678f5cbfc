// `on event` and `on schedule` triggers (language.md §5): a trigger's function computes
// a workflow's arguments and starts it; each start is an instance created and run to its
// first wait in a commit of its own. The service's scheduler decides WHEN a slot is due
// (base/cron.h); the engine makes firing a slot happen at most once, by committing the
// slot with the first instance it starts.
#include <fmt/format.h>

#include "engine/host_loop.h"
#include "engine/keys.h"
#include "engine/outbox.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

namespace {

struct TriggerRun {
  std::vector<std::string> started;
  std::vector<std::string> refused;   // why the starts that were refused were refused
  std::optional<EngineError> failed;  // kBadInput: the function could not start;
                                      // kConflict: it failed; kStorage: a commit failed
};

// A trigger's function may only start workflows (`start` compiles to a spawn).
class TriggerHost final : public Host {
 public:
  TriggerHost(EngineParts& parts, const std::shared_ptr<const vm::Program>& program,
              const std::function<void(Step&)>& first, TriggerRun& run)
      : parts_(parts), program_(program), first_(first), run_(run) {}

  Answer answer(const vm::PendingRequest& pending) override {
    const auto& spawn = std::get<vm::effect::Spawn>(pending.request);
    const bool is_first = run_.started.empty();
    auto place = remotePlace(parts_, program_, spawn.workflow, spawn.args);
    if (auto* error = std::get_if<EngineError>(&place)) {
      run_.refused.push_back(error->message);
      return vm::HostError{"child", error->message};
    }
    if (auto* remote = std::get_if<RemotePlace>(&place))
      return startRemote(*remote, spawn.args, is_first);
    auto started =
        parts_.instances.startOwn(program_, spawn.workflow, spawn.args, false, [&](Step& step) {
          if (is_first && first_) first_(step);
        });
    if (!started) {
      const EngineError& error = started.error();
      if (error.code == EngineError::Code::kStorage) {
        run_.failed = error;
        return store::Status::failure(error.message);
      }
      run_.refused.push_back(error.message);
      return vm::HostError{"child", error.message};
    }
    run_.started.push_back(started->id);
    return vm::Value::string(run_.started.back());
  }

 private:
  // A keyed start that belongs on another partition: a commit of its own holding the
  // outbox message (and the schedule's slot when it is the first start), answered with
  // the id the message mints. Its target begins it, or refuses it when a live instance
  // holds the key there (docs/cluster.md "Outbox").
  Answer startRemote(const RemotePlace& place, const std::vector<vm::Value>& args, bool is_first) {
    auto step = parts_.steps.detached({}, parts_.claims.lock("outbox-start"));
    OutboxMessage m;
    m.kind = OutboxMessage::Kind::kStart;
    m.target = place.target;
    m.version = versionOf(*program_);
    m.workflow = place.workflow;
    m.args = detail::encodeList(args);
    if (is_first && first_) first_(*step);
    store::Status added = parts_.outbox.add(*step, m);
    std::optional<EngineError> failed;
    if (!added.ok()) failed = storageError(added);
    if (!failed) failed = parts_.steps.commit(std::move(step));
    if (failed) {
      run_.failed = *failed;
      return store::Status::failure(failed->message);
    }
    run_.started.push_back(m.instance);
    return vm::Value::string(m.instance);
  }

  EngineParts& parts_;
  const std::shared_ptr<const vm::Program>& program_;
  const std::function<void(Step&)>& first_;
  TriggerRun& run_;
};

TriggerRun runTrigger(EngineParts& parts, const std::shared_ptr<const vm::Program>& program,
                      uint32_t function, std::vector<vm::Value> args,
                      const std::function<void(Step&)>& first = {}) {
  TriggerRun run;
  auto started = vm::Instance::start(program, function, std::move(args), parts.options.vm);
  if (auto* problem = std::get_if<std::string>(&started)) {
    run.failed = EngineError{EngineError::Code::kBadInput, *problem};
    return run;
  }
  TriggerHost host(parts, program, first, run);
  HostOutcome o = runHosted(std::get<vm::Instance>(started), HostRole::kTrigger, host);
  if (auto* failed = std::get_if<vm::Failure>(&o))
    run.failed = EngineError{EngineError::Code::kConflict, failed->text()};
  if (auto* rejected = std::get_if<Rejected>(&o))
    run.failed = EngineError{EngineError::Code::kConflict, rejected->problem};
  return run;
}

std::optional<EngineError> checkEventArguments(const bytecode::Module& m,
                                               const bytecode::Trigger& trigger,
                                               std::string_view name,
                                               const std::vector<vm::Value>& args) {
  if (args.size() != trigger.params.size())
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("event `{}` takes {} values, not {}", name,
                                   trigger.params.size(), args.size())};
  for (size_t i = 0; i < args.size(); ++i) {
    if (auto problem = vm::checkValue(args[i], m, trigger.params[i].type))
      return EngineError{EngineError::Code::kBadInput,
                         fmt::format("`{}`: {}", m.strings[trigger.params[i].name], *problem)};
  }
  return std::nullopt;
}

// In the meta column: `on schedule` trigger -> the last slot fired (be64 UTC ms).
std::string scheduleKey(const bytecode::Module& m, const bytecode::Trigger& trigger) {
  return keys::schedule(m.strings[m.workflows[trigger.workflow].name], m.strings[trigger.source]);
}

EngineError nothingDeployed() {
  return EngineError{EngineError::Code::kNotFound,
                     "nothing is deployed yet; deploy a project first"};
}

}  // namespace

std::variant<std::vector<std::string>, EngineError> Engine::event(std::string_view name,
                                                                  std::vector<vm::Value> args) {
  const auto program = parts_->programs.current();
  if (!program) return nothingDeployed();
  const bytecode::Module& m = program->module();
  std::vector<std::string> started;
  bool bound = false;
  std::string problems;
  for (const bytecode::Trigger& trigger : m.triggers) {
    if (trigger.kind != bytecode::TriggerKind::kEvent || m.strings[trigger.source] != name)
      continue;
    bound = true;
    if (auto bad = checkEventArguments(m, trigger, name, args)) return std::move(*bad);
    TriggerRun run = runTrigger(*parts_, program, trigger.function, args);
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

std::optional<int64_t> Engine::lastScheduleSlot(uint32_t trigger) const {
  const auto program = parts_->programs.current();
  if (!program || trigger >= program->module().triggers.size()) return std::nullopt;
  const bytecode::Module& m = program->module();
  auto bytes = parts_->store.get(store::Column::kMeta, scheduleKey(m, m.triggers[trigger]));
  if (!bytes.ok() || !bytes.value()) return std::nullopt;
  auto slot = store::readU64(*bytes.value());
  if (!slot) return std::nullopt;
  return static_cast<int64_t>(*slot);
}

void Engine::noteScheduleStart(uint32_t index, int64_t at) {
  const auto program = parts_->programs.current();
  if (!program || index >= program->module().triggers.size()) return;
  std::lock_guard lock(parts_->schedule_mutex);
  if (lastScheduleSlot(index)) return;
  std::string bytes;
  store::appendU64(bytes, static_cast<uint64_t>(at));
  store::Batch batch;
  batch.put(store::Column::kMeta, scheduleKey(program->module(), program->module().triggers[index]),
            bytes);
  // Through the pipeline (into the partition log, with one). A failure is not recorded:
  // the next start begins counting from then.
  (void)parts_->pipeline.commitAndWait(std::move(batch));
}

std::variant<std::vector<std::string>, EngineError> Engine::fireSchedule(uint32_t index,
                                                                         int64_t slot) {
  const auto program = parts_->programs.current();
  if (!program) return nothingDeployed();
  const bytecode::Module& m = program->module();
  if (index >= m.triggers.size() || m.triggers[index].kind != bytecode::TriggerKind::kSchedule)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("trigger {} is not an `on schedule` trigger", index)};
  const bytecode::Trigger& trigger = m.triggers[index];
  // While writes fail, a refused commit's slot may still land (a failed sync leaves its
  // batch in the log, replayed when the store reopens): firing the slot again before the
  // store has recovered could start it twice. The tick tries again once writes work.
  if (parts_->store.writeFailing())
    return EngineError{EngineError::Code::kStorage,
                       "the data directory cannot be written; the slot fires once it can"};
  std::lock_guard lock(parts_->schedule_mutex);
  if (auto last = lastScheduleSlot(index); last && *last >= slot) return std::vector<std::string>{};
  std::string slot_bytes;
  store::appendU64(slot_bytes, static_cast<uint64_t>(slot));
  const std::string marker = scheduleKey(m, trigger);
  TriggerRun run = runTrigger(*parts_, program, trigger.function, {}, [&](Step& step) {
    step.batch.put(store::Column::kMeta, marker, slot_bytes);
  });
  if (run.failed) return *run.failed;
  if (run.started.empty()) {
    // Nothing started (the workflow refused its arguments, a live instance has its key):
    // the slot is still spent, so a restart does not try it again and again.
    store::Batch batch;
    batch.put(store::Column::kMeta, marker, slot_bytes);
    if (store::Status written = parts_->pipeline.commitAndWait(std::move(batch)); !written.ok())
      return storageError(written);
  }
  return std::move(run.started);
}

}  // namespace rflow::engine

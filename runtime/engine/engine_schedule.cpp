// `on schedule` triggers and business-key lookups: what the service's scheduler and its
// by-key signal route need from the engine. The scheduler decides WHEN a slot is due
// (base/cron.h); the engine makes firing a slot happen at most once, by committing the
// slot with the instance it starts.
#include <fmt/format.h>

#include "engine/engine_internal.h"
#include "vm/print.h"

namespace rflow::engine {

namespace {

// In the meta column: `on schedule` trigger -> the last slot fired (be64 UTC ms).
std::string scheduleKey(const bytecode::Module& m, const bytecode::Trigger& trigger) {
  return store::joinKey(store::joinKey("schedule", m.strings[m.workflows[trigger.workflow].name]),
                        m.strings[trigger.source]);
}

}  // namespace

std::optional<std::string> Engine::instanceForKey(std::string_view workflow, std::string_view key,
                                                  std::string_view signal_request) const {
  std::string qualified(workflow);
  if (const auto program = currentProgram()) {
    auto found = findWorkflow(program->module(), workflow);
    if (auto* index = std::get_if<uint32_t>(&found))
      qualified = program->module().strings[program->module().workflows[*index].name];
  }
  if (auto id = store_.get(store::Column::kKeys, businessKey(qualified, key))) {
    auto rec = loadInstance(*id);
    if (rec && isLive(rec->status)) return id;
  }
  if (signal_request.empty()) return std::nullopt;
  return store_.get(store::Column::kMeta, keySignalRequestKey(qualified, key, signal_request));
}

std::optional<int64_t> Engine::lastScheduleSlot(uint32_t trigger) const {
  const auto program = currentProgram();
  if (!program || trigger >= program->module().triggers.size()) return std::nullopt;
  const bytecode::Module& m = program->module();
  auto bytes = store_.get(store::Column::kMeta, scheduleKey(m, m.triggers[trigger]));
  if (!bytes) return std::nullopt;
  auto slot = store::readU64(*bytes);
  if (!slot) return std::nullopt;
  return static_cast<int64_t>(*slot);
}

void Engine::noteScheduleStart(uint32_t index, int64_t at) {
  const auto program = currentProgram();
  if (!program || index >= program->module().triggers.size()) return;
  std::lock_guard lock(schedule_mutex_);
  if (lastScheduleSlot(index)) return;
  std::string bytes;
  store::appendU64(bytes, static_cast<uint64_t>(at));
  store::Batch batch;
  batch.put(store::Column::kMeta, scheduleKey(program->module(), program->module().triggers[index]),
            bytes);
  (void)store_.commit(batch);  // not recorded: the next start begins counting from then
}

std::variant<std::vector<std::string>, EngineError> Engine::fireSchedule(uint32_t index,
                                                                         int64_t slot) {
  const auto program = currentProgram();
  if (!program)
    return EngineError{EngineError::Code::kNotFound,
                       "nothing is deployed yet; deploy a project first"};
  const bytecode::Module& m = program->module();
  if (index >= m.triggers.size() || m.triggers[index].kind != bytecode::TriggerKind::kSchedule)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("trigger {} is not an `on schedule` trigger", index)};
  const bytecode::Trigger& trigger = m.triggers[index];
  std::lock_guard lock(schedule_mutex_);
  if (auto last = lastScheduleSlot(index); last && *last >= slot) return std::vector<std::string>{};
  std::string slot_bytes;
  store::appendU64(slot_bytes, static_cast<uint64_t>(slot));
  const std::string marker = scheduleKey(m, trigger);

  TriggerRun run = runTrigger(program, trigger.function, {}, [&](store::Batch& batch) {
    batch.put(store::Column::kMeta, marker, slot_bytes);
  });
  if (run.failed) return *run.failed;
  if (run.started.empty()) {
    // Nothing started (the workflow refused its arguments, a live instance has its key):
    // the slot is still spent, so a restart does not try it again and again.
    store::Batch batch;
    batch.put(store::Column::kMeta, marker, slot_bytes);
    if (std::string problem = store_.commit(batch); !problem.empty())
      return EngineError{EngineError::Code::kStorage, problem};
  }
  return std::move(run.started);
}

}  // namespace rflow::engine

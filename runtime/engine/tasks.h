// Approvals and tasks (language.md §5, "Approvals and tasks in detail"): creating them
// from the VM's requests, their inbox index, decisions with the project's policies
// (`on approval` policies run on approvals only, never on a rejection; `on task` policies
// on completions), escalations and due dates, and the Approval record or form an
// instance gets back.
#pragma once

#include <optional>
#include <string>

#include "engine/engine.h"
#include "engine/step.h"
#include "engine/work_queue.h"

namespace rflow::engine {

class Tasks {
 public:
  explicit Tasks(EngineParts& parts) : parts_(parts) {}

  // Creates the task an approval or task request asks for, in `step`; returns its id.
  std::string create(Step& step, const vm::PendingRequest& pending, bool approval);
  // Writes a task that is no longer open and takes it out of the inbox indexes.
  void close(Step& step, const TaskRecord& task);
  std::optional<EngineError> decide(const Decision& decision, Decided* after);
  // The timers of a task: an escalation, and the due time (an approval expires, a task
  // is marked overdue).
  store::Status escalate(Step& step, const TimerRecord& timer);
  store::Status due(Step& step, const TimerRecord& timer);

 private:
  // The decided task, read under its instance's lease (the decision's `instance` when it
  // names the right one, else found by a read first).
  Found<std::pair<TaskRecord, KeyedGate::Lease>> lockTask(const Decision& decision);
  // The policy's refusal, if one refuses (or cannot run).
  std::optional<std::string> checkPolicies(const TaskRecord& task, const Decision& decision,
                                           const std::shared_ptr<const vm::Program>& program);
  // The form of a completed task, checked against its record type.
  std::variant<vm::Value, EngineError> form(const TaskRecord& task, const Decision& decision,
                                            const vm::Program& program);
  // A step of `task`'s instance ("the task's instance is gone" when there is none).
  Found<std::unique_ptr<Step>> openInstanceOf(const TaskRecord& task, KeyedGate::Lease lease);
  std::optional<EngineError> refuse(const TaskRecord& task, const Decision& decision,
                                    KeyedGate::Lease lease, const std::string& refusal);
  std::optional<EngineError> apply(TaskRecord task, const Decision& decision,
                                   KeyedGate::Lease lease, std::optional<vm::Value> form,
                                   const vm::Program& program, Decided* after);
  // Commits a decision's step; on success, fills `after` (when given) with `task` and the
  // step's instance as committed.
  std::optional<EngineError> commitDecision(std::unique_ptr<Step> step, const TaskRecord& task,
                                            Decided* after);

  EngineParts& parts_;
};

// The rflow.Approval record an ended approval gives its instance.
vm::Value approvalResult(const vm::Program& program, const TaskRecord& task);

}  // namespace rflow::engine

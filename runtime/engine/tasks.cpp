// Approvals and tasks: created from the VM's requests, their inbox index, escalations and
// due dates, and the Approval record an ended approval gives back. Decisions are in
// decisions.cpp.
#include "engine/tasks.h"

#include <fmt/format.h>

#include "engine/business_ages.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"

namespace rflow::engine {

using detail::field;
using detail::makeRecord;

namespace {

std::string indexKey(const TaskRecord& task) {
  return task.assignee.is_role ? keys::roleIndex(task.assignee.name, task.id)
                               : keys::userIndex(task.assignee.name, task.id);
}

// The fields of an rflow.ApprovalRequest or rflow.TaskRequest record.
void readRequest(const vm::Program& program, const vm::Value& request, int64_t now,
                 TaskRecord& task) {
  task.title = std::string(detail::stringField(program, request, "title"));
  if (const vm::Value* a = field(program, request, "assignee"))
    task.assignee = detail::assigneeOf(program, *a);
  if (const vm::Value* by = field(program, request, "requested_by");
      by != nullptr && by->tag() == vm::Tag::kString)
    task.requested_by = std::string(by->asString());
  if (const vm::Value* amount = field(program, request, "amount");
      amount != nullptr && !amount->isNone())
    task.amount = encodeValue(*amount);
  task.approvers = detail::intField(program, request, "approvers").value_or(1);
  if (auto due = detail::intField(program, request, "due")) task.due = now + *due;
  if (const vm::Value* list = field(program, request, "escalations");
      list != nullptr && list->tag() == vm::Tag::kList) {
    for (const vm::Value& e : list->listItems()) {
      Escalation escalation;
      escalation.at = now + detail::intField(program, e, "after").value_or(0);
      if (const vm::Value* to = field(program, e, "to"))
        escalation.to = detail::assigneeOf(program, *to);
      task.escalations.push_back(std::move(escalation));
    }
  }
}

}  // namespace

std::string Tasks::create(Step& step, const vm::PendingRequest& pending, bool approval) {
  TaskRecord task;
  const vm::Value* request = nullptr;
  if (approval) {
    const auto& r = std::get<vm::effect::Approval>(pending.request);
    request = &r.request;
    task.data = encodeValue(r.data);
    task.data_type = r.data_type;
  } else {
    const auto& r = std::get<vm::effect::Task>(pending.request);
    request = &r.request;
    task.data = encodeValue(r.data);
    task.data_type = r.data_type;
    task.form_type = r.form_type;
  }
  task.id = keys::taskId(parts_.ids.task(), parts_.options.partition);
  task.instance = step.rec.id;
  task.version = step.rec.version;
  task.workflow_name = step.rec.workflow_name;
  task.request = pending.id;
  task.approval = approval;
  task.created_at = step.now;
  readRequest(*step.program, *request, step.now, task);
  task.calendar = declaredCalendar(step.program->module(), step.rec.workflow, pending);
  step.batch.put(store::Column::kTasks, task.id, task.encode());
  step.batch.put(store::Column::kTaskIndex, indexKey(task), "");
  // Escalations first: one due at the same instant as the approval fires before it.
  for (uint32_t i = 0; i < task.escalations.size(); ++i)
    parts_.timers.add(step, task.escalations[i].at,
                      {TimerKind::kEscalation, step.rec.id, pending.id, task.id, i});
  if (task.due)
    parts_.timers.add(step, *task.due, {TimerKind::kTaskDue, step.rec.id, pending.id, task.id, 0});
  step.metrics.taskOpened(task.workflow_name, task.created_at, step.now, task.calendar);
  step.audit(approval ? AuditKind::kApprovalRequested : AuditKind::kTaskCreated,
             fmt::format("{} for {} {}", task.title, task.assignee.is_role ? "role" : "user",
                         task.assignee.name),
             {}, task.id);
  return task.id;
}

void Tasks::close(Step& step, const TaskRecord& task) {
  const bool decided = task.status == TaskStatus::kApproved ||
                       task.status == TaskStatus::kRejected ||
                       task.status == TaskStatus::kCompleted;
  step.metrics.taskClosed(task.workflow_name, task.created_at, task.calendar, step.now, decided,
                          task.status == TaskStatus::kExpired);
  step.batch.put(store::Column::kTasks, task.id, task.encode());
  step.batch.remove(store::Column::kTaskIndex, indexKey(task));
}

store::Status Tasks::escalate(Step& step, const TimerRecord& timer) {
  auto loaded = parts_.queries.loadTask(timer.task);
  if (!loaded.ok()) return loaded.status();
  auto& task = loaded.value();
  if (!task || task->status != TaskStatus::kOpen || timer.index >= task->escalations.size() ||
      task->escalations[timer.index].fired)
    return {};
  step.batch.remove(store::Column::kTaskIndex, indexKey(*task));
  Escalation& e = task->escalations[timer.index];
  e.fired = true;
  const Assignee from = task->assignee;
  task->assignee = e.to;
  ++task->escalated;
  step.metrics.escalated(step.rec.workflow_name, step.now);
  step.batch.put(store::Column::kTasks, task->id, task->encode());
  step.batch.put(store::Column::kTaskIndex, indexKey(*task), "");
  step.audit(AuditKind::kEscalated,
             fmt::format("{} from {} to {}", task->title, from.name, task->assignee.name), {},
             task->id);
  return {};
}

store::Status Tasks::due(Step& step, const TimerRecord& timer) {
  auto loaded = parts_.queries.loadTask(timer.task);
  if (!loaded.ok()) return loaded.status();
  auto& task = loaded.value();
  if (!task || task->status != TaskStatus::kOpen) return {};
  if (!task->approval) {
    task->overdue = true;
    step.batch.put(store::Column::kTasks, task->id, task->encode());
    step.audit(AuditKind::kOverdue, task->title, {}, task->id);
    return {};
  }
  task->status = TaskStatus::kExpired;
  task->decided_at = step.now;
  close(step, *task);
  step.audit(AuditKind::kExpired, task->title, {}, task->id);
  vm::Value result = step.program ? approvalResult(*step.program, *task) : vm::Value();
  return parts_.steps.resume(step, timer.request, std::move(result));
}

vm::Value approvalResult(const vm::Program& program, const TaskRecord& task) {
  const std::string_view outcome = task.status == TaskStatus::kApproved   ? "Approved"
                                   : task.status == TaskStatus::kRejected ? "Rejected"
                                                                          : "Expired";
  vm::Value outcome_value;
  if (auto e = detail::enumIndex(program, "rflow.ApprovalOutcome")) {
    if (auto member = detail::enumMember(program, *e, outcome))
      outcome_value = vm::Value::enumMember(*e, *member);
  }
  std::vector<vm::Value> approved;
  for (const std::string& u : task.approved_by)
    approved.push_back(vm::Value::string(u));
  auto record = makeRecord(
      program, "rflow.Approval",
      {{"approved", vm::Value::boolean(task.status == TaskStatus::kApproved)},
       {"outcome", outcome_value},
       {"decided_by", task.decided_by ? vm::Value::string(*task.decided_by) : vm::Value()},
       {"comment", vm::Value::string(task.comment)},
       {"decided_at", task.decided_at ? vm::Value::integer(*task.decided_at) : vm::Value()},
       {"approved_by", vm::Value::list(std::move(approved))}});
  return record.value_or(vm::Value());
}

}  // namespace rflow::engine

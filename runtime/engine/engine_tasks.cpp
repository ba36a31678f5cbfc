// Approvals and tasks (language.md §5, "Approvals and tasks in detail"): creating them
// from the VM's requests, their timers, decisions with the project's policies, and the
// Approval record or form an instance gets back.
#include <fmt/format.h>

#include "engine/engine_internal.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

using detail::field;
using detail::makeRecord;

std::string Engine::createTask(Step& step, const vm::PendingRequest& pending, bool approval) {
  const vm::Program& program = *step.program;
  const vm::Value* request = nullptr;
  TaskRecord task;
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
  task.id = taskIdFor(next_task_.fetch_add(1));
  task.instance = step.rec.id;
  task.version = step.rec.version;
  task.workflow_name = step.rec.workflow_name;
  task.request = pending.id;
  task.approval = approval;
  task.title = std::string(detail::stringField(program, *request, "title"));
  if (const vm::Value* a = field(program, *request, "assignee"))
    task.assignee = detail::assigneeOf(program, *a);
  if (const vm::Value* by = field(program, *request, "requested_by");
      by != nullptr && by->tag() == vm::Tag::kString)
    task.requested_by = std::string(by->asString());
  if (const vm::Value* amount = field(program, *request, "amount");
      amount != nullptr && !amount->isNone())
    task.amount = encodeValue(*amount);
  task.approvers = detail::intField(program, *request, "approvers").value_or(1);
  task.created_at = step.now;
  if (auto due = detail::intField(program, *request, "due")) task.due = step.now + *due;
  if (const vm::Value* list = field(program, *request, "escalations");
      list != nullptr && list->tag() == vm::Tag::kList) {
    for (const vm::Value& e : list->listItems()) {
      Escalation escalation;
      escalation.at = step.now + detail::intField(program, e, "after").value_or(0);
      if (const vm::Value* to = field(program, e, "to"))
        escalation.to = detail::assigneeOf(program, *to);
      task.escalations.push_back(std::move(escalation));
    }
  }
  step.batch.put(store::Column::kTasks, task.id, task.encode());
  step.batch.put(store::Column::kTaskIndex,
                 task.assignee.is_role ? roleIndexKey(task.assignee.name, task.id)
                                       : userIndexKey(task.assignee.name, task.id),
                 "");
  // Escalations first: one due at the same instant as the approval fires before it.
  for (uint32_t i = 0; i < task.escalations.size(); ++i)
    addTimer(step.batch, task.escalations[i].at,
             {TimerKind::kEscalation, step.rec.id, pending.id, task.id, i});
  if (task.due)
    addTimer(step.batch, *task.due, {TimerKind::kTaskDue, step.rec.id, pending.id, task.id, 0});
  step.metrics.taskOpened(task.workflow_name, task.created_at, step.now);
  audit(step, approval ? "approval requested" : "task created",
        fmt::format("{} for {} {}", task.title, task.assignee.is_role ? "role" : "user",
                    task.assignee.name),
        {}, task.id);
  return task.id;
}

void Engine::closeTask(Step& step, const TaskRecord& task) {
  const bool decided = task.status == TaskStatus::kApproved ||
                       task.status == TaskStatus::kRejected ||
                       task.status == TaskStatus::kCompleted;
  step.metrics.taskClosed(task.workflow_name, task.created_at, step.now, decided,
                          task.status == TaskStatus::kExpired);
  step.batch.put(store::Column::kTasks, task.id, task.encode());
  step.batch.remove(store::Column::kTaskIndex, task.assignee.is_role
                                                   ? roleIndexKey(task.assignee.name, task.id)
                                                   : userIndexKey(task.assignee.name, task.id));
}

std::optional<std::string> Engine::checkPolicies(const TaskRecord& task, const Decision& decision,
                                                 const std::shared_ptr<const vm::Program>& shared) {
  const vm::Program& program = *shared;
  const bytecode::Module& m = program.module();
  const std::string workflow(vm::declaredName(task.workflow_name));
  std::vector<vm::Value> approved;
  for (const std::string& u : task.approved_by)
    approved.push_back(vm::Value::string(u));
  for (const bytecode::Policy& policy : m.policies) {
    const bool for_approvals = policy.kind == bytecode::PolicyKind::kApproval;
    if (for_approvals != task.approval) continue;
    std::optional<vm::Value> request;
    if (for_approvals) {
      vm::Value amount;
      if (!task.amount.empty()) amount = decodeValue(task.amount, m).value_or(vm::Value());
      request =
          makeRecord(program, "rflow.ApprovalDecision",
                     {{"title", vm::Value::string(task.title)},
                      {"requested_by",
                       task.requested_by ? vm::Value::string(*task.requested_by) : vm::Value()},
                      {"decided_by", vm::Value::string(decision.user)},
                      {"amount", amount},
                      {"assignee", detail::assigneeValue(task.assignee)},
                      {"approvers", vm::Value::integer(task.approvers)},
                      {"approved_by", vm::Value::list(approved)},
                      {"workflow", vm::Value::string(workflow)}});
    } else {
      request = makeRecord(program, "rflow.TaskCompletion",
                           {{"title", vm::Value::string(task.title)},
                            {"completed_by", vm::Value::string(decision.user)},
                            {"assignee", detail::assigneeValue(task.assignee)},
                            {"workflow", vm::Value::string(workflow)}});
    }
    const std::string name(vm::declaredName(m.strings[policy.name]));
    if (!request) return fmt::format("policy `{}` cannot be checked (corrupt module)", name);
    auto started = vm::Instance::start(shared, policy.function, {std::move(*request)}, options_.vm);
    if (auto* problem = std::get_if<std::string>(&started))
      return fmt::format("policy `{}` could not run: {}", name, *problem);
    vm::Outcome o = std::get<vm::Instance>(started).run();
    if (auto* done = std::get_if<vm::Completed>(&o)) {
      if (done->result.tag() == vm::Tag::kString) return std::string(done->result.asString());
      continue;
    }
    if (auto* failed = std::get_if<vm::Failure>(&o))
      return fmt::format("policy `{}` failed, so the decision is refused: {}", name,
                         failed->text());
    return fmt::format("policy `{}` tried to wait, so the decision is refused", name);
  }
  return std::nullopt;
}

std::optional<EngineError> Engine::decide(const Decision& decision) {
  const auto first = loadTask(decision.task);
  if (!first)
    return EngineError{EngineError::Code::kNotFound,
                       fmt::format("there is no task {}", decision.task)};
  if (decision.request_id.size() > kMaxStartRequestIdBytes)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("the request id is {} bytes long; at most {} are allowed",
                                   decision.request_id.size(), kMaxStartRequestIdBytes)};
  // The instance's lock is held from the request id's lookup to the commit that records
  // it, so two deliveries with one id make one decision.
  std::lock_guard lock(lockFor(first->instance));
  auto task = loadTask(decision.task);
  if (!task) return EngineError{EngineError::Code::kNotFound, "the task is gone"};
  const std::string verb = decision.kind == Decision::Kind::kApprove  ? "approved"
                           : decision.kind == Decision::Kind::kReject ? "rejected"
                                                                      : "completed";
  const std::string request_key =
      decision.request_id.empty() ? "" : decisionRequestKey(task->id, decision.request_id);
  if (!request_key.empty()) {
    // Seen before: the client lost the answer and sends the decision again.
    std::string read_error;
    if (auto earlier = store_.get(store::Column::kMeta, request_key, &read_error)) {
      constexpr std::string_view kRefused = "refused:";
      if (earlier->rfind(kRefused, 0) == 0)
        return EngineError{EngineError::Code::kRefused, earlier->substr(kRefused.size())};
      if (*earlier == verb) return std::nullopt;
      return EngineError{EngineError::Code::kConflict,
                         fmt::format("request id {} already {} {}; use a new request id for "
                                     "another decision",
                                     decision.request_id, *earlier, task->id)};
    }
    if (!read_error.empty()) return EngineError{EngineError::Code::kStorage, read_error};
  }
  const bool complete = decision.kind == Decision::Kind::kComplete;
  if (complete == task->approval) {
    return EngineError{EngineError::Code::kBadInput,
                       task->approval
                           ? fmt::format("{} is an approval: approve or reject it", task->id)
                           : fmt::format("{} is a task: complete it with its form", task->id)};
  }
  if (task->status != TaskStatus::kOpen) {
    return EngineError{
        EngineError::Code::kConflict,
        fmt::format("{} is no longer open (it is {})", task->id, taskStatusName(task->status))};
  }
  if (std::find(task->decided.begin(), task->decided.end(), decision.user) != task->decided.end()) {
    return EngineError{EngineError::Code::kConflict,
                       fmt::format("{} has already decided {}", decision.user, task->id)};
  }
  const auto program = this->program(task->version);
  if (!program)
    return EngineError{EngineError::Code::kStorage, "the task's module version is missing"};
  const bytecode::Module& m = program->module();

  // The form of a task: given fields by name, checked against the form's types.
  vm::Value form;
  if (complete) {
    const bytecode::Type& t = m.types[task->form_type];
    const bytecode::Record& record = m.records[t.decl];
    std::vector<vm::Value> fields;
    for (const auto& item : decision.form) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const std::string& name = item.first;
      const bool known =
          std::any_of(record.fields.begin(), record.fields.end(), [&](const bytecode::Field& f) {
            return m.strings[f.name] == name && name != "completed_by";
          });
      if (!known)
        return EngineError{EngineError::Code::kBadInput,
                           fmt::format("the form of {} has no field `{}`", task->id, name)};
    }
    for (const bytecode::Field& f : record.fields) {
      const std::string& name = m.strings[f.name];
      if (name == "completed_by") {
        fields.push_back(vm::Value::string(decision.user));
        continue;
      }
      const auto given = std::find_if(decision.form.begin(), decision.form.end(),
                                      [&](const auto& p) { return p.first == name; });
      if (given == decision.form.end()) {
        if (m.types[f.type].tag == bytecode::TypeTag::kOptional) {
          fields.emplace_back();
          continue;
        }
        return EngineError{EngineError::Code::kBadInput,
                           fmt::format("the form of {} needs a value for `{}`", task->id, name)};
      }
      if (auto problem = vm::checkValue(given->second, m, f.type))
        return EngineError{EngineError::Code::kBadInput, fmt::format("`{}`: {}", name, *problem)};
      fields.push_back(given->second);
    }
    form = vm::Value::record(t.decl, std::move(fields));
  }

  if (auto refusal = checkPolicies(*task, decision, program)) {
    Step step;
    auto rec = loadInstance(task->instance);
    if (!rec) return EngineError{EngineError::Code::kNotFound, "the task's instance is gone"};
    step.rec = std::move(*rec);
    step.loaded_status = step.rec.status;
    step.now = clock_.now();
    audit(step, "refused", fmt::format("{} {}: {}", verb, task->title, *refusal), decision.user,
          task->id);
    step.metrics.refused(step.rec.workflow_name, step.now);
    if (!request_key.empty())
      step.batch.put(store::Column::kMeta, request_key, "refused:" + *refusal);
    if (auto error = commit(step)) return error;
    return EngineError{EngineError::Code::kRefused, *refusal};
  }

  const int64_t now = clock_.now();
  task->decided.push_back(decision.user);
  std::optional<vm::Value> result;
  if (decision.kind == Decision::Kind::kApprove) {
    task->approved_by.push_back(decision.user);
    if (static_cast<int64_t>(task->approved_by.size()) >= task->approvers)
      task->status = TaskStatus::kApproved;
  } else if (decision.kind == Decision::Kind::kReject) {
    task->status = TaskStatus::kRejected;
  } else {
    task->status = TaskStatus::kCompleted;
    result = form;
  }
  if (task->status != TaskStatus::kOpen) {
    task->decided_at = now;
    task->decided_by = decision.user;
    task->comment = decision.comment;
  }
  if (task->approval && task->status != TaskStatus::kOpen) {
    result = approvalResult(*program, *task);
  }
  const std::string text = task->approval && task->status == TaskStatus::kOpen
                               ? fmt::format("{} {} ({} of {})", verb, task->title,
                                             task->approved_by.size(), task->approvers)
                               : fmt::format("{} {}", verb, task->title);
  const auto record = [&](Step& step) {
    audit(step, verb, decision.comment.empty() ? text : text + ": " + decision.comment,
          decision.user, task->id);
    if (!request_key.empty()) step.batch.put(store::Column::kMeta, request_key, verb);
    if (task->status == TaskStatus::kOpen) {
      step.batch.put(store::Column::kTasks, task->id, task->encode());
    } else {
      closeTask(step, *task);
    }
  };
  if (!result) {
    Step step;
    auto rec = loadInstance(task->instance);
    if (!rec) return EngineError{EngineError::Code::kNotFound, "the task's instance is gone"};
    step.rec = std::move(*rec);
    step.loaded_status = step.rec.status;
    step.now = now;
    record(step);
    return commit(step);
  }
  return resumeWait(task->instance, task->request, std::move(*result), record);
}

vm::Value Engine::approvalResult(const vm::Program& program, const TaskRecord& task) const {
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

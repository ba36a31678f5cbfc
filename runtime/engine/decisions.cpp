// Decisions on approvals and tasks (language.md §4 "Policies", §5): checked, run past
// the project's policies, recorded at most once per request id, and handed to the
// waiting instance when they end the task.
#include <fmt/format.h>

#include "engine/host_loop.h"
#include "engine/keys.h"
#include "engine/parts.h"
#include "engine/record_values.h"
#include "engine/tasks.h"
#include "vm/print.h"
#include "vm/value_check.h"

namespace rflow::engine {

using detail::makeRecord;

namespace {

std::string_view verbOf(Decision::Kind kind) {
  return kind == Decision::Kind::kApprove  ? "approved"
         : kind == Decision::Kind::kReject ? "rejected"
                                           : "completed";
}

// The record a policy of `task`'s kind checks (rflow.ApprovalDecision or
// rflow.TaskCompletion), or nullopt for a corrupt module.
std::optional<vm::Value> policyInput(const vm::Program& program, const TaskRecord& task,
                                     const Decision& decision) {
  const std::string workflow(vm::declaredName(task.workflow_name));
  if (!task.approval)
    return makeRecord(program, "rflow.TaskCompletion",
                      {{"title", vm::Value::string(task.title)},
                       {"completed_by", vm::Value::string(decision.user)},
                       {"assignee", detail::assigneeValue(task.assignee)},
                       {"workflow", vm::Value::string(workflow)}});
  std::vector<vm::Value> approved;
  for (const std::string& u : task.approved_by)
    approved.push_back(vm::Value::string(u));
  vm::Value amount;
  if (!task.amount.empty())
    amount = decodeValue(task.amount, program.module()).value_or(vm::Value());
  return makeRecord(
      program, "rflow.ApprovalDecision",
      {{"title", vm::Value::string(task.title)},
       {"requested_by", task.requested_by ? vm::Value::string(*task.requested_by) : vm::Value()},
       {"decided_by", vm::Value::string(decision.user)},
       {"amount", amount},
       {"assignee", detail::assigneeValue(task.assignee)},
       {"approvers", vm::Value::integer(task.approvers)},
       {"approved_by", vm::Value::list(std::move(approved))},
       {"workflow", vm::Value::string(workflow)}});
}

// What a decision with a request id seen before answers; nullopt when it is new.
std::optional<std::optional<EngineError>> repeatedDecision(const store::Store& store,
                                                           const std::string& request_key,
                                                           std::string_view verb,
                                                           const Decision& decision) {
  auto earlier = store.get(store::Column::kMeta, request_key);
  if (!earlier.ok()) return std::optional<EngineError>(storageError(earlier.status()));
  if (!earlier.value()) return std::nullopt;
  const std::string& was = *earlier.value();
  constexpr std::string_view kRefused = "refused:";
  if (was.rfind(kRefused, 0) == 0)
    return std::optional<EngineError>(
        EngineError{EngineError::Code::kRefused, was.substr(kRefused.size())});
  if (was == verb) return std::optional<EngineError>();
  return std::optional<EngineError>(EngineError{
      EngineError::Code::kConflict,
      fmt::format("request id {} already {} {}; use a new request id for another decision",
                  decision.request_id, was, decision.task)});
}

std::optional<EngineError> checkOpen(const TaskRecord& task, const Decision& decision) {
  const bool complete = decision.kind == Decision::Kind::kComplete;
  if (complete == task.approval)
    return EngineError{EngineError::Code::kBadInput,
                       task.approval
                           ? fmt::format("{} is an approval: approve or reject it", task.id)
                           : fmt::format("{} is a task: complete it with its form", task.id)};
  if (task.status != TaskStatus::kOpen)
    return EngineError{
        EngineError::Code::kConflict,
        fmt::format("{} is no longer open (it is {})", task.id, taskStatusName(task.status))};
  if (std::find(task.decided.begin(), task.decided.end(), decision.user) != task.decided.end())
    return EngineError{EngineError::Code::kConflict,
                       fmt::format("{} has already decided {}", decision.user, task.id)};
  return std::nullopt;
}

}  // namespace

std::optional<std::string> Tasks::checkPolicies(const TaskRecord& task, const Decision& decision,
                                                const std::shared_ptr<const vm::Program>& shared) {
  // `on approval` policies govern who may approve: a reviewer can always say no.
  if (task.approval && decision.kind == Decision::Kind::kReject) return std::nullopt;
  const bytecode::Module& m = shared->module();
  for (const bytecode::Policy& policy : m.policies) {
    if ((policy.kind == bytecode::PolicyKind::kApproval) != task.approval) continue;
    const std::string name(vm::declaredName(m.strings[policy.name]));
    std::optional<vm::Value> input = policyInput(*shared, task, decision);
    if (!input) return fmt::format("policy `{}` cannot be checked (corrupt module)", name);
    auto started =
        vm::Instance::start(shared, policy.function, {std::move(*input)}, parts_.options.vm);
    if (auto* problem = std::get_if<std::string>(&started))
      return fmt::format("policy `{}` could not run: {}", name, *problem);
    NoEffects none;
    HostOutcome o = runHosted(std::get<vm::Instance>(started), HostRole::kPolicyCheck, none);
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

std::variant<vm::Value, EngineError> Tasks::form(const TaskRecord& task, const Decision& decision,
                                                 const vm::Program& program) {
  const bytecode::Module& m = program.module();
  const bytecode::Type& t = m.types[task.form_type];
  const bytecode::Record& record = m.records[t.decl];
  const auto bad = [](std::string message) {
    return EngineError{EngineError::Code::kBadInput, std::move(message)};
  };
  for (const auto& item : decision.form) {
    const bool known =
        std::any_of(record.fields.begin(), record.fields.end(), [&](const bytecode::Field& f) {
          return m.strings[f.name] == item.first && item.first != "completed_by";
        });
    if (!known) return bad(fmt::format("the form of {} has no field `{}`", task.id, item.first));
  }
  std::vector<vm::Value> fields;
  for (const bytecode::Field& f : record.fields) {
    const std::string& name = m.strings[f.name];
    if (name == "completed_by") {
      fields.push_back(vm::Value::string(decision.user));
      continue;
    }
    const auto given = std::find_if(decision.form.begin(), decision.form.end(),
                                    [&](const auto& p) { return p.first == name; });
    if (given == decision.form.end()) {
      if (m.types[f.type].tag != bytecode::TypeTag::kOptional)
        return bad(fmt::format("the form of {} needs a value for `{}`", task.id, name));
      fields.emplace_back();
      continue;
    }
    if (auto problem = vm::checkValue(given->second, m, f.type))
      return bad(fmt::format("`{}`: {}", name, *problem));
    fields.push_back(given->second);
  }
  return vm::Value::record(t.decl, std::move(fields));
}

Found<std::pair<TaskRecord, KeyedGate::Lease>> Tasks::lockTask(const Decision& decision) {
  std::string instance = decision.instance;
  if (instance.empty()) {
    auto first = parts_.queries.taskRecord(decision.task);
    if (!first) return std::move(first).error();
    instance = std::move(first->instance);
  }
  // A task's instance never changes, so one read under the instance's lease that names
  // the same instance is the task as it is; a caller's wrong guess costs one more try.
  for (int tries = 0; tries < 2; ++tries) {
    KeyedGate::Lease lease = parts_.instance_gate.lock(instance);
    auto loaded = parts_.queries.taskRecord(decision.task);
    if (!loaded) return std::move(loaded).error();
    if (loaded->instance == instance) return std::pair{std::move(*loaded), std::move(lease)};
    instance = loaded->instance;
  }
  return EngineError{EngineError::Code::kStorage,
                     fmt::format("task {} names another instance at every read", decision.task)};
}

std::optional<EngineError> Tasks::decide(const Decision& decision, Decided* after) {
  if (decision.request_id.size() > kMaxStartRequestIdBytes)
    return EngineError{EngineError::Code::kBadInput,
                       fmt::format("the request id is {} bytes long; at most {} are allowed",
                                   decision.request_id.size(), kMaxStartRequestIdBytes)};
  // The instance's lease is held from the request id's lookup to the commit that records
  // it, so two deliveries with one id make one decision.
  auto locked = lockTask(decision);
  if (!locked) return std::move(locked).error();
  TaskRecord task = std::move(locked->first);
  KeyedGate::Lease lease = std::move(locked->second);
  if (!decision.request_id.empty()) {
    const std::string key = keys::decisionRequest(task.id, decision.request_id);
    if (auto repeated = repeatedDecision(parts_.store, key, verbOf(decision.kind), decision))
      return *repeated;
  }
  if (auto closed = checkOpen(task, decision)) return closed;
  auto program = parts_.programs.get(task.version);
  if (!program)
    return EngineError{EngineError::Code::kStorage,
                       "the task's module version is missing: " + program.error().message};
  const std::shared_ptr<const vm::Program>& shared = *program;
  std::optional<vm::Value> filled;
  if (decision.kind == Decision::Kind::kComplete) {
    auto made = form(task, decision, *shared);
    if (auto* error = std::get_if<EngineError>(&made)) return std::move(*error);
    filled = std::move(std::get<vm::Value>(made));
  }
  if (auto refusal = checkPolicies(task, decision, shared))
    return refuse(task, decision, std::move(lease), *refusal);
  return apply(std::move(task), decision, std::move(lease), std::move(filled), *shared, after);
}

Found<std::unique_ptr<Step>> Tasks::openInstanceOf(const TaskRecord& task, KeyedGate::Lease lease) {
  auto opened = parts_.steps.open(task.instance, std::move(lease));
  if (opened.notFound())
    return EngineError{EngineError::Code::kNotFound, "the task's instance is gone"};
  return opened;
}

std::optional<EngineError> Tasks::refuse(const TaskRecord& task, const Decision& decision,
                                         KeyedGate::Lease lease, const std::string& refusal) {
  auto opened = openInstanceOf(task, std::move(lease));
  if (!opened) return std::move(opened).error();
  auto step = std::move(*opened);
  step->audit(AuditKind::kRefused,
              fmt::format("{} {}: {}", verbOf(decision.kind), task.title, refusal), decision.user,
              task.id);
  step->metrics.refused(step->rec.workflow_name, step->now);
  if (!decision.request_id.empty())
    step->batch.put(store::Column::kMeta, keys::decisionRequest(task.id, decision.request_id),
                    "refused:" + refusal);
  if (auto error = parts_.steps.commit(std::move(step))) return error;
  return EngineError{EngineError::Code::kRefused, refusal};
}

std::optional<EngineError> Tasks::apply(TaskRecord task, const Decision& decision,
                                        KeyedGate::Lease lease, std::optional<vm::Value> form,
                                        const vm::Program& program, Decided* after) {
  auto opened = openInstanceOf(task, std::move(lease));
  if (!opened) return std::move(opened).error();
  auto step = std::move(*opened);
  task.decided.push_back(decision.user);
  if (decision.kind == Decision::Kind::kApprove) {
    task.approved_by.push_back(decision.user);
    if (static_cast<int64_t>(task.approved_by.size()) >= task.approvers)
      task.status = TaskStatus::kApproved;
  } else {
    task.status =
        decision.kind == Decision::Kind::kReject ? TaskStatus::kRejected : TaskStatus::kCompleted;
  }
  const std::string_view verb = verbOf(decision.kind);
  std::string text = task.approval && task.status == TaskStatus::kOpen
                         ? fmt::format("{} {} ({} of {})", verb, task.title,
                                       task.approved_by.size(), task.approvers)
                         : fmt::format("{} {}", verb, task.title);
  if (!decision.comment.empty()) text += ": " + decision.comment;
  const AuditKind kind = decision.kind == Decision::Kind::kApprove  ? AuditKind::kApproved
                         : decision.kind == Decision::Kind::kReject ? AuditKind::kRejected
                                                                    : AuditKind::kTaskCompleted;
  step->audit(kind, text, decision.user, task.id);
  if (!decision.request_id.empty())
    step->batch.put(store::Column::kMeta, keys::decisionRequest(task.id, decision.request_id),
                    verb);
  if (task.status == TaskStatus::kOpen) {
    step->batch.put(store::Column::kTasks, task.id, task.encode());
    return commitDecision(std::move(step), task, after);
  }
  task.decided_at = step->now;
  task.decided_by = decision.user;
  task.comment = decision.comment;
  if (form) task.form = encodeValue(*form);
  step->decided_by = decision.user;
  close(*step, task);
  vm::Value result = task.approval ? approvalResult(program, task) : std::move(*form);
  if (store::Status resumed = parts_.steps.resume(*step, task.request, std::move(result));
      !resumed.ok())
    return storageError(resumed);
  return commitDecision(std::move(step), task, after);
}

std::optional<EngineError> Tasks::commitDecision(std::unique_ptr<Step> step, const TaskRecord& task,
                                                 Decided* after) {
  if (after == nullptr) return parts_.steps.commit(std::move(step));
  auto committed = parts_.steps.commitAnswering(std::move(step), after->ticket);
  if (!committed) return std::move(committed).error();
  after->task = parts_.queries.view(task);
  after->instance = parts_.queries.view(std::move(*committed));
  return std::nullopt;
}

}  // namespace rflow::engine

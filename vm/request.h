// What a stopped instance asks its host for: one Request per effect instruction
// (opcodes.def, 0xA0 and up), holding the instruction's operands and the values it
// popped, already decoded. The host answers each with a result value or an error
// (interpreter.h, Resumption).
//
// Three groups, by what the host does with them:
// - suspending effects (Connector … StartChild): the instance waits; the engine commits
//   the step and answers later (a connector's result, a decision, a signal, a timer);
// - step effects (Spawn, Note, Notify, Now, Classify, Learn, Measure): the host answers
//   at once,
//   within the step,
//   and records them with it;
// - test statements (Mock … RunField): only in test functions; the test driver answers.
//
// The result each one expects (the VM checks it, see Instance::resume):
//   Connector   the op's result type (none for an op without one)
//   Approval    an rflow.Approval record
//   Task        a record of form_type
//   Await       a record of signal_type, or none (timed out)
//   StartChild  the child workflow's result type (none without one)
//   Spawn       a string: the new instance's id
//   Now         a time (an int tag: UTC milliseconds); the step's time, the same for
//               every Now of one step (language.md §5)
//   Classify    a record of the classifier's record type
//   StartRun    a Run value (Value::run)
//   RunField    the field's value (not checked: the VM does not know the Run's type)
//   all others  none
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "base/decimal.h"
#include "vm/value.h"

namespace rflow::vm {

namespace effect {

// ---- suspending effects ----

// conn.op(args) retry … every … backoff … timeout … (options absent when not written).
struct Connector {
  uint32_t op;  // index into Module::ops
  std::vector<Value> args;
  std::optional<int64_t> retry;          // further attempts, >= 0
  std::optional<int64_t> every;          // first delay, milliseconds, >= 0
  std::optional<base::Decimal> backoff;  // > 0
  std::optional<int64_t> timeout;        // per attempt, milliseconds, > 0
};

struct Approval {
  Value request;       // an rflow.ApprovalRequest record (approvers >= 1 is checked)
  Value data;          // the `data { … }` record
  uint32_t data_type;  // its type
};

struct Task {
  Value request;       // an rflow.TaskRequest record
  Value data;          // the `data { … }` record
  uint32_t form_type;  // the type of the result: the form's fields and completed_by
  uint32_t data_type;
};

struct Await {
  uint32_t signal_type;
  std::optional<int64_t> timeout;  // milliseconds
};

struct Sleep {
  int64_t duration;  // milliseconds (a negative one has already elapsed)
};

struct SleepUntil {
  int64_t time;  // UTC milliseconds
};

struct StartChild {
  uint32_t workflow;  // index into Module::workflows
  std::vector<Value> args;
};

// ---- step effects ----

struct Spawn {
  uint32_t workflow;
  std::vector<Value> args;
};

struct Note {
  std::string text;
};

struct Notify {
  Value target;  // a role or a user (Assignee)
  std::string text;
};

struct Now {};

// classify C(text): the host answers with C's record (label, best, confidence, runner_up,
// runner_up_confidence, model).
struct Classify {
  uint32_t classifier;  // index into Module::classifiers
  std::string text;
};

// learn C(text, label)
struct Learn {
  uint32_t classifier;
  std::string text;
  uint32_t label;  // the member's index in C's enum
};

// measure name = value (after the header): the host keeps the value as the instance's
// measure `measure` and audits it.
struct Measure {
  uint32_t measure;  // index into the workflow's WorkflowFigures::measures
  Value value;       // an int (also a duration, in milliseconds), a decimal or money
};

// ---- test statements ----

struct Mock {
  uint32_t op;
  uint32_t function;  // a kMock function: f(captured…, the op's args…)
  std::vector<Value> captured;
};

struct MockFails {
  uint32_t op;
  std::string reason;
};

struct StartRun {
  uint32_t workflow;
  std::vector<Value> args;
};

struct Advance {
  int64_t duration;  // milliseconds
};

struct Decide {
  enum class Kind : uint8_t { kApprove = 0, kReject = 1, kComplete = 2 };
  Kind kind;
  bool expect_refused;
  Value task;    // an rflow.Task record
  Value user;    // a User (string)
  Value detail;  // the comment (a string) or the form record for complete; none if absent
};

struct Send {
  Value run;
  Value signal;
};

struct Expect {
  std::string text;  // the condition's source text
  bool holds;
  std::optional<std::string> left;  // for a comparison: both sides' printed forms
  std::optional<std::string> right;
  std::optional<std::string> message;  // `else "…"`
};

struct ExpectCalled {
  uint32_t op;
  int64_t times;
};

struct MockClassify {
  uint32_t classifier;
  uint32_t function;  // a kMock function: f(captured…, text) -> the classifier's record
  std::vector<Value> captured;
};

struct ExpectLearned {
  uint32_t classifier;
  int64_t times;
};

struct RunField {
  enum class Field : uint8_t {
    kStatus = 0,
    kResult = 1,
    kError = 2,
    kTask = 3,
    kTasks = 4,
    kNotes = 5,
    kNotifications = 6,
  };
  Value run;
  Field field;
};

}  // namespace effect

using Request =
    std::variant<effect::Connector, effect::Approval, effect::Task, effect::Await, effect::Sleep,
                 effect::SleepUntil, effect::StartChild, effect::Spawn, effect::Note,
                 effect::Notify, effect::Now, effect::Classify, effect::Learn, effect::Measure,
                 effect::Mock, effect::MockFails, effect::StartRun, effect::Advance, effect::Decide,
                 effect::Send, effect::Expect, effect::ExpectCalled, effect::RunField,
                 effect::MockClassify, effect::ExpectLearned>;

// True for Spawn, Note, Notify, Now, Classify, Learn and Measure: answered within the step.
bool isStepEffect(const Request& request);
// True for the test statements (Mock … RunField).
bool isTestStatement(const Request& request);

// A request with where it comes from.
struct PendingRequest {
  uint64_t id;      // unique within the instance, increasing; persisted with the state
  uint32_t branch;  // the branch that waits: 0 for the instance's main line
  Request request;
  uint32_t function;  // where the effect instruction is
  uint32_t pc;
  uint32_t line;  // its source line
  // True when the request was made by the run() that reports it (false for one already
  // reported by an earlier run(), and after decodeState).
  bool fresh;
};

}  // namespace rflow::vm

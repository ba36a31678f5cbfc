// The engine's persisted records (runtime.md §5): what one instance, task, timer, pending
// connector call, queued signal and inbox entry look like in the store, each with its one
// codec (encode/decode). Their keys are in keys.h, audit entries in audit.h. Internal to
// the engine; the service sees them through engine.h's views.
//
// Every record starts with a format byte (kRecordFormat) so a later rflow can tell old
// records apart; fields are only ever appended. Values inside records use the VM's value
// encoding and are decoded against the module version the instance runs on.
//
// Persisted enums below have explicit values that are never reused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::engine {

inline constexpr uint8_t kRecordFormat = 1;

// Equal to the prelude's `enum RunStatus` member order (a Run's status in tests).
enum class Status : uint8_t {
  kRunning = 0,  // created, or between steps (a crash leaves it here: recovery resumes it)
  kWaiting = 1,
  kCompleted = 2,
  kFailed = 3,
  kCancelled = 4,
};
std::string_view statusName(Status status);
bool isLive(Status status);  // running or waiting

// What a waiting branch waits for.
enum class WaitKind : uint8_t {
  kConnector = 0,  // detail: "conn.op"
  kApproval = 1,   // detail: task id
  kTask = 2,       // detail: task id
  kSignal = 3,     // detail: the signal's record name; signal_type set
  kSleep = 4,
  kChild = 5,  // detail: the child's instance id
};
// "connector", "approval", "task", "signal", "timer", "child": as `rflow run` and the
// service show a wait.
std::string_view waitKindName(WaitKind kind);

struct Wait {
  uint64_t request = 0;  // the VM's PendingRequest id
  uint32_t branch = 0;
  WaitKind kind = WaitKind::kSleep;
  std::string detail;
  uint32_t signal_type = 0;      // kSignal: the signal's type id in the module
  int64_t since = 0;             // when the wait began (UTC ms)
  std::optional<int64_t> until;  // when a timer ends it (sleep, await timeout)
  // The calendar the wait was declared in (calendar::encode text, business_ages.h), ""
  // for a wait in plain time. Encoded after the instance record's last field, one per
  // wait: records written before it decode with none.
  std::string calendar;
  // The stage the wait is in (stages.h), when the wait itself does not name it (an
  // approval's, a task's or a child's); "" otherwise. Encoded after the calendars, one
  // per wait: records written before it decode with none, and such a wait's stage is
  // found under its `stage-open` key (keys.h), as it was written then.
  std::string stage;
};

struct InstanceRecord {
  std::string id;
  std::string version;  // module content hash, hex
  uint32_t workflow = 0;
  std::string workflow_name;
  Status status = Status::kRunning;
  std::optional<std::string> key;
  std::optional<std::string> parent;  // the instance that `start`ed it
  uint64_t parent_request = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> ended_at;
  std::optional<int64_t> sla_due;
  bool breached = false;
  uint64_t steps = 0;
  uint64_t audit_seq = 0;
  uint64_t signal_seq = 0;
  std::vector<Wait> waits;
  std::string args;    // the arguments (a list value), kept for display and for the first step
  std::string state;   // the continuation while waiting (vm state bytes)
  std::string result;  // completed: the result (value bytes)
  std::optional<std::string> error;  // failed: "{kind}: {message} ({file}:{line})"
  std::optional<std::string> error_kind;

  // The chain hash of the last audit entry (32 bytes; empty before the first, and for
  // instances written before audit entries were chained). See auditChain(). Encoded
  // last: records written before it existed decode with it empty.
  std::string audit_chain;
  // What the instance tracks and measures (InstanceFigures::encode(), figures.h), for an
  // instance of a workflow that declares any: never empty then, since the encoding has a
  // format byte. Empty for other workflows, and for instances started before figures
  // were kept here (theirs are under the "figures" key). Encoded after audit_chain: older
  // records decode with it empty.
  std::string figures;
  // The instance whose `spawn` started it. Not `parent`, which a child's result is handed
  // to: a spawned instance answers nobody. Encoded after figures: older records decode
  // with it empty.
  std::optional<std::string> spawned_by;
  // After spawned_by: each wait's calendar (Wait::calendar), as a count equal to the
  // number of waits and one text each.

  std::string encode() const;
  static std::optional<InstanceRecord> decode(std::string_view bytes);
};

// An approval or a task.
enum class TaskStatus : uint8_t {
  kOpen = 0,
  kApproved = 1,
  kRejected = 2,
  kExpired = 3,
  kCompleted = 4,
  kCancelled = 5,
};
std::string_view taskStatusName(TaskStatus status);

// A role (by declared name) or a user (by id).
struct Assignee {
  bool is_role = true;
  std::string name;
  uint32_t role = 0;  // is_role: index into the module's roles
};

struct Escalation {
  int64_t at = 0;  // UTC ms
  Assignee to;
  bool fired = false;
};

struct TaskRecord {
  std::string id;
  std::string instance;
  std::string version;
  std::string workflow_name;
  uint64_t request = 0;
  bool approval = true;
  std::string title;
  Assignee assignee;
  std::optional<std::string> requested_by;
  std::string amount;  // value bytes of a money?, empty when none
  int64_t approvers = 1;
  std::optional<int64_t> due;
  std::vector<Escalation> escalations;
  uint32_t escalated = 0;
  std::vector<std::string> approved_by;
  std::vector<std::string> decided;  // every user who approved or rejected
  TaskStatus status = TaskStatus::kOpen;
  bool overdue = false;
  int64_t created_at = 0;
  std::optional<int64_t> decided_at;
  std::optional<std::string> decided_by;
  std::string comment;
  uint32_t form_type = 0;
  uint32_t data_type = 0;
  std::string data;  // value bytes of the data record
  // A completed task: the form the instance got (value bytes), kept so that `rflow
  // whatif` can give a replay the same answer. Encoded last: records written before it
  // decode with it empty.
  std::string form;
  // The calendar the task's due date (else its first escalation) was declared in
  // (calendar::encode text, business_ages.h): its ages are shown in that calendar's open
  // time. "" for none. Encoded after form: older records decode with none.
  std::string calendar;

  std::string encode() const;
  static std::optional<TaskRecord> decode(std::string_view bytes);
};

enum class TimerKind : uint8_t {
  kWake = 0,        // a sleep or an await timeout ends: resume `request` with none
  kEscalation = 1,  // escalation `index` of task `task`
  kTaskDue = 2,     // task `task` is due: an approval expires, a task is overdue
  kSlaBreach = 3,   // the instance's sla passed
  kCallRetry = 4,   // send connector call `request` again
};

struct TimerRecord {
  TimerKind kind = TimerKind::kWake;
  std::string instance;
  uint64_t request = 0;
  std::string task;
  uint32_t index = 0;

  std::string encode() const;
  static std::optional<TimerRecord> decode(std::string_view bytes);
};

// A connector call committed before it is sent (at-least-once delivery).
struct CallRecord {
  std::string instance;
  uint64_t request = 0;
  uint32_t op = 0;
  std::string args;  // value bytes of a list
  uint32_t attempt = 1;
  int64_t retries = 0;  // further attempts allowed
  int64_t every = 0;
  std::string backoff = "1";  // decimal text
  std::optional<int64_t> timeout;
  int64_t next_delay = 0;  // the delay before the next retry
  int64_t started_at = 0;
  bool retry_scheduled = false;  // a kCallRetry timer sends the next attempt

  std::string encode() const;
  static std::optional<CallRecord> decode(std::string_view bytes);
};

// A signal queued for an instance until an `await` of its type takes it.
struct SignalRecord {
  uint32_t type = 0;  // the signal's record type id
  std::string value;  // value bytes
  int64_t at = 0;

  std::string encode() const;
  static std::optional<SignalRecord> decode(std::string_view bytes);
};

// A result for a waiting request, committed by whoever produced it (a child that ended)
// and handed to the instance by its next step.
struct InboxRecord {
  uint64_t request = 0;
  bool ok = true;
  std::string value;  // ok: value bytes
  std::string error_kind;
  std::string error_message;

  std::string encode() const;
  static std::optional<InboxRecord> decode(std::string_view bytes);
};

// The signal record declared as `name` (qualified or declared name) in `module`.
std::optional<uint32_t> signalRecord(const bytecode::Module& module, std::string_view name);

}  // namespace rflow::engine

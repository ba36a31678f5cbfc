#include "engine/records.h"

#include <fmt/format.h>

#include "engine/record_codec.h"
#include "vm/print.h"

namespace rflow::engine {

std::string_view statusName(Status status) {
  switch (status) {
    case Status::kRunning:
      return "Running";
    case Status::kWaiting:
      return "Waiting";
    case Status::kCompleted:
      return "Completed";
    case Status::kFailed:
      return "Failed";
    case Status::kCancelled:
      return "Cancelled";
  }
  return "Unknown";
}

std::string_view waitKindName(WaitKind kind) {
  switch (kind) {
    case WaitKind::kConnector:
      return "connector";
    case WaitKind::kApproval:
      return "approval";
    case WaitKind::kTask:
      return "task";
    case WaitKind::kSignal:
      return "signal";
    case WaitKind::kSleep:
      return "timer";
    case WaitKind::kChild:
      return "child";
  }
  return "timer";
}

bool isLive(Status status) {
  return status == Status::kRunning || status == Status::kWaiting;
}

std::string_view taskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kOpen:
      return "open";
    case TaskStatus::kApproved:
      return "approved";
    case TaskStatus::kRejected:
      return "rejected";
    case TaskStatus::kExpired:
      return "expired";
    case TaskStatus::kCompleted:
      return "completed";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

namespace {

bool startRecord(RecordReader& r) {
  return r.u8() == kRecordFormat && r.ok();
}

void writeAssignee(RecordWriter& w, const Assignee& a) {
  w.u8(a.is_role ? 1 : 0);
  w.text(a.name);
  w.varint(a.role);
}

Assignee readAssignee(RecordReader& r) {
  Assignee a;
  a.is_role = r.u8() != 0;
  a.name = r.text();
  a.role = static_cast<uint32_t>(r.varint());
  return a;
}

template <typename T>
std::optional<T> finished(RecordReader& r, T record) {
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return record;
}

}  // namespace

// ---- InstanceRecord -------------------------------------------------------------------

std::string InstanceRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.text(id);
  w.text(version);
  w.varint(workflow);
  w.text(workflow_name);
  w.u8(static_cast<uint8_t>(status));
  w.optionalText(key);
  w.optionalText(parent);
  w.varint(parent_request);
  w.svarint(created_at);
  w.svarint(updated_at);
  w.optionalInt(ended_at);
  w.optionalInt(sla_due);
  w.u8(breached ? 1 : 0);
  w.varint(steps);
  w.varint(audit_seq);
  w.varint(signal_seq);
  w.varint(waits.size());
  for (const Wait& wait : waits) {
    w.varint(wait.request);
    w.varint(wait.branch);
    w.u8(static_cast<uint8_t>(wait.kind));
    w.text(wait.detail);
    w.varint(wait.signal_type);
    w.svarint(wait.since);
    w.optionalInt(wait.until);
  }
  w.text(args);
  w.text(state);
  w.text(result);
  w.optionalText(error);
  w.optionalText(error_kind);
  w.text(audit_chain);
  w.text(figures);
  w.optionalText(spawned_by);
  w.varint(waits.size());
  for (const Wait& wait : waits)
    w.text(wait.calendar);
  w.varint(waits.size());
  for (const Wait& wait : waits)
    w.text(wait.stage);
  return w.take();
}

std::optional<InstanceRecord> InstanceRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  InstanceRecord i;
  i.id = r.text();
  i.version = r.text();
  i.workflow = static_cast<uint32_t>(r.varint());
  i.workflow_name = r.text();
  const uint8_t status = r.u8();
  if (status > static_cast<uint8_t>(Status::kCancelled)) r.fail();
  i.status = static_cast<Status>(status);
  i.key = r.optionalText();
  i.parent = r.optionalText();
  i.parent_request = r.varint();
  i.created_at = r.svarint();
  i.updated_at = r.svarint();
  i.ended_at = r.optionalInt();
  i.sla_due = r.optionalInt();
  i.breached = r.u8() != 0;
  i.steps = r.varint();
  i.audit_seq = r.varint();
  i.signal_seq = r.varint();
  const uint64_t waits = r.varint();
  for (uint64_t n = 0; r.ok() && n < waits; ++n) {
    Wait wait;
    wait.request = r.varint();
    wait.branch = static_cast<uint32_t>(r.varint());
    const uint8_t kind = r.u8();
    if (kind > static_cast<uint8_t>(WaitKind::kChild)) r.fail();
    wait.kind = static_cast<WaitKind>(kind);
    wait.detail = r.text();
    wait.signal_type = static_cast<uint32_t>(r.varint());
    wait.since = r.svarint();
    wait.until = r.optionalInt();
    i.waits.push_back(std::move(wait));
  }
  i.args = r.text();
  i.state = r.text();
  i.result = r.text();
  i.error = r.optionalText();
  i.error_kind = r.optionalText();
  if (r.ok() && !r.atEnd()) i.audit_chain = r.text();
  if (r.ok() && !r.atEnd()) i.figures = r.text();
  if (r.ok() && !r.atEnd()) i.spawned_by = r.optionalText();
  if (r.ok() && !r.atEnd()) {
    if (r.varint() != i.waits.size()) r.fail();
    for (size_t n = 0; r.ok() && n < i.waits.size(); ++n)
      i.waits[n].calendar = r.text();
  }
  if (r.ok() && !r.atEnd()) {
    if (r.varint() != i.waits.size()) r.fail();
    for (size_t n = 0; r.ok() && n < i.waits.size(); ++n)
      i.waits[n].stage = r.text();
  }
  return finished(r, std::move(i));
}

// ---- TaskRecord -----------------------------------------------------------------------

std::string TaskRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.text(id);
  w.text(instance);
  w.text(version);
  w.text(workflow_name);
  w.varint(request);
  w.u8(approval ? 1 : 0);
  w.text(title);
  writeAssignee(w, assignee);
  w.optionalText(requested_by);
  w.text(amount);
  w.svarint(approvers);
  w.optionalInt(due);
  w.varint(escalations.size());
  for (const Escalation& e : escalations) {
    w.svarint(e.at);
    writeAssignee(w, e.to);
    w.u8(e.fired ? 1 : 0);
  }
  w.varint(escalated);
  w.varint(approved_by.size());
  for (const std::string& u : approved_by)
    w.text(u);
  w.varint(decided.size());
  for (const std::string& u : decided)
    w.text(u);
  w.u8(static_cast<uint8_t>(status));
  w.u8(overdue ? 1 : 0);
  w.svarint(created_at);
  w.optionalInt(decided_at);
  w.optionalText(decided_by);
  w.text(comment);
  w.varint(form_type);
  w.varint(data_type);
  w.text(data);
  w.text(form);
  w.text(calendar);
  return w.take();
}

std::optional<TaskRecord> TaskRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  TaskRecord t;
  t.id = r.text();
  t.instance = r.text();
  t.version = r.text();
  t.workflow_name = r.text();
  t.request = r.varint();
  t.approval = r.u8() != 0;
  t.title = r.text();
  t.assignee = readAssignee(r);
  t.requested_by = r.optionalText();
  t.amount = r.text();
  t.approvers = r.svarint();
  t.due = r.optionalInt();
  const uint64_t escalations = r.varint();
  for (uint64_t n = 0; r.ok() && n < escalations; ++n) {
    Escalation e;
    e.at = r.svarint();
    e.to = readAssignee(r);
    e.fired = r.u8() != 0;
    t.escalations.push_back(std::move(e));
  }
  t.escalated = static_cast<uint32_t>(r.varint());
  const uint64_t approved = r.varint();
  for (uint64_t n = 0; r.ok() && n < approved; ++n)
    t.approved_by.push_back(r.text());
  const uint64_t decided = r.varint();
  for (uint64_t n = 0; r.ok() && n < decided; ++n)
    t.decided.push_back(r.text());
  const uint8_t status = r.u8();
  if (status > static_cast<uint8_t>(TaskStatus::kCancelled)) r.fail();
  t.status = static_cast<TaskStatus>(status);
  t.overdue = r.u8() != 0;
  t.created_at = r.svarint();
  t.decided_at = r.optionalInt();
  t.decided_by = r.optionalText();
  t.comment = r.text();
  t.form_type = static_cast<uint32_t>(r.varint());
  t.data_type = static_cast<uint32_t>(r.varint());
  t.data = r.text();
  if (r.ok() && !r.atEnd()) t.form = r.text();
  if (r.ok() && !r.atEnd()) t.calendar = r.text();
  return finished(r, std::move(t));
}

// ---- Small records ---------------------------------------------------------------------

std::string TimerRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.u8(static_cast<uint8_t>(kind));
  w.text(instance);
  w.varint(request);
  w.text(task);
  w.varint(index);
  return w.take();
}

std::optional<TimerRecord> TimerRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  TimerRecord t;
  const uint8_t kind = r.u8();
  if (kind > static_cast<uint8_t>(TimerKind::kCallRetry)) r.fail();
  t.kind = static_cast<TimerKind>(kind);
  t.instance = r.text();
  t.request = r.varint();
  t.task = r.text();
  t.index = static_cast<uint32_t>(r.varint());
  return finished(r, std::move(t));
}

std::string CallRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.text(instance);
  w.varint(request);
  w.varint(op);
  w.text(args);
  w.varint(attempt);
  w.svarint(retries);
  w.svarint(every);
  w.text(backoff);
  w.optionalInt(timeout);
  w.svarint(next_delay);
  w.svarint(started_at);
  w.u8(retry_scheduled ? 1 : 0);
  return w.take();
}

std::optional<CallRecord> CallRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  CallRecord c;
  c.instance = r.text();
  c.request = r.varint();
  c.op = static_cast<uint32_t>(r.varint());
  c.args = r.text();
  c.attempt = static_cast<uint32_t>(r.varint());
  c.retries = r.svarint();
  c.every = r.svarint();
  c.backoff = r.text();
  c.timeout = r.optionalInt();
  c.next_delay = r.svarint();
  c.started_at = r.svarint();
  c.retry_scheduled = r.u8() != 0;
  return finished(r, std::move(c));
}

std::string SignalRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.varint(type);
  w.text(value);
  w.svarint(at);
  return w.take();
}

std::optional<SignalRecord> SignalRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  SignalRecord s;
  s.type = static_cast<uint32_t>(r.varint());
  s.value = r.text();
  s.at = r.svarint();
  return finished(r, std::move(s));
}

std::string InboxRecord::encode() const {
  RecordWriter w;
  w.u8(kRecordFormat);
  w.varint(request);
  w.u8(ok ? 1 : 0);
  w.text(value);
  w.text(error_kind);
  w.text(error_message);
  return w.take();
}

std::optional<InboxRecord> InboxRecord::decode(std::string_view bytes) {
  RecordReader r(bytes, nullptr);
  if (!startRecord(r)) return std::nullopt;
  InboxRecord i;
  i.request = r.varint();
  i.ok = r.u8() != 0;
  i.value = r.text();
  i.error_kind = r.text();
  i.error_message = r.text();
  return finished(r, std::move(i));
}

std::optional<uint32_t> signalRecord(const bytecode::Module& m, std::string_view name) {
  std::optional<uint32_t> record;
  for (uint32_t i = 0; i < m.records.size(); ++i) {
    if (m.records[i].kind != bytecode::RecordKind::kSignal) continue;
    const std::string& full = m.strings[m.records[i].name];
    if (full == name || vm::declaredName(full) == name) record = i;
  }
  return record;
}

}  // namespace rflow::engine

// JSON views of instances, tasks, audit entries and workflows.
#include "service/views.h"

#include <algorithm>

#include "base/time_text.h"
#include "bytecode/names.h"
#include "runtime/json_writer.h"
#include "runtime/wire.h"
#include "vm/print.h"

namespace rflow::service {

using nlohmann::json;

json timeOrNull(std::optional<int64_t> t) {
  return t ? json(base::formatTime(*t)) : json(nullptr);
}

namespace {

std::optional<bytecode::TypeId> findType(const bytecode::Module& m, bytecode::TypeTag tag) {
  for (bytecode::TypeId i = 0; i < m.types.size(); ++i) {
    if (m.types[i].tag == tag) return i;
  }
  return std::nullopt;
}

void writeTimeOrNull(runtime::JsonWriter& out, std::optional<int64_t> t) {
  if (t)
    out.string(base::formatTime(*t));
  else
    out.null();
}

void writeSecondsOrNull(runtime::JsonWriter& out, std::optional<int64_t> ms) {
  if (ms)
    out.integer(*ms / 1000);
  else
    out.null();
}

// The calendar whose open time an age was counted in, or null when it was plain time.
void writeCalendarOrNull(runtime::JsonWriter& out, bool in_business_time,
                         std::string_view calendar) {
  if (in_business_time)
    out.string(engine::calendarName(calendar));
  else
    out.null();
}

void writeAssignee(runtime::JsonWriter& out, const engine::Assignee& a) {
  out.beginObject();
  out.key(a.is_role ? "role" : "user");
  out.string(a.name);
  out.endObject();
}

// Pointers to `items` in the order of their names: the order an object's members are
// written in (json_writer.h).
template <class T, class Name>
std::vector<const T*> byName(const std::vector<T>& items, Name name) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const T& item : items)
    out.push_back(&item);
  std::sort(out.begin(), out.end(), [&](const T* a, const T* b) { return name(*a) < name(*b); });
  return out;
}

void writeTracked(runtime::JsonWriter& out, const engine::InstanceFigures& figures) {
  using Tracked = std::pair<std::string, std::string>;
  out.beginObject();
  for (const Tracked* t :
       byName(figures.tracked, [](const Tracked& t) -> const std::string& { return t.first; })) {
    out.key(t->first);
    out.string(t->second);
  }
  out.endObject();
}

// The amount is text in every kind, as money's is on the wire: a decimal keeps its
// digits, an int and a duration (milliseconds) are whole numbers.
void writeMeasures(runtime::JsonWriter& out, const engine::InstanceFigures& figures) {
  using engine::MeasureValue;
  out.beginObject();
  for (const MeasureValue* m : byName(
           figures.measures, [](const MeasureValue& m) -> const std::string& { return m.name; })) {
    out.key(m->name);
    out.beginObject();
    out.key("amount");
    out.string(m->amount);
    out.key("currency");
    if (m->kind == bytecode::TypeTag::kMoney)
      out.string(m->currency);
    else
      out.null();
    out.key("kind");
    out.string(measureKind(m->kind));
    out.key("text");
    out.string(m->text());
    out.endObject();
  }
  out.endObject();
}

void writeWait(runtime::JsonWriter& out, const engine::Wait& w, Ages& ages) {
  const std::optional<int64_t> business = ages.clock.between(w.calendar, w.since, ages.now);
  out.beginObject();
  out.key("age_business_seconds");
  writeSecondsOrNull(out, business);
  out.key("age_seconds");
  out.integer(std::max<int64_t>(0, ages.now - w.since) / 1000);
  out.key("calendar");
  writeCalendarOrNull(out, business.has_value(), w.calendar);
  out.key("detail");
  out.string(w.detail);
  out.key("kind");
  out.string(engine::waitKindName(w.kind));
  out.key("since");
  out.string(base::formatTime(w.since));
  if (w.kind == engine::WaitKind::kApproval || w.kind == engine::WaitKind::kTask) {
    out.key("task");
    out.string(w.detail);
  }
  out.key("until");
  writeTimeOrNull(out, w.until);
  out.endObject();
}

}  // namespace

std::string_view measureKind(bytecode::TypeTag kind) {
  switch (kind) {
    case bytecode::TypeTag::kMoney:
      return "money";
    case bytecode::TypeTag::kDecimal:
      return "decimal";
    case bytecode::TypeTag::kDuration:
      return "duration";
    default:
      return "int";
  }
}

std::optional<engine::Status> parseStatus(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (auto s : {engine::Status::kRunning, engine::Status::kWaiting, engine::Status::kCompleted,
                 engine::Status::kFailed, engine::Status::kCancelled}) {
    std::string name(engine::statusName(s));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (name == lower) return s;
  }
  return std::nullopt;
}

void writeInstance(runtime::JsonWriter& out, const engine::InstanceView& v, Ages& ages,
                   FiguresPart figures) {
  const bytecode::Module* m = nullptr;
  const bytecode::Workflow* w = nullptr;
  if (v.program && v.workflow_index < v.program->module().workflows.size()) {
    m = &v.program->module();
    w = &m->workflows[v.workflow_index];
  }
  const auto figure = [&](std::string_view name, auto write) {
    if (figures.keys == FiguresPart::Keys::kOmitted) return;
    out.key(name);
    if (figures.figures != nullptr)
      write(out, *figures.figures);
    else
      out.null();
  };
  // Members in name order (json_writer.h).
  out.beginObject();
  out.key("arguments");
  if (w != nullptr && v.args.size() == w->params.size())
    runtime::writeArguments(out, v.args, w->params, *m);
  else
    out.null();
  out.key("breached");
  out.boolean(v.breached);
  out.key("created_at");
  out.string(base::formatTime(v.created_at));
  out.key("ended_at");
  writeTimeOrNull(out, v.ended_at);
  out.key("error");
  out.stringOrNull(v.error);
  out.key("error_kind");
  out.stringOrNull(v.error_kind);
  out.key("id");
  out.string(v.id);
  out.key("key");
  out.stringOrNull(v.key);
  figure("measures", writeMeasures);
  out.key("parent");
  out.stringOrNull(v.parent);
  out.key("result");
  if (w != nullptr && v.result)
    runtime::writeValue(out, *v.result, w->result, *m);
  else
    out.null();
  out.key("spawned_by");
  out.stringOrNull(v.spawned_by);
  out.key("status");
  out.string(engine::statusName(v.status));
  figure("tracked", writeTracked);
  out.key("updated_at");
  out.string(base::formatTime(v.updated_at));
  out.key("version");
  out.string(v.version);
  out.key("waiting_for");
  out.beginArray();
  for (const engine::Wait& wait : v.waits)
    writeWait(out, wait, ages);
  out.endArray();
  out.key("workflow");
  out.string(v.workflow);
  out.endObject();
}

namespace {

// The fields of a task's form a person fills in, or null for an approval.
void writeForm(runtime::JsonWriter& out, const engine::TaskRecord& t, const bytecode::Module* m) {
  if (m == nullptr || t.approval || t.form_type >= m->types.size() ||
      m->types[t.form_type].tag != bytecode::TypeTag::kRecord)
    return out.null();
  out.beginArray();
  for (const bytecode::Field& f : m->records[m->types[t.form_type].decl].fields) {
    if (m->strings[f.name] == "completed_by") continue;
    out.beginObject();
    out.key("name");
    out.string(m->strings[f.name]);
    out.key("type");
    out.string(bytecode::typeName(*m, f.type));
    out.endObject();
  }
  out.endArray();
}

void writeStrings(runtime::JsonWriter& out, const std::vector<std::string>& items) {
  out.beginArray();
  for (const std::string& item : items)
    out.string(item);
  out.endArray();
}

}  // namespace

void writeTask(runtime::JsonWriter& out, const engine::TaskView& view, Ages& ages) {
  const engine::TaskRecord& t = view.record;
  const bytecode::Module* m = view.program ? &view.program->module() : nullptr;
  const bool open = t.status == engine::TaskStatus::kOpen;
  const int64_t until = open ? ages.now : t.decided_at.value_or(ages.now);
  const std::optional<int64_t> business = ages.clock.between(t.calendar, t.created_at, until);
  // Members in name order (json_writer.h).
  out.beginObject();
  out.key("age_business_seconds");
  writeSecondsOrNull(out, business);
  out.key("age_seconds");
  out.integer(std::max<int64_t>(0, until - t.created_at) / 1000);
  out.key("amount");
  const auto money =
      m != nullptr && view.amount ? findType(*m, bytecode::TypeTag::kMoney) : std::nullopt;
  if (money)
    runtime::writeValue(out, *view.amount, *money, *m);
  else
    out.null();
  out.key("approved_by");
  writeStrings(out, t.approved_by);
  out.key("approvers");
  out.integer(t.approvers);
  out.key("assignee");
  writeAssignee(out, t.assignee);
  out.key("calendar");
  writeCalendarOrNull(out, business.has_value(), t.calendar);
  out.key("comment");
  out.string(t.comment);
  out.key("created_at");
  out.string(base::formatTime(t.created_at));
  out.key("data");
  if (m != nullptr && t.data_type < m->types.size() && !view.data.isNone())
    runtime::writeValue(out, view.data, t.data_type, *m);
  else
    out.null();
  out.key("decided_at");
  writeTimeOrNull(out, t.decided_at);
  out.key("decided_by");
  out.stringOrNull(t.decided_by);
  out.key("due");
  writeTimeOrNull(out, t.due);
  out.key("due_in_business_seconds");
  if (business && open && t.due)
    writeSecondsOrNull(out, ages.clock.between(t.calendar, ages.now, *t.due));
  else
    out.null();
  out.key("due_in_seconds");
  if (open && t.due)
    out.integer((*t.due - ages.now) / 1000);
  else
    out.null();
  out.key("escalated");
  out.integer(t.escalated);
  out.key("form");
  writeForm(out, t, m);
  out.key("id");
  out.string(t.id);
  out.key("instance");
  out.string(t.instance);
  out.key("kind");
  out.string(t.approval ? "approval" : "task");
  out.key("overdue");
  out.boolean(t.overdue);
  out.key("requested_by");
  out.stringOrNull(t.requested_by);
  out.key("status");
  out.string(engine::taskStatusName(t.status));
  out.key("title");
  out.string(t.title);
  out.key("workflow");
  out.string(t.workflow_name);
  out.endObject();
}

json auditJson(const engine::AuditEntry& e) {
  return {{"seq", e.seq},
          {"at", base::formatTime(e.at)},
          {"kind", e.kind_text},
          {"text", e.text},
          {"by", e.by.empty() ? json(nullptr) : json(e.by)},
          {"ref", e.extra.empty() ? json(nullptr) : json(e.extra)}};
}

json workflowJson(const bytecode::Module& m, uint32_t index, std::string_view version) {
  const bytecode::Workflow& w = m.workflows[index];
  json params = json::array();
  for (const bytecode::Param& p : w.params)
    params.push_back({{"name", m.strings[p.name]}, {"type", bytecode::typeName(m, p.type)}});
  json events = json::array();
  json schedules = json::array();
  for (const bytecode::Trigger& t : m.triggers) {
    if (t.workflow != index) continue;
    (t.kind == bytecode::TriggerKind::kEvent ? events : schedules).push_back(m.strings[t.source]);
  }
  // What the definition declares to measure (intelligence.md §2): the dimensions insights
  // and listings can go by, and the measures summed per value.
  json tracks = json::array();
  json measures = json::array();
  if (const bytecode::WorkflowFigures* figures = bytecode::figuresOf(m, index)) {
    for (const bytecode::Figure& f : figures->tracks)
      tracks.push_back({{"name", m.strings[f.name]}, {"type", bytecode::typeName(m, f.type)}});
    for (const bytecode::Figure& f : figures->measures)
      measures.push_back({{"name", m.strings[f.name]}, {"type", bytecode::typeName(m, f.type)}});
  }
  return {{"name", vm::declaredName(m.strings[w.name])},
          {"qualified_name", m.strings[w.name]},
          {"version", version},
          {"parameters", std::move(params)},
          {"result", w.result == 0 && m.types.empty() ? json(nullptr)
                                                      : json(bytecode::typeName(m, w.result))},
          {"owner", w.owner ? json(m.strings[*w.owner]) : json(nullptr)},
          {"keyed", w.key.has_value()},
          {"sla", w.sla.has_value()},
          {"events", std::move(events)},
          {"schedules", std::move(schedules)},
          {"tracks", std::move(tracks)},
          {"measures", std::move(measures)}};
}

json quantilesJson(const engine::Histogram& h) {
  const auto q = [&](double p) {
    auto v = h.quantile(p);
    return v ? json(*v) : json(nullptr);
  };
  return {{"count", h.count},
          {"p50", q(0.5)},
          {"p95", q(0.95)},
          {"mean", h.count > 0 ? json(h.sum / h.count) : json(nullptr)}};
}

json classifierQualityJson(const engine::ClassifierQuality& q) {
  const auto share = [](int64_t part, int64_t whole) {
    return whole > 0 ? json(static_cast<double>(part) / static_cast<double>(whole)) : json(nullptr);
  };
  json labels = json::object();
  for (const auto& [name, l] : q.labels)
    labels[name] = {{"predicted", l.predicted}, {"learned", l.learned}, {"agreed", l.agreed}};
  const int64_t total = q.classifications();
  return {{"classifier", q.classifier},
          {"model", q.model.empty() ? json(nullptr) : json(q.model)},
          {"classifications", total},
          {"labelled", q.labelled},
          {"below_threshold", q.below_threshold},
          {"no_model", q.no_model},
          {"coverage", share(q.labelled, total)},
          {"learned", q.learned},
          {"compared", q.compared},
          {"agreed", q.agreed},
          {"agreement", share(q.agreed, q.compared)},
          {"labels", std::move(labels)}};
}

}  // namespace rflow::service

// JSON views of instances, tasks, audit entries and workflows.
#include "service/views.h"

#include <algorithm>

#include "base/time_text.h"
#include "bytecode/names.h"
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

json assigneeJson(const engine::Assignee& a) {
  return a.is_role ? json{{"role", a.name}} : json{{"user", a.name}};
}

json trackedJson(const engine::InstanceFigures& figures) {
  json out = json::object();
  for (const auto& [name, value] : figures.tracked)
    out[name] = value;
  return out;
}

// The amount is text in every kind, as money's is on the wire: a decimal keeps its
// digits, an int and a duration (milliseconds) are whole numbers.
json measuresJson(const engine::InstanceFigures& figures) {
  json out = json::object();
  for (const engine::MeasureValue& m : figures.measures)
    out[m.name] = {
        {"kind", measureKind(m.kind)},
        {"amount", m.amount},
        {"currency", m.kind == bytecode::TypeTag::kMoney ? json(m.currency) : json(nullptr)},
        {"text", m.text()}};
  return out;
}

json secondsOrNull(std::optional<int64_t> ms) {
  return ms ? json(*ms / 1000) : json(nullptr);
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

json instanceJson(const engine::InstanceView& v, Ages& ages,
                  const engine::InstanceFigures* figures) {
  json out = json::object();
  out["id"] = v.id;
  out["workflow"] = v.workflow;
  out["version"] = v.version;
  out["status"] = engine::statusName(v.status);
  out["key"] = v.key ? json(*v.key) : json(nullptr);
  out["parent"] = v.parent ? json(*v.parent) : json(nullptr);
  out["spawned_by"] = v.spawned_by ? json(*v.spawned_by) : json(nullptr);
  out["created_at"] = base::formatTime(v.created_at);
  out["updated_at"] = base::formatTime(v.updated_at);
  out["ended_at"] = timeOrNull(v.ended_at);
  out["breached"] = v.breached;
  out["arguments"] = nullptr;
  out["result"] = nullptr;
  if (v.program && v.workflow_index < v.program->module().workflows.size()) {
    const bytecode::Module& m = v.program->module();
    const bytecode::Workflow& w = m.workflows[v.workflow_index];
    if (v.args.size() == w.params.size())
      out["arguments"] = runtime::encodeArguments(v.args, w.params, m);
    if (v.result) out["result"] = runtime::encode(*v.result, w.result, m);
  }
  json waits = json::array();
  for (const engine::Wait& w : v.waits) {
    json item = {{"kind", engine::waitKindName(w.kind)},
                 {"detail", w.detail},
                 {"since", base::formatTime(w.since)},
                 {"until", timeOrNull(w.until)},
                 {"age_seconds", std::max<int64_t>(0, ages.now - w.since) / 1000}};
    const std::optional<int64_t> business = ages.clock.between(w.calendar, w.since, ages.now);
    item["calendar"] = business ? json(engine::calendarName(w.calendar)) : json(nullptr);
    item["age_business_seconds"] = secondsOrNull(business);
    if (w.kind == engine::WaitKind::kApproval || w.kind == engine::WaitKind::kTask)
      item["task"] = w.detail;
    waits.push_back(std::move(item));
  }
  out["waiting_for"] = std::move(waits);
  out["error"] = v.error ? json(*v.error) : json(nullptr);
  out["error_kind"] = v.error_kind ? json(*v.error_kind) : json(nullptr);
  if (figures != nullptr) {
    out["tracked"] = trackedJson(*figures);
    out["measures"] = measuresJson(*figures);
  }
  return out;
}

json taskJson(const engine::TaskView& view, Ages& ages) {
  const engine::TaskRecord& t = view.record;
  json out = json::object();
  out["id"] = t.id;
  out["instance"] = t.instance;
  out["workflow"] = t.workflow_name;
  out["kind"] = t.approval ? "approval" : "task";
  out["title"] = t.title;
  out["assignee"] = assigneeJson(t.assignee);
  out["status"] = engine::taskStatusName(t.status);
  out["requested_by"] = t.requested_by ? json(*t.requested_by) : json(nullptr);
  out["amount"] = nullptr;
  out["data"] = nullptr;
  out["form"] = nullptr;
  if (view.program) {
    const bytecode::Module& m = view.program->module();
    if (view.amount) {
      if (auto money = findType(m, bytecode::TypeTag::kMoney))
        out["amount"] = runtime::encode(*view.amount, *money, m);
    }
    if (t.data_type < m.types.size() && !view.data.isNone())
      out["data"] = runtime::encode(view.data, t.data_type, m);
    if (!t.approval && t.form_type < m.types.size() &&
        m.types[t.form_type].tag == bytecode::TypeTag::kRecord) {
      json fields = json::array();
      for (const bytecode::Field& f : m.records[m.types[t.form_type].decl].fields) {
        if (m.strings[f.name] == "completed_by") continue;
        fields.push_back({{"name", m.strings[f.name]}, {"type", bytecode::typeName(m, f.type)}});
      }
      out["form"] = std::move(fields);
    }
  }
  out["approvers"] = t.approvers;
  out["approved_by"] = t.approved_by;
  out["overdue"] = t.overdue;
  out["escalated"] = t.escalated;
  out["created_at"] = base::formatTime(t.created_at);
  out["due"] = timeOrNull(t.due);
  out["decided_at"] = timeOrNull(t.decided_at);
  out["decided_by"] = t.decided_by ? json(*t.decided_by) : json(nullptr);
  out["comment"] = t.comment;
  const bool open = t.status == engine::TaskStatus::kOpen;
  const int64_t until = open ? ages.now : t.decided_at.value_or(ages.now);
  out["age_seconds"] = std::max<int64_t>(0, until - t.created_at) / 1000;
  out["due_in_seconds"] = open && t.due ? json((*t.due - ages.now) / 1000) : json(nullptr);
  const std::optional<int64_t> business = ages.clock.between(t.calendar, t.created_at, until);
  out["calendar"] = business ? json(engine::calendarName(t.calendar)) : json(nullptr);
  out["age_business_seconds"] = secondsOrNull(business);
  out["due_in_business_seconds"] =
      business && open && t.due ? secondsOrNull(ages.clock.between(t.calendar, ages.now, *t.due))
                                : json(nullptr);
  return out;
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

// The Service's operations on instances, signals, events, tasks and decisions.
#include "service/service.h"

#include <fmt/format.h>

#include "base/suggest.h"
#include "base/time_text.h"
#include "runtime/wire.h"
#include "service/views.h"
#include "vm/print.h"

namespace rflow::service {

using nlohmann::json;

namespace {

ApiError badRequest(std::string message) {
  return {ApiError::Code::kBadRequest, std::move(message)};
}
ApiError notFound(std::string message) {
  return {ApiError::Code::kNotFound, std::move(message)};
}

// A missing body means "no arguments".
const json& objectOrEmpty(const json& body) {
  static const json kEmpty = json::object();
  return body.is_null() ? kEmpty : body;
}

}  // namespace

Service::Service(engine::Engine& engine, const runtime::ConnectorSet& connectors,
                 const runtime::Config& config)
    : engine_(engine), connectors_(connectors), config_(config) {}

std::variant<DecisionBody, ApiError> parseDecision(const json& body) {
  if (!body.is_object())
    return badRequest(
        "the decision must be a JSON object: {\"approve\": true, \"comment\": \"…\"} or "
        "{\"form\": {…}}");
  DecisionBody out;
  const bool has_approve = body.contains("approve");
  const bool has_form = body.contains("form");
  if (has_approve == has_form)
    return badRequest(
        "give exactly one of `approve` (true or false, for an approval) and `form` (an object, "
        "for a task)");
  for (const auto& [key, value] : body.items()) {
    if (key != "approve" && key != "form" && key != "comment")
      return badRequest(
          fmt::format("`{}`: unknown member; a decision has `approve` or `form`, "
                      "and `comment`",
                      key));
  }
  if (has_approve) {
    if (!body["approve"].is_boolean())
      return badRequest("`approve`: expected true or false, found " + body["approve"].dump());
    out.kind = body["approve"].get<bool>() ? engine::Decision::Kind::kApprove
                                           : engine::Decision::Kind::kReject;
  } else {
    if (!body["form"].is_object())
      return badRequest("`form`: expected an object of the form's fields, found " +
                        body["form"].dump());
    out.kind = engine::Decision::Kind::kComplete;
    out.form = body["form"];
  }
  if (body.contains("comment")) {
    if (!body["comment"].is_string())
      return badRequest("`comment`: expected a string, found " + body["comment"].dump());
    out.comment = body["comment"].get<std::string>();
    if (out.comment.size() > 10'000) return badRequest("`comment`: at most 10000 bytes, please");
  }
  return out;
}

std::variant<Service::DecodedStart, ApiError> Service::decodeStart(std::string_view workflow,
                                                                   const json& args) const {
  const auto program = engine_.currentProgram();
  if (!program) return notFound("nothing is deployed yet; POST /v1/deployments first");
  const bytecode::Module& m = program->module();
  auto found = engine::findWorkflow(m, workflow);
  if (auto* error = std::get_if<engine::EngineError>(&found)) return fromEngine(*error);
  const bytecode::Workflow& w = m.workflows[std::get<uint32_t>(found)];
  auto decoded = runtime::decodeArguments(objectOrEmpty(args), w.params, m);
  if (auto* error = std::get_if<runtime::WireError>(&decoded)) return badRequest(error->text());
  return DecodedStart{std::string(m.strings[w.name]),
                      std::get<std::vector<vm::Value>>(std::move(decoded))};
}

Outcome Service::start(const Caller& caller, std::string_view workflow, const json& args,
                       const std::string& request_id,
                       const std::shared_ptr<engine::CommitTicket>& ticket) {
  (void)caller;
  auto decoded = decodeStart(workflow, args);
  if (auto* error = std::get_if<ApiError>(&decoded)) return *error;
  DecodedStart& d = std::get<DecodedStart>(decoded);
  auto started = engine_.start(d.workflow, std::move(d.args),
                               {.spawn = false, .request_id = request_id}, ticket);
  if (auto* error = std::get_if<engine::EngineError>(&started)) return fromEngine(*error);
  runtime::JsonWriter out;
  writeAfterStep(out, std::get<engine::InstanceView>(started));
  return JsonText{out.take()};
}

std::optional<std::string> Service::qualifiedWorkflow(std::string_view workflow) const {
  const auto program = engine_.currentProgram();
  if (!program) return std::nullopt;
  auto found = engine::findWorkflow(program->module(), workflow);
  if (!std::holds_alternative<uint32_t>(found)) return std::nullopt;
  const bytecode::Module& m = program->module();
  return std::string(m.strings[m.workflows[std::get<uint32_t>(found)].name]);
}

std::variant<engine::Engine::Placement, ApiError> Service::placement(std::string_view workflow,
                                                                     const json& args) const {
  auto decoded = decodeStart(workflow, args);
  if (auto* error = std::get_if<ApiError>(&decoded)) return *error;
  const DecodedStart& d = std::get<DecodedStart>(decoded);
  auto placed = engine_.businessKey(d.workflow, d.args);
  if (auto* error = std::get_if<engine::EngineError>(&placed)) return fromEngine(*error);
  return std::get<engine::Engine::Placement>(std::move(placed));
}

void Service::writeAfterStep(runtime::JsonWriter& out, const engine::InstanceView& view) const {
  Ages ages{engine_.clock().now()};
  auto figures = engine_.figures(view);
  writeInstance(out, view, ages, {FiguresPart::Keys::kWritten, figures ? &*figures : nullptr});
}

namespace {

// {"items": [...], "next": cursor or null}: a page of a list.
template <class Item, class Write>
JsonText pageText(const std::vector<Item>& items, const std::optional<std::string>& next,
                  Write write) {
  runtime::JsonWriter out;
  out.beginObject();
  out.key("items");
  out.beginArray();
  for (const Item& item : items)
    write(out, item);
  out.endArray();
  out.key("next");
  out.stringOrNull(next);
  out.endObject();
  return JsonText{out.take()};
}

}  // namespace

Outcome Service::instances(const InstanceQuery& query) const {
  engine::InstanceFilter filter;
  filter.workflow = query.workflow;
  if (!query.dimensions.empty()) {
    const std::string& first = query.dimensions.front().first;
    if (!query.workflow)
      return badRequest(fmt::format(
          "`{}`: a tracked dimension filters the instances of one workflow; add `workflow=…`",
          first));
    std::optional<std::string> qualified;
    for (const auto& [name, value] : query.dimensions) {
      auto tracked = trackedDimension(*query.workflow, name, name);
      if (auto* error = std::get_if<ApiError>(&tracked)) return std::move(*error);
      qualified = std::move(std::get<std::string>(tracked));
    }
    filter.workflow = std::move(qualified);
    filter.dimensions = query.dimensions;
  }
  filter.status = query.status;
  filter.key = query.key;
  filter.limit = query.page.limit + 1;
  filter.after = query.page.after;
  auto listed = engine_.instances(filter);
  if (!listed) return fromEngine(listed.error());
  std::vector<engine::InstanceView>& found = *listed;
  std::optional<std::string> next;
  if (found.size() > query.page.limit) {
    found.resize(query.page.limit);
    next = found.back().id;
  }
  // List items carry no "tracked" and "measures": an InstanceView holds neither (the
  // record does; Engine::figures decodes them), and no list view shows them. A filter by a
  // dimension (`region=EU`) is answered from the records the scan meets, and
  // GET /v1/instances/{id} carries them.
  Ages ages{engine_.clock().now()};
  return pageText(found, next, [&](runtime::JsonWriter& out, const engine::InstanceView& v) {
    writeInstance(out, v, ages);
  });
}

Outcome Service::instance(std::string_view id) const {
  auto v = engine_.instance(id);
  if (!v) return fromEngine(v.error());
  auto figures = engine_.figures(*v);
  if (!figures) return fromEngine(figures.error());
  Ages ages{engine_.clock().now()};
  runtime::JsonWriter out;
  writeInstance(out, *v, ages, {FiguresPart::Keys::kWritten, &*figures});
  return JsonText{out.take()};
}

Outcome Service::history(std::string_view id, const Page& page) const {
  if (auto v = engine_.instance(id); !v) return fromEngine(v.error());
  uint64_t after = 0;
  if (!page.after.empty()) {
    try {
      size_t used = 0;
      after = std::stoull(page.after, &used);
      if (used != page.after.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      return badRequest(fmt::format(
          "`after`: expected the `seq` of the last entry of the previous page, found \"{}\"",
          page.after));
    }
  }
  auto trail = engine_.history(id);
  if (!trail) return fromEngine(trail.error());
  json items = json::array();
  json next = nullptr;
  for (const engine::AuditEntry& e : *trail) {
    if (e.seq <= after) continue;
    if (items.size() == page.limit) {
      next = std::to_string(items.back()["seq"].get<uint64_t>());
      break;
    }
    items.push_back(auditJson(e));
  }
  return json{{"instance", id}, {"items", std::move(items)}, {"next", std::move(next)}};
}

Outcome Service::signal(std::string_view id, std::string_view name, const json& body,
                        std::string_view request_id) {
  auto v = engine_.instance(id);
  if (!v) return fromEngine(v.error());
  if (!v->program)
    return ApiError{ApiError::Code::kUnavailable, "the instance's module is missing"};
  const bytecode::Module& m = v->program->module();
  std::optional<bytecode::TypeId> type;
  for (uint32_t i = 0; i < m.records.size(); ++i) {
    if (m.records[i].kind != bytecode::RecordKind::kSignal) continue;
    const std::string& full = m.strings[m.records[i].name];
    if (full == name || vm::declaredName(full) == name) type = v->program->recordType(i);
  }
  if (!type) return notFound(fmt::format("the version {} runs on has no signal `{}`", id, name));
  auto value = runtime::decode(objectOrEmpty(body), *type, m);
  if (auto* error = std::get_if<runtime::WireError>(&value)) return badRequest(error->text());
  if (auto error = engine_.signal(id, name, std::get<vm::Value>(std::move(value)), request_id))
    return fromEngine(*error);
  return instance(id);
}

Outcome Service::signalByKey(std::string_view workflow, std::string_view key, std::string_view name,
                             const json& body, std::string_view request_id) {
  auto id = engine_.instanceForKey(workflow, key, request_id);
  if (!id) return fromEngine(id.error());
  return signal(*id, name, body, request_id);
}

Outcome Service::cancel(const Caller& caller, std::string_view id) {
  if (auto error = engine_.cancel(id, caller.name)) return fromEngine(*error);
  return instance(id);
}

Outcome Service::event(std::string_view name, const json& body) {
  const auto program = engine_.currentProgram();
  if (!program) return notFound("nothing is deployed yet; POST /v1/deployments first");
  const bytecode::Module& m = program->module();
  const bytecode::Trigger* trigger = nullptr;
  for (const bytecode::Trigger& t : m.triggers) {
    if (t.kind == bytecode::TriggerKind::kEvent && m.strings[t.source] == name) trigger = &t;
  }
  if (trigger == nullptr) return notFound(fmt::format("no workflow starts on event `{}`", name));
  auto decoded = runtime::decodeArguments(objectOrEmpty(body), trigger->params, m);
  if (auto* error = std::get_if<runtime::WireError>(&decoded)) return badRequest(error->text());
  auto started = engine_.event(name, std::get<std::vector<vm::Value>>(std::move(decoded)));
  if (auto* error = std::get_if<engine::EngineError>(&started)) return fromEngine(*error);
  return json{{"event", name}, {"started", std::get<std::vector<std::string>>(started)}};
}

Outcome Service::tasks(const TaskQuery& query) const {
  static constexpr std::array<std::string_view, 8> kStatuses = {
      "open", "all", "approved", "rejected", "expired", "completed", "cancelled"};
  if (std::find(kStatuses.begin(), kStatuses.end(), query.status) == kStatuses.end())
    return badRequest(fmt::format(
        "`status`: expected open, all, approved, rejected, expired, completed or cancelled, "
        "found \"{}\"",
        query.status));
  engine::TaskFilter filter;
  filter.role = query.role;
  filter.assignee = query.assignee;
  filter.open_only = query.status == "open";
  filter.limit = query.page.limit + 1;
  filter.after = query.page.after;
  const bool post_filter = query.status != "open" && query.status != "all";
  if (post_filter && (query.role || query.assignee))
    return badRequest(
        "`role` and `assignee` find open tasks (the inbox); leave them out to list tasks by "
        "another status");
  std::vector<engine::TaskView> found;
  for (;;) {
    auto listed = engine_.tasks(filter);
    if (!listed) return fromEngine(listed.error());
    std::vector<engine::TaskView>& batch = *listed;
    const bool last = batch.size() < filter.limit;
    for (engine::TaskView& t : batch) {
      if (!post_filter || engine::taskStatusName(t.record.status) == query.status)
        found.push_back(std::move(t));
    }
    if (last || found.size() > query.page.limit || batch.empty()) break;
    filter.after = batch.back().record.id;
  }
  std::optional<std::string> next;
  if (found.size() > query.page.limit) {
    found.resize(query.page.limit);
    next = found.back().record.id;
  }
  Ages ages{engine_.clock().now()};
  return pageText(found, next, [&](runtime::JsonWriter& out, const engine::TaskView& t) {
    writeTask(out, t, ages);
  });
}

Outcome Service::task(std::string_view id) const {
  auto t = engine_.task(id);
  if (!t) return fromEngine(t.error());
  Ages ages{engine_.clock().now()};
  runtime::JsonWriter out;
  writeTask(out, *t, ages);
  return JsonText{out.take()};
}

Outcome Service::decide(const Caller& caller, std::string_view id, const DecisionBody& body,
                        const std::string& request_id,
                        const std::shared_ptr<engine::CommitTicket>& ticket) {
  // The record only: who may decide needs no decoding of the task's data.
  auto t = engine_.taskRecord(id);
  if (!t) return fromEngine(t.error());
  const engine::Assignee& a = t->assignee;
  const bool allowed = a.is_role ? caller.holdsRole(a.name) : caller.name == a.name;
  if (!allowed)
    return ApiError{
        ApiError::Code::kForbidden,
        fmt::format("{} is assigned to {} {}; {} is not {}", t->id, a.is_role ? "role" : "user",
                    a.name, caller.name, a.is_role ? "in that role" : "that user")};
  engine::Decision decision;
  decision.task = t->id;
  decision.instance = t->instance;
  decision.kind = body.kind;
  decision.user = caller.name;
  decision.comment = body.comment;
  decision.request_id = request_id;
  const auto program = body.kind == engine::Decision::Kind::kComplete && !t->approval
                           ? engine_.program(t->version)
                           : nullptr;
  if (program) {
    const bytecode::Module& m = program->module();
    const bytecode::Type& form_type = m.types[t->form_type];
    const bytecode::Record& record = m.records[form_type.decl];
    for (const auto& item : body.form.items()) {
      // Not a structured binding: clang 14 cannot capture one in the lambda below.
      const std::string& name = item.key();
      const nlohmann::json& value = item.value();
      const auto field =
          std::find_if(record.fields.begin(), record.fields.end(),
                       [&](const bytecode::Field& f) { return m.strings[f.name] == name; });
      if (field == record.fields.end() || name == "completed_by")
        return badRequest(fmt::format("`form.{}`: the form of {} has no such field", name, id));
      auto decoded = runtime::decode(value, field->type, m);
      if (auto* error = std::get_if<runtime::WireError>(&decoded)) {
        const std::string path = error->path.empty()     ? name
                                 : error->path[0] == '[' ? name + error->path
                                                         : name + "." + error->path;
        return badRequest(fmt::format("`form.{}`: {}", path, error->message));
      }
      decision.form.emplace_back(name, std::get<vm::Value>(std::move(decoded)));
    }
  }
  engine::Decided decided;
  decided.ticket = ticket;
  if (auto error = engine_.decide(decision, &decided)) return fromEngine(*error);
  Ages ages{engine_.clock().now()};
  // A repeated decision (its request id seen before) committed nothing: read both.
  if (!decided.task)
    if (auto after = engine_.task(id)) decided.task = std::move(*after);
  if (!decided.instance)
    if (auto v = engine_.instance(t->instance)) decided.instance = std::move(*v);
  runtime::JsonWriter out;
  out.beginObject();
  if (decided.instance) {
    out.key("instance");
    writeAfterStep(out, *decided.instance);
  }
  if (decided.task) {
    out.key("task");
    writeTask(out, *decided.task, ages);
  }
  out.endObject();
  return JsonText{out.take()};
}

Outcome Service::health() const {
  return json{{"status", "alive"}, {"now", base::formatTime(engine_.clock().now())}};
}

Outcome Service::readiness() {
  std::vector<std::string> reasons;
  if (engine_.storageFailing())
    reasons.push_back("the store cannot write (see the log); it is tried again every half second");
  if (const size_t stalled = engine_.stalledWork(); stalled > 0)
    reasons.push_back(fmt::format("{} steps wait for the store to take writes again", stalled));
  const size_t queued = engine_.queuedWork();
  if (!caught_up_.load()) {
    if (queued == 0)
      caught_up_ = true;
    else
      reasons.push_back(
          fmt::format("carrying on the work found at start: {} items still queued", queued));
  }
  if (!reasons.empty()) {
    std::string text = "not ready: ";
    for (size_t i = 0; i < reasons.size(); ++i)
      text += (i ? "; " : "") + reasons[i];
    return ApiError{ApiError::Code::kUnavailable, std::move(text), json{{"reasons", reasons}}};
  }
  return json{{"ready", true}, {"queued", queued}};
}

}  // namespace rflow::service

// The route table and its handlers: parameters in, a Service operation, an Outcome out.
#include "service/routes.h"

#include <fmt/format.h>

#include <charconv>

#include "base/time_text.h"
#include "service/views.h"

namespace rflow::service {

namespace {

using nlohmann::json;

std::optional<std::string> queryValue(const Call& call, std::string_view name) {
  auto it = call.query.find(name);
  if (it == call.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::variant<Page, ApiError> pageOf(const Call& call) {
  Page page;
  if (auto limit = queryValue(call, "limit")) {
    size_t n = 0;
    const auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n == 0 || n > kMaxPageLimit)
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`limit`: expected a whole number from 1 to {}, found \"{}\"",
                                  kMaxPageLimit, *limit)};
    page.limit = n;
  }
  page.after = queryValue(call, "after").value_or("");
  return page;
}

const std::string& param(const Call& call, std::string_view name) {
  return call.params.find(name)->second;
}

Outcome deploy(Service& s, const Call& c) {
  return s.deploy(c.body, c.caller ? c.caller->name : std::string());
}
Outcome workflows(Service& s, const Call&) {
  return s.workflows();
}
Outcome start(Service& s, const Call& c) {
  return s.start(*c.caller, param(c, "name"), c.body, std::string(c.idempotency_key), c.ticket);
}
Outcome listInstances(Service& s, const Call& c) {
  auto page = pageOf(c);
  if (auto* error = std::get_if<ApiError>(&page)) return std::move(*error);
  InstanceQuery q;
  q.workflow = queryValue(c, "workflow");
  q.key = queryValue(c, "key");
  if (auto status = queryValue(c, "status")) {
    q.status = parseStatus(*status);
    if (!q.status)
      return ApiError{ApiError::Code::kBadRequest,
                      fmt::format("`status`: expected Running, Waiting, Completed, Failed or "
                                  "Cancelled, found \"{}\"",
                                  *status)};
  }
  q.page = std::get<Page>(page);
  for (const auto& [name, value] : c.query) {
    if (name != "workflow" && name != "status" && name != "key" && name != "limit" &&
        name != "after")
      q.dimensions.emplace_back(name, value);
  }
  return s.instances(q);
}
Outcome getInstance(Service& s, const Call& c) {
  return s.instance(param(c, "id"));
}
Outcome history(Service& s, const Call& c) {
  auto page = pageOf(c);
  if (auto* error = std::get_if<ApiError>(&page)) return std::move(*error);
  return s.history(param(c, "id"), std::get<Page>(page));
}
Outcome signal(Service& s, const Call& c) {
  return s.signal(param(c, "id"), param(c, "name"), c.body, c.idempotency_key);
}
Outcome signalByKey(Service& s, const Call& c) {
  return s.signalByKey(param(c, "workflow"), param(c, "key"), param(c, "name"), c.body,
                       c.idempotency_key);
}
Outcome cancel(Service& s, const Call& c) {
  return s.cancel(*c.caller, param(c, "id"));
}
Outcome event(Service& s, const Call& c) {
  return s.event(param(c, "name"), c.body);
}
Outcome listTasks(Service& s, const Call& c) {
  auto page = pageOf(c);
  if (auto* error = std::get_if<ApiError>(&page)) return std::move(*error);
  TaskQuery q;
  q.role = queryValue(c, "role");
  q.assignee = queryValue(c, "assignee");
  q.status = queryValue(c, "status").value_or("open");
  q.page = std::get<Page>(page);
  return s.tasks(q);
}
Outcome getTask(Service& s, const Call& c) {
  return s.task(param(c, "id"));
}
std::optional<ApiError> checkDecision(const json& body) {
  auto decision = parseDecision(body);
  if (auto* error = std::get_if<ApiError>(&decision)) return std::move(*error);
  return std::nullopt;
}
Outcome decide(Service& s, const Call& c) {
  // The body was parsed before the token was checked (§7's order); its shape too.
  auto decision = parseDecision(c.body);
  if (auto* error = std::get_if<ApiError>(&decision)) return std::move(*error);
  return s.decide(*c.caller, param(c, "id"), std::get<DecisionBody>(decision),
                  std::string(c.idempotency_key), c.ticket);
}
// The internal forms of the insights routes (insights_parts.h): what a cluster's front
// door asks each partition for.
ApiError unknownForm(const Call& c, std::string_view expected) {
  return {ApiError::Code::kBadRequest,
          fmt::format("`{}: {}`: expected {} (the internal form a cluster's nodes ask each "
                      "other for) or no such header",
                      kInsightsFormHeader, c.form, expected)};
}
Outcome insights(Service& s, const Call& c) {
  if (c.form.empty())
    return s.insights(queryValue(c, "workflow"), queryValue(c, "since"), queryValue(c, "by"),
                      queryValue(c, "period"));
  if (c.form != kPartsForm) return unknownForm(c, fmt::format("`{}`", kPartsForm));
  auto parts = s.insightsParts(queryValue(c, "workflow"), queryValue(c, "since"),
                               queryValue(c, "by"), queryValue(c, "period"));
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return partsJson(std::get<InsightsParts>(parts));
}
Outcome stages(Service& s, const Call& c) {
  if (c.form.empty())
    return s.stages(queryValue(c, "workflow"), queryValue(c, "by"), queryValue(c, "value"));
  if (c.form != kPartsForm) return unknownForm(c, fmt::format("`{}`", kPartsForm));
  auto parts =
      s.stagesParts(queryValue(c, "workflow"), queryValue(c, "by"), queryValue(c, "value"));
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return partsJson(std::get<StagesParts>(parts));
}
Outcome atRisk(Service& s, const Call& c) {
  if (c.form.empty()) return s.atRisk(queryValue(c, "workflow"));
  if (c.form == kPartsForm) return partsJson(s.forecastParts(queryValue(c, "workflow")));
  if (c.form != kForecastForm)
    return unknownForm(c, fmt::format("`{}` or `{}`", kPartsForm, kForecastForm));
  // The forecast every partition's history gives, computed by the node that asks.
  const json doc = json::parse(c.form_body, nullptr, /*allow_exceptions=*/false);
  auto forecast = forecastOf(doc);
  if (auto* problem = std::get_if<std::string>(&forecast))
    return ApiError{ApiError::Code::kBadRequest, "the body: " + *problem};
  auto parts = s.atRiskUnder(std::get<engine::Forecast>(forecast));
  if (auto* error = std::get_if<ApiError>(&parts)) return std::move(*error);
  return partsJson(std::get<AtRiskParts>(parts));
}
Outcome metrics(Service& s, const Call&) {
  return json(s.metricsText());
}
Outcome me(Service& s, const Call& c) {
  return json{{"name", c.caller->name},
              {"roles", c.caller->roles},
              {"admin", c.caller->isAdmin()},
              {"now", base::formatTime(s.now())}};
}
Outcome listClassifiers(Service& s, const Call&) {
  return s.classifiers();
}
Outcome putModel(Service& s, const Call& c) {
  return s.putModel(param(c, "name"), c.raw_body);
}
Outcome health(Service& s, const Call&) {
  return s.health();
}
Outcome ready(Service& s, const Call&) {
  return s.readiness();
}
Outcome makeBackup(Service& s, const Call& c) {
  return s.backup(c.body);
}
Outcome migrate(Service& s, const Call& c) {
  return s.migrate(*c.caller, c.body);
}
Outcome versions(Service& s, const Call&) {
  return s.versions();
}
Outcome listBackups(Service& s, const Call&) {
  return s.backups();
}
Outcome partitionState(Service& s, const Call& c) {
  auto page = pageOf(c);
  if (auto* error = std::get_if<ApiError>(&page)) return *error;
  return s.partitionState(param(c, "p"), queryValue(c, "column"), std::get<Page>(page));
}
Outcome inbound(Service& s, const Call& c) {
  return s.inbound(param(c, "p"), c.raw_body);
}
Outcome openApi(Service& s, const Call&) {
  const auto contract = s.contract();
  DeployedContract deployed;
  if (contract) {
    deployed.module = &contract->program->module();
    deployed.version = contract->version;
    deployed.docs = contract->docs.get();
  }
  return openApiDocument(routes(), deployed);
}

constexpr Access kToken = Access::kToken;
constexpr Access kAdmin = Access::kAdmin;

const Route kRoutes[] = {
    {"POST", "/v1/deployments", kAdmin, 201, true, nullptr, false, "",
     "Compile and deploy a project: {\"files\": {\"path\": \"source\"}}. Answers {\"version\", "
     "\"workflows\", \"diagnostics\", \"warnings\", \"breaking\"}: `breaking` lists the changes "
     "that "
     "break callers of the version deployed before ({\"where\", \"what\"}; docs/integration.md). "
     "On a cluster node the project is appended to the cluster's deployment log and the answer "
     "waits up to 5 s for every partition to apply it; it adds {\"sequence\", \"complete\", "
     "\"applied\": [partition …], \"pending\": [{\"partition\", \"owner\", \"deployed\"}]}: "
     "`complete` false names in `pending` the partitions that apply it later (docs/cluster.md)",
     deploy},
    {"GET", "/v1/workflows", kToken, 200, false, nullptr, false, "",
     "The deployed workflows with their versions and parameter types", workflows},
    {"POST", "/v1/workflows/{name}/instances", kToken, 201, true, nullptr, false, "",
     "Start an instance; the body is the argument object. Honours Idempotency-Key", start,
     /*binary_body=*/false, /*new_work=*/true},
    {"GET", "/v1/instances", kToken, 200, false, nullptr, false, "workflow,status,key,limit,after",
     "List instances, paged; with `workflow`, any other parameter filters by one of its tracked "
     "dimensions (`region=EU`)",
     listInstances},
    {"GET", "/v1/instances/{id}", kToken, 200, false, nullptr, false, "",
     "An instance: state, current waits, result or error", getInstance},
    {"GET", "/v1/instances/{id}/history", kToken, 200, false, nullptr, false, "limit,after",
     "An instance's audit trail, paged by seq", history},
    {"POST", "/v1/instances/{id}/signals/{name}", kToken, 200, true, nullptr, false, "",
     "Deliver a signal; the body is the signal's fields. Honours Idempotency-Key", signal,
     /*binary_body=*/false, /*new_work=*/true},
    {"POST", "/v1/instances/{id}/cancel", kAdmin, 200, false, nullptr, false, "",
     "Cancel a live instance", cancel},
    {"POST", "/v1/keys/{workflow}/{key}/signals/{name}", kToken, 200, true, nullptr, false, "",
     "Deliver a signal to the live instance with a business key. Honours Idempotency-Key",
     signalByKey, /*binary_body=*/false, /*new_work=*/true},
    {"POST", "/v1/events/{name}", kToken, 201, true, nullptr, false, "",
     "Post an event: starts the workflows bound by `on event`", event, /*binary_body=*/false,
     /*new_work=*/true},
    {"GET", "/v1/tasks", kToken, 200, false, nullptr, false, "role,assignee,status,limit,after",
     "The task inbox, paged", listTasks},
    {"GET", "/v1/tasks/{id}", kToken, 200, false, nullptr, false, "", "One approval or task",
     getTask},
    {"POST", "/v1/tasks/{id}/decision", kToken, 200, true, checkDecision, false, "",
     "Decide: {\"approve\": true, \"comment\": \"…\"} or {\"form\": {…}}; answers the task and "
     "its instance as the decision's step committed them (a decision repeated with its "
     "Idempotency-Key: as they are now)",
     decide},
    {"GET", "/v1/insights", kToken, 200, false, nullptr, false, "workflow,since,by,period",
     "Process intelligence from the engine's aggregates, and each classifier's triage quality; "
     "with `workflow` and `by` (a dimension it tracks), the figures per value (the top 50 by "
     "instances started, the rest as `(other)`), and with `period` (whole days, `7d`) the same "
     "for the period before and a trend per value (`rising`, `falling`, `steady`)",
     insights},
    {"GET", "/v1/insights/stages", kToken, 200, false, nullptr, false, "workflow,by,value",
     "Where the time goes: per stage (every wait) of a workflow, entered, open now, oldest open, "
     "time in stage p50/p95/max, total time and share of all waiting time, the bottleneck first; "
     "with `by` and `value`, of its instances with that tracked value",
     stages},
    {"GET", "/v1/insights/at-risk", kToken, 200, false, nullptr, false, "workflow",
     "Waiting instances predicted to breach their SLA (now plus the p80 of the time from their "
     "stage to completion, given 20 completed instances that were in it), soonest SLA end first",
     atRisk},
    {"GET", "/v1/classifiers", kToken, 200, false, nullptr, false, "",
     "The classifiers with their current models, labels, examples learned and triage quality",
     listClassifiers},
    {"PUT", "/v1/classifiers/{name}/model", kAdmin, 200, true, nullptr, false, "",
     "Make a model file (the body, as `rflow train` wrote it) current for a classifier; a model "
     "with a label that is not a member is refused and nothing changes",
     putModel, /*binary_body=*/true},
    {"GET", "/v1/me", kToken, 200, false, nullptr, false, "",
     "Who the token belongs to, and the service's clock: {\"name\", \"roles\", \"admin\", \"now\"}",
     me},
    {"POST", "/v1/admin/backups", kAdmin, 201, true, nullptr, false, "",
     "Back up the store now, while it serves, into rflow.toml's [backup] dir (incremental, "
     "checksummed); the body is optional: {\"label\": \"…\", \"dir\": \"…\", \"data\": \"…\"} "
     "(dir must be the configured one, data the served data directory). Answers {\"id\", \"time\", "
     "\"bytes\", \"files\", \"label\", \"dir\"}; 409 "
     "without a [backup] dir",
     makeBackup},
    {"GET", "/v1/admin/backups", kAdmin, 200, false, nullptr, false, "",
     "The backups in rflow.toml's [backup] dir, oldest first, with the schedule: {\"dir\", "
     "\"every\", \"keep\", \"items\": [{\"id\", \"time\", \"bytes\", \"files\", \"label\"}]}",
     listBackups},
    {"GET", "/v1/cluster/partitions/{p}/digest", kAdmin, 200, false, nullptr, false,
     "column,limit,after",
     "A cluster partition's replicated state, for `rflow cluster verify` (docs/cluster.md): "
     "{\"partition\", \"applied_seq\", \"sha256\", \"columns\": [{\"name\", \"keys\", "
     "\"sha256\"}]} taken at one applied log position; with `column`, a page of that column "
     "family's keys and values in hex after the key `after`: {\"partition\", \"applied_seq\", "
     "\"column\", \"entries\": [{\"key\", \"value\"}], \"more\"}",
     partitionState},
    {"POST", "/v1/cluster/partitions/{p}/inbound", kAdmin, 200, true, nullptr, false, "",
     "Between the nodes of a cluster: another partition's outbox message (the body, bytes), "
     "applied on this partition exactly once (docs/cluster.md \"Outbox\"): {\"partition\", "
     "\"applied\"}, applied false when it was applied before; 400 for a message that is not "
     "for this partition, 503 when it could not be committed (send it again)",
     inbound, /*binary_body=*/true},
    {"POST", "/v1/migrations", kAdmin, 200, true, nullptr, false, "",
     "Move the waiting instances of a workflow from one version to another where their wait "
     "maps (intelligence.md §4): {\"from\", \"to\", \"workflow\", \"dry_run\"} (dry_run is "
     "true unless false). Answers {\"workflow\", \"from\", \"to\", \"dry_run\", \"moved\", "
     "\"places\": [{\"place\", \"kind\", \"stage\", \"ordinal\", \"maps\", \"reason\", "
     "\"waiting\"}], \"left\": [{\"instance\", \"reason\"}]}; 404 for an unknown version or "
     "workflow. In a cluster every partition is asked, a dry run on all of them first; the "
     "reports are added up and carry \"partitions\", and a 503 names a partition that could "
     "not take part (docs/cluster.md)",
     migrate},
    {"GET", "/v1/versions", kToken, 200, false, nullptr, false, "",
     "The versions stored, with their live instances: {\"current\", \"items\": [{\"version\", "
     "\"live\", \"current\"}]}; in a cluster `live` counts every partition's, and `current` "
     "is null while a deployment is still reaching the partitions",
     versions},
    {"GET", "/v1/openapi.json", kToken, 200, false, nullptr, false, "",
     "This document: the API, and the current version's workflows, signals, events and task "
     "forms with their declared types",
     openApi},
    {"GET", "/healthz", Access::kOpen, 200, false, nullptr, false, "",
     "The process is alive (no token needed): {\"status\": \"alive\", \"now\"}; a cluster "
     "node adds \"partitions\", those it serves (docs/cluster.md)",
     health},
    {"GET", "/readyz", Access::kOpen, 200, false, nullptr, false, "",
     "Ready for traffic (no token needed): the store takes writes and the work found at start "
     "has been carried on; 503 with the reasons otherwise. A cluster node: every partition it "
     "serves is ready (none is fine: it forwards), and \"partitions\" lists them",
     ready},
    {"GET", "/metrics", Access::kMetrics, 200, false, nullptr, true, "",
     "Prometheus metrics (text format 0.0.4)", metrics},
};

}  // namespace

std::span<const Route> routes() {
  return kRoutes;
}

}  // namespace rflow::service

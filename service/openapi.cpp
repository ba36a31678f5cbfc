// The OpenAPI 3 document, generated from the route table and the dashboard's asset
// table so that it lists exactly what the router serves.
#include <fmt/format.h>

#include "service/dashboard.h"
#include "service/openapi_deployed.h"
#include "service/routes.h"

namespace rflow::service {

using nlohmann::json;

namespace {

std::vector<std::string> pathParams(std::string_view pattern) {
  std::vector<std::string> out;
  size_t at = 0;
  while ((at = pattern.find('{', at)) != std::string_view::npos) {
    const size_t end = pattern.find('}', at);
    out.emplace_back(pattern.substr(at + 1, end - at - 1));
    at = end;
  }
  return out;
}

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

std::string operationId(const Route& r) {
  std::string id;
  for (char c : r.method)
    id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool upper = true;
  for (char c : r.pattern) {
    if (c == '/' || c == '{' || c == '}' || c == '.' || c == '_') {
      upper = true;
      continue;
    }
    id += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return id;
}

json errorResponse(std::string_view description) {
  return {
      {"description", description},
      {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

// An instance as GET /v1/instances/{id} answers it (views.h). "tracked" and "measures"
// are not required: list items leave them out (service.cpp says why).
json instanceSchema() {
  const json text = {{"type", "string"}};
  const json nullableText = {{"type", "string"}, {"nullable", true}};
  const json time = {{"type", "string"}, {"format", "date-time"}};
  return {
      {"type", "object"},
      {"required",
       {"id", "workflow", "version", "status", "key", "parent", "spawned_by", "created_at",
        "updated_at", "ended_at", "breached", "arguments", "result", "waiting_for", "error",
        "error_kind"}},
      {"properties",
       {{"id", text},
        {"workflow", text},
        {"version", text},
        {"status",
         {{"type", "string"},
          {"enum", {"Running", "Waiting", "Completed", "Failed", "Cancelled"}}}},
        {"key", nullableText},
        {"parent",
         {{"type", "string"},
          {"nullable", true},
          {"description", "The instance that `start`ed this one and gets its result"}}},
        {"spawned_by",
         {{"type", "string"},
          {"nullable", true},
          {"description", "The instance whose `spawn` started this one (fire and forget)"}}},
        {"created_at", time},
        {"updated_at", time},
        {"ended_at", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
        {"breached", {{"type", "boolean"}}},
        {"arguments", {{"type", "object"}, {"nullable", true}}},
        {"result",
         {{"description",
           "The workflow's result once it completed (wire-encoded by its declared type), null "
           "before; a workflow's own path (`Instance.<workflow>`) gives its schema"}}},
        {"waiting_for", {{"type", "array"}, {"items", {{"$ref", "#/components/schemas/Wait"}}}}},
        {"error", nullableText},
        {"error_kind", nullableText},
        {"tracked",
         {{"type", "object"},
          {"nullable", true},
          {"additionalProperties", text},
          {"description",
           "The workflow's tracked values (`track name = e`) as printed, by name: "
           "{\"region\": \"EU\"}; empty when it tracks nothing. Not in list items (read "
           "the instance); null in a start's or decision's answer when they could not be "
           "read"}}},
        {"measures",
         {{"type", "object"},
          {"nullable", true},
          {"additionalProperties", {{"$ref", "#/components/schemas/Measure"}}},
          {"description",
           "The latest value of each measure set so far (header `measure` clauses at start, "
           "`measure` statements since), by name; empty when none is. Not in list items; "
           "null in a start's or decision's answer when they could not be read"}}}}}};
}

// Ages in business time (docs/insights.md "Business time"): the calendar a wait was
// declared in, and the age counted in its open time; both null for a wait in plain time.
json calendarProperty() {
  return {{"type", "string"},
          {"nullable", true},
          {"description",
           "The calendar the wait was declared in (`due 4h in StoreHours`): its ages below "
           "count that calendar's open time; null for a wait in plain time"}};
}

json secondsProperty(const char* description, bool nullable) {
  json out = {{"type", "integer"}, {"description", description}};
  if (nullable) out["nullable"] = true;
  return out;
}

// One thing an instance waits for (views.h).
json waitSchema() {
  const json time = {{"type", "string"}, {"format", "date-time"}};
  return {{"type", "object"},
          {"required",
           {"kind", "detail", "since", "until", "age_seconds", "calendar", "age_business_seconds"}},
          {"properties",
           {{"kind",
             {{"type", "string"},
              {"enum", {"connector", "approval", "task", "signal", "timer", "child"}}}},
            {"detail", {{"type", "string"}}},
            {"since", time},
            {"until", {{"type", "string"}, {"format", "date-time"}, {"nullable", true}}},
            {"task", {{"type", "string"}, {"description", "An approval's or task's id"}}},
            {"age_seconds", secondsProperty("Seconds since the wait began", false)},
            {"calendar", calendarProperty()},
            {"age_business_seconds",
             secondsProperty("Seconds of the calendar's open time since the wait began", true)}}}};
}

// An approval or task as GET /v1/tasks/{id} answers it (views.h).
json taskSchema() {
  const json text = {{"type", "string"}};
  const json nullableText = {{"type", "string"}, {"nullable", true}};
  const json nullableTime = {{"type", "string"}, {"format", "date-time"}, {"nullable", true}};
  return {
      {"type", "object"},
      {"required",
       {"id", "instance", "workflow", "kind", "title", "assignee", "status", "created_at", "due",
        "age_seconds", "due_in_seconds", "calendar", "age_business_seconds",
        "due_in_business_seconds"}},
      {"properties",
       {{"id", text},
        {"instance", text},
        {"workflow", text},
        {"kind", {{"type", "string"}, {"enum", {"approval", "task"}}}},
        {"title", text},
        {"assignee", {{"type", "object"}, {"description", "{\"role\": name} or {\"user\": id}"}}},
        {"status",
         {{"type", "string"},
          {"enum", {"open", "approved", "rejected", "expired", "completed", "cancelled"}}}},
        {"requested_by", nullableText},
        {"approvers", {{"type", "integer"}}},
        {"approved_by", {{"type", "array"}, {"items", text}}},
        {"overdue", {{"type", "boolean"}}},
        {"escalated", {{"type", "integer"}}},
        {"created_at", {{"type", "string"}, {"format", "date-time"}}},
        {"due", nullableTime},
        {"decided_at", nullableTime},
        {"decided_by", nullableText},
        {"comment", text},
        {"age_seconds",
         secondsProperty("Seconds from its creation to its decision (now while it is open)",
                         false)},
        {"due_in_seconds",
         secondsProperty("Open with a due time: seconds until it, negative once past", true)},
        {"calendar", calendarProperty()},
        {"age_business_seconds",
         secondsProperty("age_seconds counted in the calendar's open time", true)},
        {"due_in_business_seconds",
         secondsProperty("due_in_seconds counted in the calendar's open time", true)}}}};
}

json measureSchema() {
  return {{"type", "object"},
          {"required", {"kind", "amount", "currency", "text"}},
          {"properties",
           {{"kind", {{"type", "string"}, {"enum", {"int", "decimal", "duration", "money"}}}},
            {"amount",
             {{"type", "string"},
              {"description",
               "The amount as decimal text (\"12.50\"); an int's and a duration's "
               "(milliseconds) are whole numbers"}}},
            {"currency",
             {{"type", "string"}, {"nullable", true}, {"description", "Money only: \"EUR\""}}},
            {"text",
             {{"type", "string"},
              {"description",
               "As people read it: \"12.50 EUR\", "
               "\"2h\""}}}}}};
}

// The schema of a route's answer, where one is written down; a plain object otherwise.
json answerSchema(const Route& r) {
  const json instance = {{"$ref", "#/components/schemas/Instance"}};
  if (r.pattern == "/v1/instances/{id}" || r.pattern == "/v1/workflows/{name}/instances")
    return instance;
  if (r.pattern == "/v1/instances")
    return {{"type", "object"},
            {"properties",
             {{"items", {{"type", "array"}, {"items", instance}}},
              {"next", {{"type", "string"}, {"nullable", true}}}}}};
  const json task = {{"$ref", "#/components/schemas/Task"}};
  if (r.pattern == "/v1/tasks/{id}") return task;
  if (r.pattern == "/v1/tasks")
    return {{"type", "object"},
            {"properties",
             {{"items", {{"type", "array"}, {"items", task}}},
              {"next", {{"type", "string"}, {"nullable", true}}}}}};
  return {{"type", "object"}};
}

}  // namespace

json openApiDocument(std::span<const Route> table, const DeployedContract& deployed) {
  json paths = json::object();
  for (const Route& r : table) {
    json op = json::object();
    op["summary"] = r.summary;
    op["operationId"] = operationId(r);
    json parameters = json::array();
    for (const std::string& p : pathParams(r.pattern))
      parameters.push_back(
          {{"name", p}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    for (const std::string& q : split(r.query)) {
      json schema = {{"type", q == "limit" ? "integer" : "string"}};
      if (q == "limit") {
        schema["minimum"] = 1;
        schema["maximum"] = kMaxPageLimit;
      }
      parameters.push_back({{"name", q}, {"in", "query"}, {"required", false}, {"schema", schema}});
    }
    const bool signal = r.pattern.find("/signals/") != std::string_view::npos;
    const bool decision = r.pattern == "/v1/tasks/{id}/decision";
    if (r.pattern == "/v1/workflows/{name}/instances" || signal || decision)
      parameters.push_back(
          {{"name", "Idempotency-Key"},
           {"in", "header"},
           {"required", false},
           {"description",
            signal     ? "A signal with a key already used for the instance is not delivered "
                         "again; it answers as the first did"
            : decision ? "A decision with a key already used for the task is not taken again; "
                         "it answers as the first did (also once the task is closed)"
                       : "A start with a key already used returns the instance that start "
                         "created"},
           {"schema", {{"type", "string"}, {"maxLength", 200}}}});
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    if (r.binary_body)
      op["requestBody"] = {{"required", true},
                           {"content",
                            {{"application/octet-stream",
                              {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
    else if (r.takes_body)
      op["requestBody"] = {{"required", false},
                           {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    json responses = json::object();
    responses[std::to_string(r.status)] = {
        {"description", "OK"},
        {"content",
         {{r.text ? "text/plain" : "application/json",
           {{"schema", r.text ? json{{"type", "string"}} : answerSchema(r)}}}}}};
    if (r.takes_body || !r.query.empty()) responses["400"] = errorResponse("Bad input");
    if (r.access != Access::kOpen) responses["401"] = errorResponse("No valid token");
    if (r.access == Access::kAdmin || r.pattern == "/v1/tasks/{id}/decision")
      responses["403"] = errorResponse("The caller lacks the role or identity needed");
    // A query parameter can name something too: /v1/insights?workflow=Nope is a 404.
    if (!pathParams(r.pattern).empty() || r.method == "POST" ||
        r.query.find("workflow") != std::string_view::npos)
      responses["404"] = errorResponse("No such thing");
    // The backups answer 409 without a [backup] dir, listing them too.
    if (r.method == "POST" || r.method == "PUT" || r.pattern == "/v1/admin/backups")
      responses["409"] = errorResponse("Conflict, or refused by a policy");
    if (r.method == "POST" || r.method == "PUT") {
      responses["413"] = errorResponse("The body is too large");
    }
    if (r.new_work) {
      json too_many = errorResponse(
          "The service is overloaded: the engine's backlog (steps queued or running, connector "
          "calls unanswered) is at [engine] max_queued. Nothing was started or delivered; send "
          "the request again after Retry-After seconds (with the same Idempotency-Key)");
      too_many["headers"] = {{"Retry-After",
                              {{"description", "Seconds to wait before sending the request again"},
                               {"schema", {{"type", "integer"}}}}}};
      responses["429"] = std::move(too_many);
    }
    responses["503"] = errorResponse(
        "The store cannot write, so the request was not confirmed; send it again after "
        "Retry-After (a start with the same Idempotency-Key happens once; a decision that "
        "did land answers 409)");
    op["responses"] = std::move(responses);
    if (r.access == Access::kMetrics) {
      op["security"] = json::array({json::object(), {{"bearer", json::array()}}});
    } else if (r.access == Access::kOpen) {
      op["security"] = json::array({json::object()});
    }
    std::string method(r.method);
    for (char& c : method)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[std::string(r.pattern)][method] = std::move(op);
  }
  // The dashboard: open (the page asks for a token and sends it to the API itself).
  for (const Asset& a : dashboardAssets()) {
    const bool page = a.path == "/";
    std::string id = page ? "getDashboard" : "getAsset";
    if (!page) {
      for (char c : a.path.substr(a.path.rfind('/') + 1))
        id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    }
    paths[std::string(a.path)]["get"] = {
        {"summary",
         page ? "The dashboard (runtime.md §7): insights, backlog, instances, inbox, triage quality"
              : "A file of the dashboard, cached as immutable under ?v=<hash>"},
        {"operationId", id},
        {"security", json::array({json::object()})},
        {"responses",
         {{"200",
           {{"description", "OK"},
            {"content", {{std::string(a.content_type), {{"schema", {{"type", "string"}}}}}}}}},
          {"304", {{"description", "Not modified (If-None-Match named the ETag)"}}}}}};
  }
  json document = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "rflow service"},
        {"version", "0.2"},
        {"description",
         "The rflow runtime as a service (runtime.md §7). Values are wire-encoded by their "
         "declared types (§6). Lists are paged with `limit` and `after`; the answer's `next` "
         "is the cursor of the next page. Every answer carries an X-Request-Id header: the "
         "request's own X-Request-Id (1 to 128 visible ASCII characters) or one made for it, "
         "also in the service's JSON log line for the request."}}},
      {"paths", std::move(paths)},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Instance", instanceSchema()},
          {"Measure", measureSchema()},
          {"Wait", waitSchema()},
          {"Task", taskSchema()},
          {"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"required", {"code", "message"}},
                {"properties",
                 {{"code", {{"type", "string"}}}, {"message", {{"type", "string"}}}}}}}}}}}}}}}};
  describeDeployment(document, deployed);
  return document;
}

}  // namespace rflow::service

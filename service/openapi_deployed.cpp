// describeDeployment: the concrete paths and schemas of one deployed version.
#include "service/openapi_deployed.h"

#include <fmt/format.h>

#include <map>

#include "vm/print.h"

namespace rflow::service {

using nlohmann::json;

namespace {

std::string componentRef(std::string_view component) {
  return fmt::format("#/components/schemas/{}", component);
}

// Declared names where they are unique among `names`, qualified ones otherwise.
std::vector<std::string> pathNames(const std::vector<std::string>& qualified) {
  std::map<std::string_view, int> count;
  for (const std::string& q : qualified)
    ++count[vm::declaredName(q)];
  std::vector<std::string> out;
  for (const std::string& q : qualified) {
    const std::string_view short_name = vm::declaredName(q);
    out.emplace_back(count[short_name] == 1 ? short_name : std::string_view(q));
  }
  return out;
}

// An operationId part: letters and digits, the rest as `_`.
std::string idPart(std::string_view name) {
  std::string out;
  for (char c : name)
    out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

json jsonBody(json schema, bool required) {
  return {{"required", required},
          {"content", {{"application/json", {{"schema", std::move(schema)}}}}}};
}

class Describer {
 public:
  Describer(json& document, const DeployedContract& deployed)
      : doc_(document), m_(*deployed.module), schemas_(*deployed.module, deployed.docs) {}

  void run() {
    workflows();
    signals();
    events();
    decision();
    json& components = doc_["components"]["schemas"];
    for (const auto& [name, schema] : schemas_.components().items()) {
      if (!components.contains(name)) components[name] = schema;
    }
  }

 private:
  // A copy of the template route's operation, for a concrete path.
  json operationOf(const std::string& pattern, const std::string& id) {
    json op = doc_["paths"][pattern]["post"];
    op["operationId"] = id;
    // The concrete path fixes the template's last parameter (the name).
    json parameters = json::array();
    for (const json& p : op.value("parameters", json::array())) {
      const std::string in = p["in"];
      const std::string name = p["name"];
      if (in == "path" && pattern.find("{" + name + "}") == pattern.rfind('{')) continue;
      parameters.push_back(p);
    }
    op.erase("parameters");
    if (!parameters.empty()) op["parameters"] = std::move(parameters);
    return op;
  }

  void workflows() {
    std::vector<std::string> names;
    for (const bytecode::Workflow& w : m_.workflows)
      names.push_back(m_.strings[w.name]);
    const std::vector<std::string> paths = pathNames(names);
    const json base_instance = doc_["components"]["schemas"]["Instance"];
    for (size_t i = 0; i < m_.workflows.size(); ++i) {
      const bytecode::Workflow& w = m_.workflows[i];
      const std::string& qualified = names[i];
      json args = schemas_.arguments(w.params);
      // The body may be left out when no parameter needs a value (an empty object).
      const bool body_required = args.contains("required");
      json instance = base_instance;
      instance["properties"]["workflow"] = {{"type", "string"}, {"enum", {qualified}}};
      json arguments = args;
      arguments["nullable"] = true;
      instance["properties"]["arguments"] = std::move(arguments);
      json result = schemas_.schema(w.result);
      if (result.contains("$ref"))
        result = {{"anyOf", json::array({std::move(result), runtime::nullSchema()})}};
      else if (result.contains("type"))
        result["nullable"] = true;
      result["description"] = "The workflow's result once it completed; null before";
      instance["properties"]["result"] = std::move(result);
      if (auto text = schemas_.doc(qualified)) instance["description"] = *text;
      const std::string component = "Instance." + qualified;
      doc_["components"]["schemas"][component] = std::move(instance);

      json op = operationOf("/v1/workflows/{name}/instances", "start_" + idPart(qualified));
      op["summary"] = fmt::format("Start {}; the body is its parameters", qualified);
      if (auto text = schemas_.doc(qualified)) op["description"] = *text;
      op["requestBody"] = jsonBody(std::move(args), body_required);
      op["responses"]["201"]["content"]["application/json"]["schema"] = {
          {"$ref", componentRef(component)}};
      doc_["paths"][fmt::format("/v1/workflows/{}/instances", paths[i])]["post"] = std::move(op);
    }
  }

  void signals() {
    std::vector<uint32_t> records;
    std::vector<std::string> names;
    for (uint32_t i = 0; i < m_.records.size(); ++i) {
      if (m_.records[i].kind != bytecode::RecordKind::kSignal) continue;
      records.push_back(i);
      names.push_back(m_.strings[m_.records[i].name]);
    }
    const std::vector<std::string> paths = pathNames(names);
    for (size_t i = 0; i < records.size(); ++i) {
      const json body = {{"$ref", componentRef(schemas_.recordRef(records[i]))}};
      const std::string id = idPart(names[i]);
      json by_id = operationOf("/v1/instances/{id}/signals/{name}", "signal_" + id);
      by_id["summary"] = fmt::format("Deliver the signal {} to an instance", names[i]);
      by_id["requestBody"] = jsonBody(body, false);
      doc_["paths"][fmt::format("/v1/instances/{{id}}/signals/{}", paths[i])]["post"] =
          std::move(by_id);
      json by_key = operationOf("/v1/keys/{workflow}/{key}/signals/{name}", "signalByKey_" + id);
      by_key["summary"] =
          fmt::format("Deliver the signal {} to the live instance with a business key", names[i]);
      by_key["requestBody"] = jsonBody(body, false);
      doc_["paths"][fmt::format("/v1/keys/{{workflow}}/{{key}}/signals/{}", paths[i])]["post"] =
          std::move(by_key);
    }
  }

  void events() {
    std::map<std::string, const bytecode::Trigger*> seen;
    for (const bytecode::Trigger& t : m_.triggers) {
      if (t.kind != bytecode::TriggerKind::kEvent) continue;
      // Triggers on one event share its parameters (the checker sees to it); the last
      // one decodes the body (Service::event), so it describes it.
      seen[m_.strings[t.source]] = &t;
    }
    for (const auto& [name, trigger] : seen) {
      json op = operationOf("/v1/events/{name}", "event_" + idPart(name));
      std::string started;
      for (const bytecode::Trigger& t : m_.triggers) {
        if (t.kind == bytecode::TriggerKind::kEvent && m_.strings[t.source] == name &&
            t.workflow < m_.workflows.size())
          started += (started.empty() ? "" : ", ") + m_.strings[m_.workflows[t.workflow].name];
      }
      op["summary"] = fmt::format("Post the event {}: starts {}", name, started);
      if (auto text = schemas_.doc("event " + name)) op["description"] = *text;
      json args = schemas_.arguments(trigger->params);
      const bool required = args.contains("required");
      op["requestBody"] = jsonBody(std::move(args), required);
      op["responses"]["201"]["content"]["application/json"]["schema"] = {
          {"type", "object"},
          {"required", {"event", "started"}},
          {"properties",
           {{"event", {{"type", "string"}, {"enum", {name}}}},
            {"started",
             {{"type", "array"},
              {"items", {{"type", "string"}}},
              {"description", "The ids of the instances the event started"}}}}}};
      doc_["paths"][fmt::format("/v1/events/{}", name)]["post"] = std::move(op);
    }
  }

  void decision() {
    const json comment = {{"type", "string"}, {"maxLength", 10000}};
    json bodies = json::array();
    bodies.push_back({{"type", "object"},
                      {"title", "approval"},
                      {"required", {"approve"}},
                      {"properties", {{"approve", {{"type", "boolean"}}}, {"comment", comment}}},
                      {"additionalProperties", false}});
    for (uint32_t i = 0; i < m_.records.size(); ++i) {
      if (m_.records[i].kind != bytecode::RecordKind::kForm) continue;
      bodies.push_back({{"type", "object"},
                        {"title", m_.strings[m_.records[i].name]},
                        {"required", {"form"}},
                        {"properties", {{"form", schemas_.formBody(i)}, {"comment", comment}}},
                        {"additionalProperties", false}});
    }
    json& op = doc_["paths"]["/v1/tasks/{id}/decision"]["post"];
    op["requestBody"] =
        jsonBody({{"anyOf", std::move(bodies)},
                  {"description",
                   "An approval's decision, or a task's form: one alternative per task form of "
                   "this version (the task's `form` lists its fields)"}},
                 true);
  }

  json& doc_;
  const bytecode::Module& m_;
  runtime::WireSchemas schemas_;
};

}  // namespace

void describeDeployment(json& document, const DeployedContract& deployed) {
  if (deployed.module == nullptr) return;
  document["info"]["version"] = deployed.version;
  Describer(document, deployed).run();
}

}  // namespace rflow::service

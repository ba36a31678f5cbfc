// connectorContract: one path per operation of the connector, from its declarations.
#include "runtime/connector_contract.h"

#include <fmt/format.h>

#include "base/suggest.h"
#include "bytecode/names.h"
#include "runtime/connector.h"
#include "vm/print.h"

namespace rflow::runtime {

using nlohmann::json;

std::variant<uint32_t, std::string> findConnector(const bytecode::Module& module,
                                                  std::string_view name) {
  std::vector<std::string_view> names;
  std::vector<uint32_t> matches;
  for (uint32_t i = 0; i < module.connectors.size(); ++i) {
    const std::string& qualified = module.strings[module.connectors[i].name];
    if (qualified == name) return i;
    names.push_back(vm::declaredName(qualified));
    if (vm::declaredName(qualified) == name) matches.push_back(i);
  }
  if (matches.size() == 1) return matches[0];
  std::string list;
  for (uint32_t i = 0; i < module.connectors.size(); ++i)
    list +=
        fmt::format("{}`{}`", list.empty() ? "" : ", ", module.strings[module.connectors[i].name]);
  if (matches.size() > 1)
    return fmt::format("`{}` names several connectors ({}); give the qualified name", name, list);
  if (names.empty()) return fmt::format("the project declares no connectors, so not `{}`", name);
  std::string hint;
  if (auto close = base::closestMatch(name, names))
    hint = fmt::format(" (did you mean `{}`?)", *close);
  return fmt::format("the project declares no connector `{}`{}; its connectors are {}", name, hint,
                     list);
}

namespace {

json errorAnswer(std::string description) {
  return {{"description", std::move(description)},
          {"content", {{"*/*", {{"schema", {{"type", "string"}}}}}}}};
}

}  // namespace

json connectorContract(const ConnectorContractInput& input) {
  const bytecode::Module& m = *input.module;
  const bytecode::Connector& c = m.connectors[input.connector];
  const std::string& qualified = m.strings[c.name];
  const std::string_view short_name = vm::declaredName(qualified);
  WireSchemas schemas(m, input.docs);

  json paths = json::object();
  for (uint32_t i = c.first_op; i < c.first_op + c.op_count && i < m.ops.size(); ++i) {
    const bytecode::ConnectorOp& op = m.ops[i];
    const std::string& name = m.strings[op.name];
    json body = {
        {"type", "object"},
        {"required", {"args", "instance", "workflow"}},
        {"properties",
         {{"args", schemas.arguments(op.params)},
          {"instance", {{"type", "string"}, {"description", "The calling instance's id"}}},
          {"workflow",
           {{"type", "string"}, {"description", "The calling workflow's qualified name"}}}}},
        {"additionalProperties", false}};
    json result = schemas.schema(op.result);
    const bool is_void =
        op.result < m.types.size() && m.types[op.result].tag == bytecode::TypeTag::kVoid;
    json ok = {
        {"description",
         is_void ? std::string("Done. rflow ignores the body (an operation without a result)")
                 : fmt::format("The result: the body is decoded as `{}`; a body that does "
                               "not fit fails the call (not retried), an empty body reads "
                               "as null",
                               bytecode::typeName(m, op.result))},
        {"content", {{"application/json", {{"schema", std::move(result)}}}}}};
    json operation = {
        {"operationId", name},
        {"summary",
         schemas.doc(qualified + "." + name).value_or(fmt::format("{}.{}", short_name, name))},
        {"parameters",
         json::array({{{"name", "Idempotency-Key"},
                       {"in", "header"},
                       {"required", true},
                       {"description",
                        "`<instance>/<request>`: the same on every attempt of this call and "
                        "on every re-send after a crash. Do the work once per key and answer "
                        "a repeat as the first time"},
                       {"schema", {{"type", "string"}, {"minLength", 1}}}}})},
        {"requestBody",
         {{"required", true}, {"content", {{"application/json", {{"schema", std::move(body)}}}}}}},
        {"responses",
         {{"2XX", std::move(ok)},
          {"3XX", errorAnswer("Not followed: the call fails at once. Give rflow the final url")},
          {"408", errorAnswer("Retried, as the call site's `retry` clause says")},
          {"429", errorAnswer("Retried, as the call site's `retry` clause says")},
          {"4XX", errorAnswer("Any other 4xx fails the call at once (not retried); the status and "
                              "up to 200 bytes of the body go into the workflow's error")},
          {"5XX", errorAnswer("Retried, as the call site's `retry` clause says")}}},
        {"x-rflow-retried", json::array({408, 429, "5XX", "timeout", "connection failure"})}};
    paths["/" + name]["post"] = std::move(operation);
  }

  std::string server_url = fmt::format("https://{}.example/rflow", short_name);
  std::string headers_note;
  int64_t timeout_ms = kDefaultConnectorTimeoutMs;
  if (input.configured != nullptr) {
    if (const auto* http = std::get_if<HttpTarget>(&input.configured->target)) {
      server_url = http->url;
      timeout_ms = http->timeout_ms;
      for (const auto& [header, value] : http->headers)
        headers_note += fmt::format("{}`{}`", headers_note.empty() ? "" : ", ", header);
    }
  }
  std::string description = fmt::format(
      "What rflow sends to the connector `{}` and accepts back (rflow's runtime.md §6). Every "
      "operation is `POST {{url}}/{{op}}` with `Content-Type: application/json`; the body's "
      "`args` are the operation's parameters, wire-encoded by their declared types. Calls are "
      "delivered at least once: the `Idempotency-Key` header identifies one call across "
      "attempts and re-sends, so the endpoint must not do the work twice. One attempt waits "
      "at most {} ms (the call site's `timeout` may say otherwise); 408, 429, 5xx, timeouts "
      "and broken connections are retried as the call site's `retry` clause says, other "
      "answers are final. Answers over 16 MiB are refused.",
      qualified, timeout_ms);
  if (!headers_note.empty())
    description +=
        fmt::format(" rflow.toml also sends the headers {} (values not shown).", headers_note);
  if (auto text = schemas.doc(qualified)) description = *text + "\n\n" + description;

  json components = schemas.components();
  json document = {{"openapi", "3.0.3"},
                   {"info",
                    {{"title", fmt::format("rflow connector `{}`", qualified)},
                     {"version", input.version},
                     {"description", std::move(description)}}},
                   {"servers", json::array({{{"url", server_url}}})},
                   {"paths", std::move(paths)}};
  if (!components.empty()) document["components"] = {{"schemas", std::move(components)}};
  return document;
}

}  // namespace rflow::runtime

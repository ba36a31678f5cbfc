// WireSchemas: a module's types as JSON Schemas, following wire.cpp's decoder rule by
// rule. Types are acyclic except through records, and records are $refs registered
// before their fields are walked, so the walk ends; its depth is bounded by the
// module's type depth (bytecode::kMaxTypeDepth, checked by the loader).
#include "runtime/wire_schema.h"

#include <fmt/format.h>

#include <algorithm>

#include "runtime/wire.h"
#include "vm/limits.h"

namespace rflow::runtime {

using bytecode::TypeTag;
using nlohmann::json;

json nullSchema() {
  return {{"type", "object"}, {"nullable", true}, {"enum", json::array({nullptr})}};
}

WireSchemas::WireSchemas(const bytecode::Module& module, const DocTable* docs)
    : m_(module), docs_(docs) {}

std::optional<std::string> WireSchemas::doc(std::string_view key) const {
  if (docs_ == nullptr) return std::nullopt;
  auto it = docs_->find(key);
  if (it == docs_->end() || it->second.empty()) return std::nullopt;
  return it->second;
}

json WireSchemas::describe(json schema, std::string_view key) const {
  if (auto text = doc(key)) {
    // A $ref takes no siblings in OpenAPI 3.0: the description goes on a wrapper.
    if (schema.contains("$ref")) schema = json{{"allOf", json::array({std::move(schema)})}};
    schema["description"] = *text;
  }
  return schema;
}

std::string WireSchemas::componentName(std::string_view qualified, std::string_view kind,
                                       uint32_t index) {
  const std::string key = fmt::format("{}{}", kind, index);
  if (auto it = names_.find(key); it != names_.end()) return it->second;
  // OpenAPI: ^[a-zA-Z0-9.\-_]+$. Synthesized records carry a `:` ("…Return:42.task.form").
  std::string base;
  for (char c : qualified)
    base +=
        (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_') ? c : '_';
  if (base.empty()) base = key;
  std::string name = base;
  for (int n = 2; components_.contains(name) ||
                  std::any_of(names_.begin(), names_.end(),
                              [&](const auto& entry) { return entry.second == name; });
       ++n)
    name = fmt::format("{}_{}", base, n);
  names_.emplace(key, name);
  return name;
}

std::string WireSchemas::enumRef(uint32_t enum_index) {
  const bytecode::Enum& e = m_.enums[enum_index];
  const std::string& qualified = m_.strings[e.name];
  const std::string name = componentName(qualified, "e", enum_index);
  if (components_.contains(name)) return name;
  json members = json::array();
  std::string doc_text;
  for (bytecode::StringId s : e.members) {
    members.push_back(m_.strings[s]);
    if (auto text = doc(qualified + "." + m_.strings[s]))
      doc_text += fmt::format("{}- `{}`: {}", doc_text.empty() ? "" : "\n", m_.strings[s], *text);
  }
  json schema = {{"type", "string"}, {"enum", std::move(members)}};
  std::string description = doc(qualified).value_or("");
  if (!doc_text.empty()) description += (description.empty() ? "" : "\n\n") + doc_text;
  if (!description.empty()) schema["description"] = description;
  components_[name] = std::move(schema);
  return name;
}

std::string WireSchemas::recordRef(uint32_t record) {
  const bytecode::Record& r = m_.records[record];
  const std::string& qualified = m_.strings[r.name];
  const std::string name = componentName(qualified, "r", record);
  if (components_.contains(name)) return name;
  // Registered before the fields are walked: a record that refers to itself ends here.
  components_[name] = json::object();
  json properties = json::object();
  json required = json::array();
  for (const bytecode::Field& f : r.fields) {
    const std::string& field = m_.strings[f.name];
    properties[field] = describe(schema(f.type), qualified + "." + field);
    const bool optional = f.type < m_.types.size() && m_.types[f.type].tag == TypeTag::kOptional;
    if (!f.default_value && !optional) required.push_back(field);
  }
  json out = {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = std::move(required);
  if (auto text = doc(qualified)) out["description"] = *text;
  components_[name] = std::move(out);
  return name;
}

json WireSchemas::roleSchema() const {
  json names = json::array();
  for (uint32_t i = 0; i < m_.roles.size(); ++i)
    names.push_back(roleWireName(m_, i));
  // The qualified names are accepted too (wire.h).
  for (const bytecode::Role& role : m_.roles) {
    const std::string& qualified = m_.strings[role.name];
    if (std::find(names.begin(), names.end(), json(qualified)) == names.end())
      names.push_back(qualified);
  }
  if (names.empty())
    return {{"type", "string"},
            {"description", "A role's name; this module declares none, so no value is valid"},
            {"not", json::object()}};
  return {{"type", "string"}, {"enum", std::move(names)}};
}

json WireSchemas::schema(bytecode::TypeId type) {
  if (type >= m_.types.size()) return json::object();
  const bytecode::Type& t = m_.types[type];
  switch (t.tag) {
    case TypeTag::kVoid:
      return {{"description", "No value: rflow writes null and ignores what it is sent"}};
    case TypeTag::kNone:
      return nullSchema();
    case TypeTag::kBool:
      return {{"type", "boolean"}};
    case TypeTag::kInt:
      return {{"type", "integer"}, {"format", "int64"}};
    case TypeTag::kDuration:
      return {{"type", "integer"}, {"format", "int64"}, {"description", "Milliseconds"}};
    case TypeTag::kDecimal:
      return {{"type", "string"},
              {"pattern", kDecimalPattern},
              {"description", "An exact decimal as text, like \"12.50\""}};
    case TypeTag::kMoney:
      return {{"type", "object"},
              {"required", {"amount", "currency"}},
              {"properties",
               {{"amount", {{"type", "string"}, {"pattern", kDecimalPattern}}},
                {"currency",
                 {{"type", "string"},
                  {"pattern", kCurrencyPattern},
                  {"description", "An ISO 4217 code"}}}}},
              {"additionalProperties", false}};
    case TypeTag::kString:
      return {{"type", "string"}};
    case TypeTag::kTime:
      return {{"type", "string"}, {"format", "date-time"}};
    case TypeTag::kUser:
      return {{"type", "string"}, {"minLength", 1}, {"description", "A user's id"}};
    case TypeTag::kRole:
      return roleSchema();
    case TypeTag::kAssignee: {
      const json user = {{"type", "string"}, {"minLength", 1}};
      return {{"description",
               "A role or a user: {\"role\": name} or {\"user\": id} (what rflow writes); a bare "
               "string is read as a declared role's name, else as a user's id"},
              {"anyOf", json::array({{{"type", "object"},
                                      {"required", {"role"}},
                                      {"properties", {{"role", roleSchema()}}},
                                      {"additionalProperties", false}},
                                     {{"type", "object"},
                                      {"required", {"user"}},
                                      {"properties", {{"user", user}}},
                                      {"additionalProperties", false}},
                                     user})}};
    }
    case TypeTag::kEnum:
      if (t.decl >= m_.enums.size()) return json::object();
      return {{"$ref", "#/components/schemas/" + enumRef(t.decl)}};
    case TypeTag::kRecord:
      if (t.decl >= m_.records.size()) return json::object();
      return {{"$ref", "#/components/schemas/" + recordRef(t.decl)}};
    case TypeTag::kList:
      return {{"type", "array"}, {"items", schema(t.element)}, {"maxItems", vm::kMaxListLength}};
    case TypeTag::kMap:
      return {{"type", "object"},
              {"additionalProperties", schema(t.element)},
              {"maxProperties", vm::kMaxListLength}};
    case TypeTag::kOptional: {
      json inner = schema(t.element);
      if (inner.contains("$ref") || inner.contains("anyOf")) {
        json alternatives = inner.contains("anyOf") ? inner["anyOf"] : json::array({inner});
        alternatives.push_back(nullSchema());
        json out = {{"anyOf", std::move(alternatives)}};
        if (inner.contains("description")) out["description"] = inner["description"];
        return out;
      }
      if (!inner.contains("type")) return inner;  // void or anything: null is already in
      inner["nullable"] = true;
      if (inner.contains("enum")) inner["enum"].push_back(nullptr);
      return inner;
    }
    case TypeTag::kRun:
      return {{"description", "A test's handle on an instance; never sent over the wire"},
              {"not", json::object()}};
  }
  return json::object();
}

json WireSchemas::arguments(std::span<const bytecode::Param> params) {
  json properties = json::object();
  json required = json::array();
  for (const bytecode::Param& p : params) {
    const std::string& name = m_.strings[p.name];
    properties[name] = schema(p.type);
    if (p.type >= m_.types.size() || m_.types[p.type].tag != TypeTag::kOptional)
      required.push_back(name);
  }
  json out = {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

json WireSchemas::formBody(uint32_t record) {
  const bytecode::Record& r = m_.records[record];
  const std::string& qualified = m_.strings[r.name];
  json properties = json::object();
  json required = json::array();
  for (const bytecode::Field& f : r.fields) {
    const std::string& field = m_.strings[f.name];
    if (field == "completed_by") continue;
    properties[field] = describe(schema(f.type), qualified + "." + field);
    if (f.type >= m_.types.size() || m_.types[f.type].tag != TypeTag::kOptional)
      required.push_back(field);
  }
  json out = {
      {"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

}  // namespace rflow::runtime

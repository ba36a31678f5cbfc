// JSON Schemas (the OpenAPI 3.0 dialect) of the wire encoding (wire.h): for a module's
// types, what `decode` accepts, which is also a superset of what `encode` writes. The
// inbound document (`/v1/openapi.json`, `rflow openapi`) and the outbound connector
// contracts (`rflow contract`) both take their schemas from here, so a contract says
// exactly what the service and the connector layer really send and accept.
//
// The rules follow wire.h's table, one to one:
//
//   type        schema
//   bool        {"type": "boolean"}
//   int         {"type": "integer", "format": "int64"}
//   decimal     {"type": "string", "pattern": kDecimalPattern}      (Decimal::parse's grammar)
//   money       {"type": "object", "required": ["amount", "currency"], amount a decimal,
//                currency ^[A-Z]{3}$, "additionalProperties": false}
//   string      {"type": "string"}
//   duration    {"type": "integer", "format": "int64"}              milliseconds
//   time        {"type": "string", "format": "date-time"}
//   User        {"type": "string", "minLength": 1}
//   Role        {"type": "string", "enum": [wire names, then qualified names]}
//   Assignee    anyOf: {"role": Role}, {"user": User}, or a bare string
//   enum        $ref to a component {"type": "string", "enum": [members]}
//   record      $ref to a component {"type": "object", "properties", "required": the fields
//               decode needs (no default, not optional), "additionalProperties": false}
//   list<T>     {"type": "array", "items": T, "maxItems": vm::kMaxListLength}
//   map<T>      {"type": "object", "additionalProperties": T}
//   T?          T with "nullable": true; a $ref (which takes no siblings) becomes
//               anyOf [$ref, kNullSchema]
//   void        {} (anything: rflow writes null and ignores what it is sent)
//
// OpenAPI 3.0's `nullable` only widens the `type` beside it, so none alone is written as
// kNullSchema, {"type": "object", "nullable": true, "enum": [null]}, which accepts null
// and nothing else in every validator that knows the keyword (ajv included).
//
// Records and enums are components named by their qualified names ("retail.systems.
// Velocity"; characters OpenAPI does not allow in a component name become `_`, and a
// name taken twice gets a number). Descriptions come from doc comments when a DocTable
// is given (the module itself keeps none): keys are qualified declaration names, and
// "<decl>.<field>", "<enum>.<member>", "<connector>.<op>" for their parts.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bytecode/module.h"

namespace rflow::runtime {

// Doc comments by qualified name (see above). The compiler's driver collects them
// (compiler/driver/docs.h); this layer never sees the compiler.
using DocTable = std::map<std::string, std::string, std::less<>>;

// Decimal::parse's grammar (base/decimal.h): an optional '-', digits, optionally '.'
// and digits; '_' only between two digits; no '+', exponent or spaces.
inline constexpr std::string_view kDecimalPattern = "^-?[0-9](_?[0-9])*(\\.[0-9](_?[0-9])*)?$";
inline constexpr std::string_view kCurrencyPattern = "^[A-Z]{3}$";

// Accepts null and nothing else (see above).
nlohmann::json nullSchema();

class WireSchemas {
 public:
  // `docs` may be null (no descriptions); both must outlive this object.
  explicit WireSchemas(const bytecode::Module& module, const DocTable* docs = nullptr);

  // The schema of a value of `type`. Records and enums are $refs into components(),
  // which collects them (and whatever they refer to) as they are met.
  nlohmann::json schema(bytecode::TypeId type);

  // The object decodeArguments reads for `params` (a start's body, an event's, a
  // connector call's `args`): every parameter a property, the non-optional ones required,
  // no other keys.
  nlohmann::json arguments(std::span<const bytecode::Param> params);

  // A task's form as a decision sends it: the form record's fields but `completed_by`
  // (the service fills it in), the non-optional ones required (Tasks::form's rule: a
  // form field's default is not used).
  nlohmann::json formBody(uint32_t record);

  // The component name of record #`record` / enum #`enum_index` (registering it).
  std::string recordRef(uint32_t record);
  std::string enumRef(uint32_t enum_index);

  // Every component met so far, by name, as `#/components/schemas` holds them.
  const nlohmann::json& components() const { return components_; }

  // The doc comment for `key`, or nullopt.
  std::optional<std::string> doc(std::string_view key) const;

 private:
  std::string componentName(std::string_view qualified, std::string_view kind, uint32_t index);
  nlohmann::json roleSchema() const;
  nlohmann::json describe(nlohmann::json schema, std::string_view key) const;

  const bytecode::Module& m_;
  const DocTable* docs_;
  nlohmann::json components_ = nlohmann::json::object();
  std::map<std::string, std::string> names_;  // "r12" / "e3" -> component name
};

}  // namespace rflow::runtime

// The wire encoding (runtime.md §6): how rflow values travel as JSON — connector
// arguments and results, `rflow run --input` and its printed result, the service's
// request and response bodies. Driven by a module and a type, never by the JSON alone:
// the same JSON string is a string, a decimal, a time, a role or an enum member depending
// on the declared type.
//
//   type        JSON                                         notes
//   bool        true / false
//   int         a JSON integer                               no fraction, no string, int64 range
//   decimal     "12.50"                                      a string: exact, scale kept
//   money       {"amount": "12.50", "currency": "USD"}       exactly these two keys; ISO 4217
//   string      "text"                                       valid UTF-8, <= vm::kMaxStringBytes
//   duration    integer milliseconds                         5000 for 5s
//   time        "2026-11-27T06:00:00Z"                       RFC 3339 (any offset in; UTC out)
//   User        "ann"                                        its id; not empty
//   Role        "StoreManager"                               the declared (last) segment of the
//                                                            role's name; the qualified name is
//                                                            accepted too, and written when two
//                                                            roles share a short name
//   Assignee    {"role": "StoreManager"} / {"user": "ann"}   see below
//   enum        "High"                                       the member's name
//   record      {"field": value, …}                          every field; see below
//   list<T>     [ … ]                                        <= vm::kMaxListLength items
//   map<T>      {"key": value, …}                            <= vm::kMaxListLength entries
//   T?          null for none, else T's form
//   void        null out; anything in (ignored)              an op "without a result"
//
// Assignee: encode writes an object, {"role": name} or {"user": id}, because a bare
// string cannot say which of the two it is (a user may be called "admin" or
// "StoreManager"). decode accepts that object, and also a bare string for people writing
// JSON by hand: a declared role's name wins, anything else is a user id.
//
// Records: decode needs every field except those with a default in the module (the
// default's value is used) and those of an optional type (none); a key that is not a
// field is an error (with "did you mean" when close), so a typo never silently drops
// data. encode writes every field, none as null.
//
// Limits: JSON nested deeper than kMaxWireDepth, and strings, lists and maps past the
// VM's limits (vm/limits.h), are errors with the path where they happen. Every decoded
// value also passes vm::checkValue against the type.
//
// Errors are values: WireError holds the path to the offending value (`amount.currency`,
// `lines[2].qty`, `received["SKU-1"]`) and a message in plain words. Nothing here
// throws for bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::runtime {

// JSON arrays and objects inside each other. Far above what a retail payload nests (an
// order's lines' allocations are 4 deep) and far below what would strain a recursive walk.
inline constexpr uint32_t kMaxWireDepth = 64;

// A JSON text read from outside (a connector's response, a stub file, --input).
inline constexpr size_t kMaxJsonBytes = size_t{16} << 20;

struct WireError {
  std::string path;     // empty: the value as a whole
  std::string message;  // "expected a 3-letter currency code, found \"US\""

  // "`amount.currency`: expected a 3-letter currency code, found \"US\"", or just the
  // message when the path is empty.
  std::string text() const;
};

// `json` as a value of `type`, or why it is not one.
std::variant<vm::Value, WireError> decode(const nlohmann::json& json, bytecode::TypeId type,
                                          const bytecode::Module& module);

// The wire form of `value`, a value of `type`. Requires vm::checkValue(value, module, type)
// to hold, as it does for every value the VM makes from a verified module; if a part does
// not fit its type, that part is written from its tag alone (never a crash, never a read
// of the wrong payload).
nlohmann::json encode(const vm::Value& value, bytecode::TypeId type,
                      const bytecode::Module& module);

// A JSON object keyed by parameter name (connector arguments, --input, the service's
// start body) as one value per parameter, in parameter order. Missing parameters,
// unknown keys and a non-object are errors; paths start with the parameter's name.
std::variant<std::vector<vm::Value>, WireError> decodeArguments(
    const nlohmann::json& json, std::span<const bytecode::Param> params,
    const bytecode::Module& module);

// The object decodeArguments reads. `values` has one value per parameter.
nlohmann::json encodeArguments(std::span<const vm::Value> values,
                               std::span<const bytecode::Param> params,
                               const bytecode::Module& module);

class JsonWriter;
// encode and encodeArguments written as text, exactly as their documents would be dumped
// (json_writer.h): for answers that are only written out.
void writeValue(JsonWriter& writer, const vm::Value& value, bytecode::TypeId type,
                const bytecode::Module& module);
void writeArguments(JsonWriter& writer, std::span<const vm::Value> values,
                    std::span<const bytecode::Param> params, const bytecode::Module& module);

// Role #`role`'s name on the wire: its declared (last) segment, or its qualified name
// when another role shares that segment (what encode writes; decode accepts both).
std::string roleWireName(const bytecode::Module& module, uint32_t role);

// Parses JSON text from outside, within kMaxJsonBytes and kMaxWireDepth (checked before
// parsing, so a hostile document never reaches the parser's or destructor's recursion).
// The problem is in plain words: "the text is not JSON: syntax error at line 1, column 5 …".
std::variant<nlohmann::json, std::string> parseJson(std::string_view text,
                                                    size_t max_bytes = kMaxJsonBytes);

}  // namespace rflow::runtime

// Printed forms (language.md §3, "how values print"): what interpolation, `string(x)`,
// `note`, `expect` messages and the CLI show.
//
//   none                 none
//   bool, int            true, -42
//   decimal              its exact digits with the scale it has: 20.0000, 0.30
//   money                the exact amount with at least the currency's minor-unit
//                        digits, then the code: 20.00 USD, 25.05825 USD, 1000 JPY
//   duration             largest units first, zero units left out: 1h30m, 500ms, 0s
//   time                 RFC 3339 in UTC: 2026-11-27T06:00:00Z (.250 when not whole)
//   string, User         the text itself (a User is its id)
//   Role                 its declared name: StoreManager
//   enum member          its bare name: High
//   list                 [a, b]
//   map                  {k: v, l: w} in key order
//   record               Store { id: S1, region: north, pilot: false }
//   Run (tests)          its instance id
//
// A string or User is its text wherever it appears, inside a list too: the spec prints
// `["ana", "carl"]` as `[ana, carl]` because these forms are read by process owners in
// notes and messages, not parsed back (the JSON of §6 is the unambiguous form). Names of roles and
// records are the declared (last) segment of their qualified names.
//
// The type picks the form where one tag serves several types (an int tag prints as an
// int, a duration or a time); without a type, or with one that does not match the value,
// the tag decides, so printing never fails on a well-formed value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "bytecode/module.h"
#include "vm/value.h"

namespace rflow::vm {

// Appends the printed form of `value` to `out`. Returns false, with `out` holding some
// prefix, as soon as `out` would grow past `max_bytes`.
bool appendPrinted(std::string& out, const Value& value, const bytecode::Module& module,
                   std::optional<bytecode::TypeId> type, size_t max_bytes);

// The printed form, without a size limit (for hosts and tests; values obey kMaxValueDepth
// and kMaxListLength, which bound it).
std::string printed(const Value& value, const bytecode::Module& module,
                    std::optional<bytecode::TypeId> type = std::nullopt);

// The last dotted segment: "retail.common.StoreManager" -> "StoreManager".
std::string_view declaredName(std::string_view qualified);

}  // namespace rflow::vm

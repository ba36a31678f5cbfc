// The standard library's native functions (language.md §5a; stdlib/functions.def lists
// them with their persisted ids). They are pure, know nothing of the module, and live in
// the VM library: the compiler only needs their ids and arities (the header-only table),
// so the dependency direction stays compiler -> bytecode <- vm.
//
// Semantics beyond the table of §5a (the choices are the VM's; each has a test):
// - len(string) counts code points; lower/upper use Unicode's simple one-to-one case
//   mappings (case_table.inc: "É" -> "é", "ß" stays "ß"); trim strips Unicode White_Space
//   from both ends.
// - split(s, sep) keeps empty pieces ("a,,b" -> ["a", "", "b"]; "" -> [""]); an empty
//   separator splits into code points ("" -> []), as Go and JavaScript do.
// - keys and values follow the map's key order (value.h: sorted by code point).
// - min/max of two equal values give the first (min(1.0, 1.00) is 1.0); min/max of money
//   in two currencies is a currency-mismatch error; abs/min/max of the minimum int or
//   duration negated overflow.
// - sum of an empty list is 0 for ints and decimals and an error for money (no currency);
//   a money list in two currencies is an error.
// - round(x, places): half-even, 0 <= places <= 28, else an error.
// - int(d) truncates toward zero, an error outside int64. money(d|i, code) needs an ISO
//   4217 code. user(s) needs a nonempty id.
// - parse_int accepts `-?[0-9]+` within int64; parse_decimal `-?[0-9]+(\.[0-9]+)?` with at
//   most 34 significant digits (no `_`, `+`, spaces or exponents: this reads data, not
//   source); parse_time RFC 3339 (base/time_text.h). Anything else is none.
// - days/hours/minutes(n) overflow is an error.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "vm/value.h"

namespace rflow::vm {

struct NativeError {
  // True when the arguments do not have the tags the native takes: the module that
  // called it is corrupt (the checker picks a native by the argument types).
  bool corrupt = false;
  std::string message;  // for a runtime error: "round: places must be between 0 and 28, not 30"
};

// Runs native `id` (a valid id: bytecode::nativeInfo knows it) on `args` (exactly its
// arity of them; a native may move from them) and stores its result in `result`. nullopt
// on success.
std::optional<NativeError> callNative(uint32_t id, std::span<Value> args, Value& result);

// Whether the VM implements native `id`.
bool hasNative(uint32_t id);

}  // namespace rflow::vm
